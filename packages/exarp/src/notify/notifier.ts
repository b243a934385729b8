// Desktop notifications for the person supervising agents: one per distinct message in a window,
// none in quiet hours (unless critical), none while they are looking at the terminal, and never an
// exception — what happened is the returned value, and failures also go to `log`.
import { execFile } from "node:child_process";
import { InvalidInput } from "../errors-catalog.ts";
import { type Notification, type NotifyPlatform, notificationCommand, notificationText } from "./command.ts";
import { type Run, terminalFocused } from "./focus.ts";
import { isQuietAt, localMinute, parseQuietHours, type QuietHours } from "./quiet-hours.ts";

export type NotifierOptions = {
  /** False: every notification is dropped (`notify.enabled`). Default true. */
  enabled?: boolean;
  /** Default `process.platform`; the BSDs notify like Linux, other platforms not at all. */
  platform?: NodeJS.Platform;
  /** Starts the notification program (default: a child process, 5 s at most). */
  run?: Run;
  /** The environment the program and the focus check see (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Wall-clock milliseconds (default `Date.now`). */
  now?: () => number;
  /** `"22:00-07:00"` (local time, may wrap midnight): only critical notifications are shown then. */
  quietHours?: string;
  /** The same title and body again within this many milliseconds is dropped. Default 60 s. */
  dedupMs?: number;
  /** Whether the person looks at this terminal now (true holds notifications back); false: never ask. */
  focused?: (() => Promise<boolean | undefined>) | false;
  /** Where failures are told (default: nowhere). */
  log?: (message: string) => void;
};

/** Why a notification was not shown. */
export type NotSentReason = "disabled" | "unsupported" | "duplicate" | "quiet" | "focused" | "failed";

export type NotifyResult = { sent: true } | { sent: false; reason: NotSentReason; detail?: string };

export type Notifier = {
  /** Shows `n` unless a rule holds it back; resolves with what happened, never rejects. */
  notify(n: Notification): Promise<NotifyResult>;
};

/** The child-process runner: what the program printed and its exit code; a program that cannot start is code -1. */
export const runProcess: Run = (file, args, { timeoutMs, env }) =>
  new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: timeoutMs, env, windowsHide: true, maxBuffer: 64 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (!error) return resolve({ code: 0, stdout, stderr });
        const code = typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr: stderr || error.message });
      },
    );
  });

function notifyPlatform(platform: NodeJS.Platform): NotifyPlatform | undefined {
  if (platform === "linux" || platform === "darwin" || platform === "win32") return platform;
  return platform === "freebsd" || platform === "openbsd" || platform === "netbsd" ? "linux" : undefined;
}

function quietHoursOf(raw: string | undefined): QuietHours | undefined {
  const parsed = parseQuietHours(raw ?? "");
  if (parsed && "error" in parsed) throw new InvalidInput({ issues: [`quiet hours ${parsed.error}`] });
  return parsed;
}

/** Forgotten past this many remembered messages, the oldest first (a window's worth is plenty). */
const REMEMBERED = 256;

/** A notifier for this machine's desktop (see NotifierOptions); throws only for malformed quiet hours. */
export function createNotifier(options: NotifierOptions = {}): Notifier {
  const given = options.platform ?? process.platform;
  const platform = notifyPlatform(given);
  const run = options.run ?? runProcess;
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  const quiet = quietHoursOf(options.quietHours);
  const dedupMs = options.dedupMs ?? 60_000;
  const log = options.log ?? (() => undefined);
  const focused =
    options.focused === false
      ? async () => undefined
      : (options.focused ?? (() => (platform ? terminalFocused(platform, env, run) : Promise.resolve(undefined))));
  const seen = new Map<string, number>();

  const remember = (key: string, at: number) => {
    seen.delete(key);
    seen.set(key, at);
    for (const [old, when] of seen) {
      if (seen.size <= REMEMBERED && when > at - dedupMs) break;
      seen.delete(old);
    }
  };

  return {
    async notify(n) {
      if (options.enabled === false) return { sent: false, reason: "disabled" };
      if (!platform) return { sent: false, reason: "unsupported", detail: `no notifications on ${given}` };
      const { title, body } = notificationText(n);
      const key = `${title}\n${body}`;
      const at = now();
      const last = seen.get(key);
      if (last !== undefined && at - last < dedupMs && at >= last) return { sent: false, reason: "duplicate" };
      if (quiet && n.urgency !== "critical" && isQuietAt(quiet, localMinute(at)))
        return { sent: false, reason: "quiet" };
      remember(key, at);
      try {
        if ((await focused()) === true) return { sent: false, reason: "focused" };
        const { file, args } = notificationCommand(platform, n);
        const r = await run(file, args, { timeoutMs: 5_000, env });
        if (r.code === 0) return { sent: true };
        const detail = `${file} exited with ${r.code}${r.stderr.trim() ? `: ${r.stderr.trim().slice(0, 300)}` : ""}`;
        log(`notification failed: ${detail}`);
        return { sent: false, reason: "failed", detail };
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        log(`notification failed: ${detail}`);
        return { sent: false, reason: "failed", detail };
      }
    },
  };
}
