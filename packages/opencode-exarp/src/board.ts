import { describeEvent, type Exarp, inline, neutralizeBlock, type Status, type Task } from "exarp";
import { boardText, HISTORY_LINES } from "./text.ts";

/** The services acting as one session. */
export type Acting = ReturnType<Exarp["as"]>;

/** One task as a line the model reads: id, status, priority, title, tags; every field neutralised. */
export function taskLine(t: Task): string {
  const tags = t.tags.length ? ` #${t.tags.map((tag) => inline(tag)).join(" #")}` : "";
  return `${inline(t.id)} [${t.status.replace("_", " ")}] [${inline(t.priority)}] ${inline(t.title, 120)}${tags}`;
}

/** One task in full: fields, dependencies both ways, readiness, comments and its latest history. */
export function showTask(x: Acting, id: string): string {
  const t = x.tasks.get(id);
  const why = x.graph.explain(t.id);
  const lines = [
    taskLine(t),
    neutralizeBlock(t.description),
    boardText.dependsOn(t.dependsOn),
    boardText.blocks(t.dependents),
  ];
  if (t.status === "todo" && !why.ready) lines.push(boardText.notReady(why.reasons));
  for (const c of t.comments) lines.push(boardText.comment(c.author, c.body));
  const history = x.history.list({ taskId: t.id, limit: HISTORY_LINES });
  if (history.length) {
    lines.push(boardText.history);
    for (const e of history) lines.push(boardText.historyLine(e.seq, e.actor, describeEvent(e)));
  }
  return lines.filter(Boolean).join("\n");
}

const OPEN: Status[] = ["todo", "in_progress", "review", "blocked"];
const SHOWN = 50;

/** Which statuses a board filter means: open ones by default, every one for "all". */
export function statusesOf(filter: string | undefined): Status[] | undefined {
  if (filter === "all") return undefined;
  if (filter === "open" || !filter) return OPEN;
  return [filter as Status];
}

/** The board: up to 50 tasks in board order, then the real number of the others. */
export function listTasks(x: Acting, filter: { status?: string; tag?: string; text?: string }): string {
  const status = statusesOf(filter.status);
  const query = { status, tags: filter.tag ? [filter.tag] : undefined, text: filter.text };
  const tasks = x.tasks.list({ ...query, limit: SHOWN + 1 });
  if (!tasks.length) return boardText.none;
  const lines = tasks.slice(0, SHOWN).map(taskLine);
  if (tasks.length > SHOWN) lines.push(boardText.more(total(x, query) - SHOWN));
  return lines.join("\n");
}

/** How many tasks a filter matches: counted by status when that is the only filter, else listed. */
function total(x: Acting, query: { status?: Status[]; tags?: string[]; text?: string }): number {
  if (query.tags || query.text) return x.tasks.list({ ...query, limit: 100_000 }).length;
  const counts = x.tasks.countByStatus();
  return (query.status ?? (Object.keys(counts) as Status[])).reduce((sum, s) => sum + counts[s], 0);
}
