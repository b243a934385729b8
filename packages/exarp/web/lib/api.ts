// The page's one way to call the server: same-origin, cookie-authenticated, the session's CSRF
// header on every write, and the house error shape turned into an ApiError with its message.

/** A failed API call: the server's `{ error: { name, message } }`, or what went wrong on the way. */
export class ApiError extends Error {
  readonly status: number;
  readonly errorName: string;

  constructor(status: number, errorName: string, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.errorName = errorName;
  }
}

export type Api = {
  get<T>(path: string): Promise<T>;
  send<T>(method: "POST" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<T>;
  /** Sets the CSRF token the session answered with (undefined after logout). */
  useCsrf(csrf: string | undefined): void;
};

/** An API client for this origin; `onUnauthenticated` runs when any call answers 401. */
export function createApi(onUnauthenticated: () => void): Api {
  let csrf: string | undefined;

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && csrf) headers["X-Exarp-CSRF"] = csrf;
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers,
        credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, "NetworkError", "the server cannot be reached");
    }
    const text = await response.text();
    const data = text ? parseJson(text) : undefined;
    if (!response.ok) {
      const error = (data as { error?: { name?: unknown; message?: unknown } } | undefined)?.error;
      const name = typeof error?.name === "string" ? error.name : `HTTP ${response.status}`;
      const message =
        typeof error?.message === "string" ? error.message : `${method} ${path} failed (${response.status})`;
      if (response.status === 401 && path !== "/api/session") onUnauthenticated();
      throw new ApiError(response.status, name, message);
    }
    return data as T;
  }

  return {
    get: (path) => call("GET", path),
    send: (method, path, body) => call(method, path, body),
    useCsrf(value) {
      csrf = value;
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A query string from the defined values (`?a=1&b=x`), or "" when there are none. */
export function queryString(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== "") search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** `/api/tasks/ID` with the id escaped. */
export const taskPath = (id: string, rest = "") => `/api/tasks/${encodeURIComponent(id)}${rest}`;
