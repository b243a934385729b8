/**
 * The few calls of OpenCode's HTTP API (`opencode serve`, v1 routes) the runner makes, over plain
 * fetch: sessions, prompts, messages, permissions, and the event stream. Every call is bounded in
 * time; a failed call throws an error naming the route and the status.
 */

/** An event from OpenCode's bus, as its `/event` stream carries it. */
export type OpenCodeEvent = { type: string; properties: Record<string, unknown> };

export type MessagePart = { type: string; text?: string; synthetic?: boolean };
export type SessionMessage = {
  info: {
    id: string;
    role: "user" | "assistant";
    time: { created: number; completed?: number };
    error?: { name?: string; data?: { message?: string } };
    finish?: string;
  };
  parts: MessagePart[];
};

export type PromptOptions = { agent?: string; model?: { providerID: string; modelID: string } };

const CALL_TIMEOUT_MS = 15_000;

export class OpenCodeUnreachable extends Error {
  override name = "OpenCodeUnreachable";
}

/** A client of one `opencode serve`, every request scoped to `directory` (a project or a worktree). */
export function createOpenCodeClient(baseUrl: string) {
  const base = baseUrl.replace(/\/+$/, "");
  const url = (path: string, directory: string) => `${base}${path}?directory=${encodeURIComponent(directory)}`;

  async function call<T>(method: string, path: string, directory: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(url(path, directory), {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
    } catch (error) {
      throw new OpenCodeUnreachable(
        `OpenCode at ${base} did not answer ${method} ${path}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const text = await response.text();
    if (!response.ok)
      throw new Error(`OpenCode answered ${method} ${path} with HTTP ${response.status}: ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  return {
    url: base,

    async createSession(directory: string, title: string): Promise<string> {
      const session = await call<{ id: string }>("POST", "/session", directory, { title });
      return session.id;
    },

    /** Whether the session exists on this server (it may not, after a restart with another data folder). */
    async hasSession(directory: string, id: string): Promise<boolean> {
      try {
        await call("GET", `/session/${encodeURIComponent(id)}`, directory);
        return true;
      } catch (error) {
        if (error instanceof OpenCodeUnreachable) throw error;
        return false;
      }
    },

    async deleteSession(directory: string, id: string): Promise<void> {
      await call("DELETE", `/session/${encodeURIComponent(id)}`, directory);
    },

    /** Starts a turn and returns at once (the turn ends with `session.idle`). */
    async prompt(directory: string, id: string, text: string, options: PromptOptions = {}): Promise<void> {
      await call("POST", `/session/${encodeURIComponent(id)}/prompt_async`, directory, {
        ...options,
        parts: [{ type: "text", text }],
      });
    },

    async abort(directory: string, id: string): Promise<void> {
      await call("POST", `/session/${encodeURIComponent(id)}/abort`, directory);
    },

    async messages(directory: string, id: string): Promise<SessionMessage[]> {
      return call<SessionMessage[]>("GET", `/session/${encodeURIComponent(id)}/message`, directory);
    },

    /** The sessions working now (idle ones are absent). */
    async busySessions(directory: string): Promise<Set<string>> {
      const status = await call<Record<string, { type: string }>>("GET", "/session/status", directory);
      return new Set(Object.entries(status ?? {}).flatMap(([id, s]) => (s.type === "idle" ? [] : [id])));
    },

    /** A note the session's model reads on its next turn, without starting one (noReply). */
    async note(directory: string, id: string, text: string): Promise<void> {
      await call("POST", `/session/${encodeURIComponent(id)}/message`, directory, {
        noReply: true,
        parts: [{ type: "text", text }],
      });
    },

    /** A toast in the OpenCode TUI attached to this server (none attached: nobody sees it, no error). */
    async toast(directory: string, message: string, variant: "info" | "success" | "warning" | "error"): Promise<void> {
      await call("POST", "/tui/show-toast", directory, { title: "exarp run", message, variant });
    },

    /** Permission requests waiting for an answer (an empty list from a server without the route). */
    async pendingPermissions(directory: string): Promise<Record<string, unknown>[]> {
      try {
        const list = await call<unknown>("GET", "/permission", directory);
        return Array.isArray(list) ? (list as Record<string, unknown>[]) : [];
      } catch (error) {
        if (error instanceof OpenCodeUnreachable) throw error;
        return [];
      }
    },

    async replyPermission(directory: string, id: string, permissionId: string, response: "reject" | "once") {
      await call(
        "POST",
        `/session/${encodeURIComponent(id)}/permissions/${encodeURIComponent(permissionId)}`,
        directory,
        { response },
      );
    },

    /**
     * OpenCode's event stream, read until `signal` aborts; a dropped stream is reopened after a short
     * pause (`onGap` says so: events may have been missed, the caller re-checks what it waits for).
     */
    async streamEvents(
      directory: string,
      onEvent: (event: OpenCodeEvent) => void,
      signal: AbortSignal,
      onGap: (error: unknown) => void,
    ): Promise<void> {
      while (!signal.aborted) {
        try {
          const response = await fetch(url("/event", directory), { signal, headers: { accept: "text/event-stream" } });
          if (!response.ok || !response.body) throw new Error(`GET /event answered HTTP ${response.status}`);
          await readSse(response.body, onEvent);
          if (!signal.aborted) onGap(new Error("the event stream ended"));
        } catch (error) {
          if (signal.aborted) return;
          onGap(error);
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    },
  };
}

export type OpenCodeClient = ReturnType<typeof createOpenCodeClient>;

/** Reads server-sent events (`data:` lines, blank-line separated) until the stream ends. */
async function readSse(body: ReadableStream<Uint8Array>, onEvent: (event: OpenCodeEvent) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split("\n")
        .filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).trimStart())
        .join("\n");
      if (data) {
        try {
          const event = JSON.parse(data) as OpenCodeEvent;
          if (event && typeof event.type === "string")
            onEvent({ type: event.type, properties: event.properties ?? {} });
        } catch {
          // not an event (a comment or a partial line): skipped
        }
      }
      end = buffer.indexOf("\n\n");
    }
  }
}

/**
 * How a session's last turn ended, asked once the session is idle: the text of its final assistant
 * message, its error if it failed, and whether it stopped on a tool call (the loop was cut short: a
 * refused permission, an abort). Not done while the last message is not a finished assistant one.
 */
export function turnResult(messages: readonly SessionMessage[]): {
  done: boolean;
  text: string;
  error?: string;
  cutShort?: boolean;
} {
  const last = messages.at(-1);
  if (last?.info.role !== "assistant") return { done: false, text: "" };
  if (last.info.error) {
    const e = last.info.error;
    return { done: true, text: "", error: e.data?.message ?? e.name ?? "the model failed" };
  }
  if (last.info.time.completed === undefined) return { done: false, text: "" };
  const text = last.parts
    .filter((p) => p.type === "text" && !p.synthetic && p.text)
    .map((p) => p.text)
    .join("\n")
    .trim();
  return { done: true, text, cutShort: last.info.finish === "tool-calls" };
}
