// Logging in: a token is exchanged once for an HttpOnly session cookie (POST /api/session) and never
// kept by the page; a reload resumes the session (GET /api/session); logging out ends it.
import { type Api, ApiError } from "./lib/api.ts";
import type { Banner } from "./lib/banner.ts";
import { el } from "./lib/dom.ts";
import type { Session } from "./lib/types.ts";

/** The session the cookie names, or undefined when there is none (401). */
export async function resumeSession(api: Api): Promise<Session | undefined> {
  try {
    return await api.get<Session>("/api/session");
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return undefined;
    throw error;
  }
}

/** The login form; resolves `onLogin` with the new session. */
export function renderLogin(api: Api, banner: Banner, onLogin: (session: Session) => void): HTMLElement {
  const token = el("input", {
    type: "password",
    name: "token",
    autocomplete: "off",
    placeholder: "exarp_…",
    required: true,
    "aria-label": "Token",
  });
  const submit = el("button", { type: "submit" }, "Log in");
  const form = el(
    "form",
    { class: "login" },
    el("h1", {}, "exarp"),
    el("p", { class: "muted" }, "Paste a token to open the board. Create one with:"),
    el("pre", {}, "exarp token create --scope owner"),
    token,
    submit,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submit.disabled = true;
    api.send<Session>("POST", "/api/session", { token: token.value.trim() }).then(
      (session) => {
        token.value = "";
        banner.clear();
        onLogin(session);
      },
      (error) => {
        submit.disabled = false;
        banner.show(error);
      },
    );
  });
  return form;
}
