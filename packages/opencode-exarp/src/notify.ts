import type { PluginInput } from "@opencode-ai/plugin";
import {
  createNotifier as createDesktopNotifier,
  type Notifier as Desktop,
  inline,
  loadSettings,
  projectPaths,
} from "exarp";

type Client = PluginInput["client"];

/** Where the plugin's lines go: OpenCode's log, never awaited (a stuck server must not stall start-up). */
export type Log = (message: string, level?: "info" | "warn" | "error") => void;

/** Every SDK call the plugin makes is bounded: a stuck server must not stall a hook. */
export function withTimeout<T>(promise: Promise<T>, ms = 5_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Where a session's messages go: the agent and model it uses now (leaving them out switches the user's). */
export type Target = { sessionID: string; agent: string; model: { providerID: string; modelID: string } };

/** The variants of a toast, and how loud each is on the desktop. */
const URGENCY = { info: "low", success: "low", warning: "normal", error: "normal" } as const;

/**
 * The desktop notifier of the project at `root`, as its settings say (`notify.enabled`,
 * `notify.quietHours`); it stays quiet while the person looks at OpenCode's terminal.
 */
export function desktopNotifier(root: string, log: (message: string) => void): Desktop {
  const { settings } = loadSettings(projectPaths(root).dir);
  return createDesktopNotifier({
    enabled: settings["notify.enabled"],
    quietHours: settings["notify.quietHours"],
    log,
  });
}

/**
 * Side channels to the user and the model. Nothing here is awaited from inside a tool on the same
 * session (that deadlocks): callers fire and forget, and failures go to the log.
 */
export function createNotifier(client: Client, desktop: Desktop, log: (message: string) => void) {
  const seen = new Map<string, number>();
  const fail = (what: string) => (error: unknown) =>
    log(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);

  return {
    /** A note the model reads on its next turn, without starting one (`noReply`). */
    note(target: Target, text: string): void {
      withTimeout(
        client.session.prompt({
          path: { id: target.sessionID },
          body: { noReply: true, agent: target.agent, model: target.model, parts: [{ type: "text", text }] },
        }),
      ).catch(fail("note"));
    },

    /** A real prompt: starts a turn with the session's agent and model. */
    prompt(target: Target, text: string): void {
      withTimeout(
        client.session.promptAsync({
          path: { id: target.sessionID },
          body: { agent: target.agent, model: target.model, parts: [{ type: "text", text }] },
        }),
      ).catch(fail("prompt"));
    },

    /** A toast in the TUI and a desktop notification, once per distinct message per minute; the text is neutralised. */
    alert(text: string, variant: "info" | "success" | "warning" | "error"): void {
      const message = inline(text, 400);
      const now = Date.now();
      if ((seen.get(message) ?? 0) > now - 60_000) return;
      seen.set(message, now);
      withTimeout(client.tui.showToast({ body: { title: "exarp", message, variant } })).catch(fail("toast"));
      // Never rejects; a failure reaches the desktop notifier's log.
      void desktop.notify({ title: "OpenCode", body: message, urgency: URGENCY[variant] });
    },
  };
}

export type Notifier = ReturnType<typeof createNotifier>;

/** The readable text of an error event's payload (never `[object Object]`). */
export function errorText(error: unknown): string {
  if (!error || typeof error !== "object") return String(error ?? "unknown error");
  const e = error as { name?: string; message?: string; data?: { message?: unknown; statusCode?: unknown } };
  const message =
    typeof e.data?.message === "string" ? e.data.message : typeof e.message === "string" ? e.message : undefined;
  const status = typeof e.data?.statusCode === "number" ? ` (HTTP ${e.data.statusCode})` : "";
  return message ? `${message}${status}` : `${e.name ?? "error"}${status}`;
}
