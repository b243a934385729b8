import { inline, safeJson } from "../text/safe.ts";

/** One change the runner reports: an attempt started, finished, retried, a task blocked, and so on. */
export type Progress = {
  kind:
    | "started"
    | "adopted"
    | "finished"
    | "retrying"
    | "blocked"
    | "skipped"
    | "unplaced"
    | "lost"
    | "permission_refused"
    | "cleaned"
    | "idle"
    | "error";
  taskId: string;
  title: string;
  /** When it was reported (ms since the epoch). */
  at: number;
  session?: string;
  attempt?: number;
  slot?: number;
  worktree?: string;
  branch?: string;
  error?: string;
  retryAt?: number;
};

/** `--json`: one object per line, keyed by what it is. */
export const jsonLine = (p: Progress): string => `${safeJson({ progress: p })}\n`;

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/** Without a terminal: one line per change. */
export function textLine(p: Progress): string {
  const task = p.taskId ? `${p.taskId} ` : "";
  const what: Record<Progress["kind"], string> = {
    started: `started in session ${p.session} (slot ${(p.slot ?? 0) + 1}, attempt ${p.attempt})${p.branch ? ` on ${p.branch}` : ""}`,
    adopted: `adopted: session ${p.session} (attempt ${p.attempt})`,
    finished: `finished: result recorded, in review (session ${p.session})`,
    retrying: `failed (attempt ${p.attempt}): ${p.error}; retried at ${clock(p.retryAt ?? p.at)}`,
    blocked: `blocked after ${p.attempt} attempt(s): ${p.error}`,
    skipped: `not started: ${p.error}`,
    unplaced: `cannot be placed: ${p.error}`,
    lost: `no longer this runner's: ${p.error}`,
    permission_refused: `permission refused: ${p.error}`,
    cleaned: "done: worktree and session removed",
    idle: "nothing running: the wave is done",
    error: `${p.title} failed: ${p.error}`,
  };
  return `${clock(p.at)} ${task}${inline(what[p.kind], 400)}\n`;
}

type Row = { taskId: string; title: string; slot: number; session: string; since: number; state: string };

const STATE_OF: Partial<Record<Progress["kind"], string>> = {
  started: "running",
  adopted: "running",
  finished: "review",
  retrying: "retrying",
  blocked: "blocked",
  lost: "lost",
  cleaned: "done",
};

/**
 * On a terminal: a table (task, slot, session, elapsed, state) redrawn in place, with the latest
 * lines that are not a row's state below it.
 */
export function createTable(write: (text: string) => void, now: () => number = Date.now) {
  const rows = new Map<string, Row>();
  const notes: string[] = [];
  let drawn = 0;
  const pad = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s.padEnd(n));
  const elapsed = (ms: number) => {
    const s = Math.max(0, Math.round(ms / 1000));
    return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  };
  const draw = () => {
    const lines = [
      `${pad("TASK", 14)} ${pad("TITLE", 28)} ${pad("SLOT", 4)} ${pad("SESSION", 32)} ${pad("ELAPSED", 8)} STATE`,
      ...[...rows.values()].map(
        (r) =>
          `${pad(r.taskId, 14)} ${pad(inline(r.title), 28)} ${pad(String(r.slot + 1), 4)} ${pad(r.session, 32)} ${pad(elapsed(now() - r.since), 8)} ${r.state}`,
      ),
      ...notes.slice(-5),
    ];
    write(`${drawn ? `\x1b[${drawn}F\x1b[J` : ""}${lines.join("\n")}\n`);
    drawn = lines.length;
  };
  return {
    update(p: Progress): void {
      const state = STATE_OF[p.kind];
      const row = rows.get(p.taskId);
      if (state && (row || p.kind === "started" || p.kind === "adopted"))
        rows.set(p.taskId, {
          taskId: p.taskId,
          title: p.title,
          slot: p.slot ?? row?.slot ?? 0,
          session: p.session ?? row?.session ?? "",
          since: p.kind === "started" || p.kind === "adopted" ? p.at : (row?.since ?? p.at),
          state,
        });
      else notes.push(textLine(p).trimEnd());
      draw();
    },
    /** Redraws (the elapsed column moves on). */
    tick: draw,
  };
}
