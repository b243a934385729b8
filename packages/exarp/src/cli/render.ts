import type { StoredEvent } from "../event/catalog.ts";
import { describeEvent, oneLine } from "../event/describe.ts";
import type { Status, Task, TaskDetail } from "../task/task.ts";

const STATUS_LABEL: Record<Status, string> = {
  todo: "todo",
  in_progress: "in progress",
  review: "review",
  done: "done",
  blocked: "blocked",
  cancelled: "cancelled",
};

export const statusLabel = (s: Status): string => STATUS_LABEL[s];

/** ISO time to the second, without the `T` and zone, in UTC. */
export function time(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

/** Lays out rows as aligned columns; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** The task list: id, status, priority, title, tags. */
export function taskTable(tasks: readonly Task[]): string {
  if (tasks.length === 0) return "no tasks";
  return table(
    ["ID", "STATUS", "PRIORITY", "TITLE", "TAGS"],
    tasks.map((t) => [t.id, statusLabel(t.status), t.priority, oneLine(t.title, 60), t.tags.join(",")]),
  );
}

/** One line per task, for confirmations: `T-ab12 [in progress] Title`. */
export function taskLine(t: Task): string {
  return `${t.id} [${statusLabel(t.status)}] ${t.title}`;
}

/** Everything about one task, with its links, comments and recent history. */
export function taskDetail(t: TaskDetail, history: readonly StoredEvent[], statusOf: (id: string) => string): string {
  const out = [`${t.id}  ${t.title}`];
  out.push(`status ${statusLabel(t.status)} · priority ${t.priority} · version ${t.version}`);
  const extra = [
    t.tags.length ? `tags ${t.tags.join(", ")}` : "",
    t.estimate !== null ? `estimate ${t.estimate} min` : "",
    t.assignee ? `assignee ${t.assignee}` : "",
    t.parentId ? `parent ${t.parentId}` : "",
  ].filter(Boolean);
  if (extra.length) out.push(extra.join(" · "));
  out.push(`created ${time(t.createdAt)} · updated ${time(t.updatedAt)}`);
  if (t.dependsOn.length) out.push(`depends on: ${t.dependsOn.map((id) => `${id} (${statusOf(id)})`).join(", ")}`);
  if (t.dependents.length) out.push(`blocks: ${t.dependents.join(", ")}`);
  if (t.description) out.push("", t.description);
  if (t.comments.length) {
    out.push("", "comments:");
    for (const c of t.comments) out.push(`  ${time(c.createdAt)}  ${c.author}: ${c.body}`);
  }
  if (history.length) {
    out.push("", "history:");
    for (const e of history) out.push(`  ${eventLine(e)}`);
  }
  return out.join("\n");
}

/** `#12  2026-11-27 10:00:00  user:ana  T-ab12 todo → in progress` */
export function eventLine(e: StoredEvent): string {
  const who = e.session ? `${e.actor}/${e.session}` : e.actor;
  const undo = e.undoes !== null ? ` (undo of #${e.undoes})` : "";
  return `#${e.seq}  ${time(e.time)}  ${who}  ${describeEvent(e)}${undo}`;
}
