import type { StoredEvent } from "../event/catalog.ts";
import { describeEvent } from "../event/describe.ts";
import { actorLabel } from "../identity/identity.ts";
import { holderName, type Lease } from "../lease/lease.ts";
import type { Status, Task, TaskDetail } from "../task/task.ts";
import { inline, neutralizeBlock } from "../text/safe.ts";

const STATUS_LABEL: Record<Status, string> = {
  todo: "todo",
  in_progress: "in progress",
  review: "review",
  done: "done",
  blocked: "blocked",
  cancelled: "cancelled",
};

export const statusLabel = (s: Status): string => STATUS_LABEL[s];

/** A time as every text output shows it: to the second, in UTC (`2026-11-27 10:00:00 UTC`). */
export function time(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** Lays out rows as aligned columns (cells are one line each); the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

const tags = (t: Task) => inline(t.tags.join(","));

/** The task list: id, status, priority, title, tags. */
export function taskTable(tasks: readonly Task[]): string {
  if (tasks.length === 0) return "no tasks";
  return table(
    ["ID", "STATUS", "PRIORITY", "TITLE", "TAGS"],
    tasks.map((t) => [inline(t.id), statusLabel(t.status), t.priority, inline(t.title, 60), tags(t)]),
  );
}

/** One line per task, for confirmations: `T-ab12 [in progress] Title`. */
export function taskLine(t: Task): string {
  return `${inline(t.id)} [${statusLabel(t.status)}] ${inline(t.title)}`;
}

/** A lease on one line: `lease #12 on T-ab12 for agent:build/ses_1 until 2026-11-27 10:15:00 UTC`. */
export function leaseLine(l: Lease): string {
  return `lease #${l.token} on ${inline(l.taskId)} for ${inline(holderName(l))} until ${time(l.expiresAt)}`;
}

/** A block of text indented under a heading; its own lines stay lines, nothing in it can act on the terminal. */
function indented(text: string, by: string): string[] {
  return neutralizeBlock(text)
    .split("\n")
    .map((l) => `${by}${l}`);
}

/** Everything about one task, with its links, comments and recent history. */
export function taskDetail(t: TaskDetail, history: readonly StoredEvent[], statusOf: (id: string) => string): string {
  const out = [`${inline(t.id)}  ${inline(t.title)}`];
  out.push(`status ${statusLabel(t.status)} · priority ${t.priority} · version ${t.version}`);
  const extra = [
    t.tags.length ? `tags ${inline(t.tags.join(", "))}` : "",
    t.estimate !== null ? `estimate ${t.estimate} min` : "",
    t.assignee ? `assignee ${inline(t.assignee)}` : "",
    t.parentId ? `parent ${inline(t.parentId)}` : "",
  ].filter(Boolean);
  if (extra.length) out.push(extra.join(" · "));
  out.push(`created ${time(t.createdAt)} · updated ${time(t.updatedAt)}`);
  if (t.source) out.push(`imported from ${t.source.system} as ${inline(t.source.id)} (the record: show --json)`);
  if (t.dependsOn.length)
    out.push(`depends on: ${t.dependsOn.map((id) => `${inline(id)} (${statusOf(id)})`).join(", ")}`);
  if (t.dependents.length) out.push(`blocks: ${t.dependents.map((id) => inline(id)).join(", ")}`);
  if (t.description) out.push("", ...indented(t.description, ""));
  if (t.comments.length) {
    out.push("", "comments:");
    for (const c of t.comments) out.push(`  ${time(c.createdAt)}  ${inline(c.author)}:`, ...indented(c.body, "    "));
  }
  if (history.length) {
    out.push("", "history:");
    for (const e of history) out.push(`  ${eventLine(e)}`);
  }
  return out.join("\n");
}

/** `#12  2026-11-27 10:00:00 UTC  user:ana  T-ab12 todo → in progress`: one event, always one line. */
export function eventLine(e: StoredEvent): string {
  return `#${e.seq}  ${time(e.time)}  ${inline(actorLabel(e.actor, e.session))}  ${inline(describeEvent(e))}`;
}
