import type { Status } from "../task/task.ts";
import { inline } from "../text/safe.ts";

/** Which agent reads the context: each sees what it acts on. */
export type ContextRole = "build" | "plan" | "review";

/** One task line in the context. */
export type ContextTask = { id: string; title: string; priority: string; status: Status; note?: string };

/** What the context is made of; gathered by the context service, rendered here (pure). */
export type ContextData = {
  role: ContextRole;
  counts: Record<Status, number>;
  /** The session's own work: its leased tasks first, then its tasks waiting in review. */
  mine: ContextTask[];
  ready: ContextTask[];
  /** How many tasks are ready in all (`ready` holds the first few). */
  readyTotal: number;
  /** Tasks in review waiting for a decision (review agents). */
  approvals: ContextTask[];
  /** Waves and the critical path (plan agents). */
  plan?: {
    waves: number;
    maxParallelism: number;
    criticalPath: string[];
    criticalMinutes: number;
    firstWave: string[];
  };
};

export const DEFAULT_CONTEXT_BUDGET = 2048;

const line = (t: ContextTask) =>
  `- ${inline(t.id)} [${t.priority}] ${inline(t.title, 64)}${t.note ? ` (${inline(t.note)})` : ""}`;
const bytes = (s: string) => Buffer.byteLength(s, "utf8");

/**
 * The task context an agent reads, within `budget` bytes whatever the number of tasks: the
 * session's own tasks first, then what its role needs (ready work, approvals, or the plan), then
 * counts. Lines that do not fit are summarised as "+N more", never cut mid-line.
 */
export function renderContext(data: ContextData, budget = DEFAULT_CONTEXT_BUDGET): string {
  const c = data.counts;
  const open = c.todo + c.in_progress + c.review + c.blocked;
  const head = `exarp tasks: ${open} open (${c.todo} todo, ${c.in_progress} in progress, ${c.review} in review, ${c.blocked} blocked), ${c.done} done.`;
  const sections: Section[] = [];
  if (data.mine.length) sections.push({ heading: "Your tasks:", items: data.mine.map(line) });
  if (data.role === "review" && data.approvals.length)
    sections.push({ heading: "Waiting for your review:", items: data.approvals.map(line) });
  if (data.role === "plan" && data.plan) {
    const p = data.plan;
    sections.push({
      heading: "Plan:",
      items: [
        `- ${p.waves} waves, up to ${p.maxParallelism} tasks in parallel`,
        `- critical path (${p.criticalMinutes} min): ${p.criticalPath.map((id) => inline(id)).join(" → ")}`,
        `- wave 0: ${p.firstWave.map((id) => inline(id)).join(" ")}`,
      ],
    });
  }
  if (data.ready.length)
    sections.push({
      heading: data.role === "build" && data.mine.length ? "Next ready:" : "Ready to start:",
      items: data.ready.map(line),
      total: Math.max(data.readyTotal, data.ready.length),
    });
  return fit(head, sections, budget);
}

/** A block of the context: `total` is how many items exist, of which `items` are the first. */
type Section = { heading: string; items: string[]; total?: number };

/** Adds sections line by line while they fit; the rest (cut by the budget or never fetched) becomes one "+N more" line. */
function fit(head: string, sections: Section[], budget: number): string {
  const out = [head];
  let used = bytes(head);
  for (const { heading, items, total = items.length } of sections) {
    if (used + bytes(heading) + 1 > budget) break;
    out.push(heading);
    used += bytes(heading) + 1;
    let shown = 0;
    for (const item of items) {
      const rest = total - shown - 1;
      const reserve = rest > 0 ? bytes(`- +${rest} more`) + 1 : 0;
      if (used + bytes(item) + 1 + reserve > budget) break;
      out.push(item);
      used += bytes(item) + 1;
      shown++;
    }
    if (shown < total) {
      const more = `- +${total - shown} more`;
      if (used + bytes(more) + 1 <= budget) {
        out.push(more);
        used += bytes(more) + 1;
      }
    }
  }
  return out.join("\n");
}
