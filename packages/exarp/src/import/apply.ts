import { InvalidInput, Unauthorized } from "../errors-catalog.ts";
import type { NewEvent } from "../event/catalog.ts";
import { graphProblems } from "../graph/problems.ts";
import { loadGraph } from "../graph/service.ts";
import { isPerson } from "../identity/identity.ts";
import { runCommand, type ServiceContext } from "../kernel/context.ts";
import { parseInput } from "../kernel/input.ts";
import type { Tx } from "../store/store.ts";
import { CommentAdd, TaskCreate } from "../task/commands.ts";
import { STATUSES, type Status, TaskId } from "../task/task.ts";
import type { ImportPlan, Mapping, PlannedTask } from "./plan.ts";

/** What an import of another tool's tasks did (or, with dryRun, would do). */
export type ForeignImportResult = {
  system: ImportPlan["system"];
  dryRun: boolean;
  tasks: number;
  comments: number;
  events: number;
  /** Imported tasks per exarp status. */
  byStatus: Record<Status, number>;
  /** How each source value was mapped (status, priority, dependency type …), with counts. */
  mappings: Mapping[];
  /** What was kept only in the source records (links, a dropped parent …), one sentence each. */
  notes: string[];
  /** Cycles and dangling dependencies the source holds: kept (never ready) and named; --strict refuses. */
  graphProblems: string[];
  /** Why the import is refused (dry run only: a real run throws the first reason instead). */
  refused: string[];
};

const MAX_NOTES = 50;

/** A dry run's answer, thrown out of the transaction so that nothing it wrote stays. */
class DryRunDone extends Error {
  readonly result: ForeignImportResult;
  constructor(result: ForeignImportResult) {
    super("dry run");
    this.result = result;
  }
}

/**
 * Imports a plan in one transaction: tasks (new exarp ids, the source record kept), parents,
 * dependencies and comments. The rules of exarp's own import hold: done tasks only by a person,
 * a repeat of an import refused, cycles and dangling references kept and named (`strict` refuses).
 * `dryRun` runs every step and check, then rolls back.
 */
export function applyPlan(
  ctx: ServiceContext,
  plan: ImportPlan,
  options: { strict?: boolean; dryRun?: boolean } = {},
): ForeignImportResult {
  const strict = options.strict ?? false;
  const dryRun = options.dryRun ?? false;
  const inputs = plan.tasks.map(validated);
  const before = new Set(graphProblems(loadGraph(ctx.store)));
  try {
    const { result, events } = runCommand(ctx, (tx) => {
      const refused: string[] = [];
      const done = plan.tasks.filter((t) => t.status === "done").map((t) => t.key);
      const notPerson =
        done.length && !isPerson(ctx.actor)
          ? `${ctx.actor.name} is not a person: importing tasks that are done (${listed(done)}) records approvals nobody gave here; a person imports them`
          : undefined;
      if (notPerson) refused.push(notPerson);
      const imported = tx.sourcesOf(plan.system);
      const again = plan.tasks.filter((t) => imported.has(t.key));
      if (again.length)
        refused.push(
          `already imported from ${plan.system}: ${listed(again.map((t) => `${t.key} (as ${imported.get(t.key)})`))}`,
        );
      // A real run refused already is not planned further; a dry run goes on to say everything.
      if (!dryRun && notPerson) throw new Unauthorized({ reason: notPerson });
      if (!dryRun && refused.length) throw new InvalidInput({ issues: refused });
      const { events, notes, parentProblems } = planEvents(ctx, tx, plan, inputs, imported);
      tx.append(events);
      const problems = [...parentProblems, ...graphProblems(loadGraph(tx)).filter((p) => !before.has(p))];
      if (strict && problems.length) refused.push(`refused by --strict: ${problems.slice(0, 10).join("; ")}`);
      const result: ForeignImportResult = {
        system: plan.system,
        dryRun,
        tasks: plan.tasks.length,
        comments: plan.tasks.reduce((n, t) => n + t.comments.length, 0),
        events: 0,
        byStatus: countByStatus(plan.tasks),
        mappings: plan.mappings,
        notes: capped([...plan.notes, ...notes]),
        graphProblems: problems,
        refused,
      };
      if (dryRun) throw new DryRunDone({ ...result, events: events.length });
      if (refused.length) throw new InvalidInput({ issues: refused });
      return result;
    });
    return { ...result, events: events.length };
  } catch (error) {
    if (error instanceof DryRunDone) return error.result;
    throw error;
  }
}

/** The task and comment inputs, validated as any command's input is (a parser's slip is refused, not stored). */
function validated(t: PlannedTask) {
  const task = parseInput(TaskCreate, {
    title: t.title,
    description: t.description,
    priority: t.priority,
    tags: t.tags,
    estimate: t.estimate,
    assignee: t.assignee,
  });
  const comments = t.comments.map((c) => parseInput(CommentAdd, { taskId: "x", body: c.body }).body);
  return { task, comments };
}

function planEvents(
  ctx: ServiceContext,
  tx: Tx,
  plan: ImportPlan,
  inputs: ReturnType<typeof validated>[],
  imported: ReadonlyMap<string, string>,
): { events: NewEvent[]; notes: string[]; parentProblems: string[] } {
  const ids = new Map<string, string>();
  const assigned = new Set<string>();
  for (const t of plan.tasks) {
    const id = ctx.ids.taskId((candidate) => assigned.has(candidate) || tx.taskExists(candidate));
    assigned.add(id);
    ids.set(t.key, id);
  }
  const notes: string[] = [];
  const parentProblems: string[] = [];
  const named = (key: string) => `${plan.system}:${key}`;
  // A reference to a task the plan does not hold may name one an earlier import brought in.
  const idOf = (key: string) => ids.get(key) ?? imported.get(key);
  const parents = parentsOf(plan, idOf, parentProblems);
  const events: NewEvent[] = [];
  plan.tasks.forEach((t, i) => {
    const input = inputs[i] as ReturnType<typeof validated>;
    const { dependsOn: _d, parentId: _p, ...fields } = input.task;
    events.push({
      type: "task.created",
      payload: {
        task: {
          ...fields,
          id: ids.get(t.key) as string,
          status: t.status,
          parentId: parents.get(t.key) ?? null,
          ...(t.createdAt === undefined ? {} : { createdAt: t.createdAt }),
        },
        source: t.source,
      },
    });
  });
  plan.tasks.forEach((t) => {
    const taskId = ids.get(t.key) as string;
    for (const dep of t.dependsOn) {
      // A dangling reference is kept under the name it has in the source: it blocks (fails closed).
      const blockerId = idOf(dep) ?? named(dep);
      if (!TaskId.safeParse(blockerId).success) {
        notes.push(
          `${named(t.key)} depends on ${JSON.stringify(dep)}, which is no task id: kept only in the source record`,
        );
        continue;
      }
      events.push({ type: "dependency.added", payload: { taskId, blockerId } });
    }
    for (const link of t.links)
      notes.push(`${named(t.key)} ${link.type} ${named(link.target)}: a link, kept in the source record`);
  });
  plan.tasks.forEach((t, i) => {
    const taskId = ids.get(t.key) as string;
    (inputs[i] as ReturnType<typeof validated>).comments.forEach((body, k) => {
      const c = t.comments[k];
      events.push({
        type: "comment.added",
        payload: {
          taskId,
          commentId: ctx.ids.commentId(),
          body,
          ...(c?.author ? { author: c.author } : {}),
          ...(c?.createdAt ? { createdAt: c.createdAt } : {}),
        },
      });
    });
  });
  return { events, notes, parentProblems };
}

/**
 * Each task's parent as an exarp id. A parent the source does not hold, or one that would close a
 * loop (the hierarchy stays a tree), is left out and named; --strict refuses it.
 */
function parentsOf(
  plan: ImportPlan,
  idOf: (key: string) => string | undefined,
  problems: string[],
): Map<string, string> {
  const parentKey = new Map<string, string>();
  for (const t of plan.tasks) {
    if (t.parent === null) continue;
    if (idOf(t.parent) === undefined) {
      problems.push(
        `${plan.system}:${t.key} has parent ${plan.system}:${t.parent}, which does not exist (no parent kept)`,
      );
      continue;
    }
    parentKey.set(t.key, t.parent);
  }
  for (const t of plan.tasks) {
    const seen = new Set([t.key]);
    for (let at = parentKey.get(t.key); at !== undefined; at = parentKey.get(at)) {
      if (at === t.key) {
        problems.push(`${plan.system}:${t.key}: its parents form a loop back to it (its parent is not kept)`);
        parentKey.delete(t.key);
        break;
      }
      if (seen.has(at)) break; // a loop above this task: cut where it closes, at one of its members
      seen.add(at);
    }
  }
  return new Map([...parentKey].map(([key, parent]) => [key, idOf(parent) as string]));
}

function countByStatus(tasks: readonly PlannedTask[]): Record<Status, number> {
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  for (const t of tasks) counts[t.status]++;
  return counts;
}

const listed = (items: readonly string[]) => `${items.slice(0, 5).join(", ")}${items.length > 5 ? ", …" : ""}`;

function capped(notes: string[]): string[] {
  if (notes.length <= MAX_NOTES) return notes;
  return [...notes.slice(0, MAX_NOTES), `… and ${notes.length - MAX_NOTES} more`];
}
