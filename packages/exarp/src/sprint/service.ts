import { InvalidInput, NotFound, Refused } from "../errors-catalog.ts";
import type { GraphService } from "../graph/service.ts";
import { runCommand, type ServiceContext } from "../kernel/context.ts";
import { parseInput } from "../kernel/input.ts";
import type { Queries } from "../store/queries/index.ts";
import { isFinished, type Task } from "../task/task.ts";
import { checkSprint, type SprintCheck } from "./check.ts";
import { createSprintLog } from "./log.ts";
import { type SprintReport, sprintReport } from "./report.ts";
import {
  DEFAULT_STALE_AFTER_MS,
  openSprint,
  type ReportQuery,
  reportQuery,
  type Selection,
  SprintEnd,
  type SprintRecord,
  SprintStart,
  selectionQuery,
} from "./sprint.ts";

/** A selection names either a tag or task ids, never both, never neither. */
function checkSelection(s: { tag?: string; taskIds?: readonly string[] }): void {
  const problem =
    s.tag !== undefined && s.taskIds !== undefined
      ? "give a tag or task ids, not both"
      : s.tag === undefined && s.taskIds === undefined
        ? "give a tag or task ids"
        : undefined;
  if (problem) throw new InvalidInput({ issues: [problem] });
}

/** The tasks a selection takes: the ids as given (once each), or the unfinished tasks tagged `tag` now. */
function selectedIds(q: Pick<Queries, "listTasks">, s: { tag?: string; taskIds?: readonly string[] }, now: number) {
  if (s.taskIds !== undefined) return [...new Set(s.taskIds)];
  return q
    .listTasks({ tags: [s.tag as string] }, now)
    .filter((t) => !isFinished(t.status))
    .map((t) => t.id);
}

/** Sprints: start and end (events on `sprint:NAME`), a report read from the log, and a check before starting. */
export function createSprintService(ctx: ServiceContext, graph: GraphService) {
  const log = createSprintLog(ctx.store);
  return {
    /** Every sprint, oldest first. */
    list(): SprintRecord[] {
      return log.committed();
    },

    /** What would spoil a sprint over this selection (nothing is written): `ok` when nothing would. */
    check(selection: Selection): SprintCheck {
      const s = selectionQuery.parse(selection);
      checkSelection(s);
      const now = ctx.clock.now();
      return checkSprint({
        taskIds: selectedIds(ctx.store, s, now),
        tag: s.tag ?? null,
        graph: graph.graph(),
        openSprint: openSprint(log.committed())?.name ?? null,
      });
    },

    /**
     * Starts a sprint over the tasks tagged `tag` (unfinished ones, at this moment) or the tasks
     * `taskIds`. Refused while another sprint is open, for a name used before, for an empty set, and
     * for ids that name no task or a finished one. Cycles and missing estimates do not stop it (see check).
     */
    start(input: SprintStart): SprintRecord {
      const data = parseInput(SprintStart, input);
      checkSelection(data);
      return runCommand(ctx, (tx) => {
        const sprints = log.within(tx);
        const open = openSprint(sprints);
        if (open) throw new Refused({ reason: `sprint ${open.name} is open: end it before starting ${data.name}` });
        if (sprints.some((s) => s.name === data.name))
          throw new Refused({ reason: `a sprint named ${data.name} was run before: choose another name` });
        const now = ctx.clock.now();
        const taskIds = selectedIds(tx, data, now);
        if (taskIds.length === 0)
          throw new Refused({
            reason: data.tag === undefined ? "no tasks given" : `no unfinished task is tagged ${data.tag}`,
          });
        for (const id of taskIds) {
          const task: Task | undefined = tx.task(id, now);
          if (!task) throw new NotFound({ kind: "task", id });
          if (isFinished(task.status)) throw new Refused({ reason: `${id} is ${task.status} already` });
        }
        tx.append([
          {
            type: "sprint.started",
            payload: { sprint: data.name, taskIds, tag: data.tag ?? null, ...(data.goal ? { goal: data.goal } : {}) },
          },
        ]);
        return openSprint(log.within(tx)) as SprintRecord;
      }).result;
    },

    /** Ends the open sprint (when `name` is given, only if it is that one). */
    end(input: SprintEnd = {}): SprintRecord {
      const { name } = parseInput(SprintEnd, input);
      return runCommand(ctx, (tx) => {
        const open = openSprint(log.within(tx));
        if (!open) throw new Refused({ reason: "no sprint is open" });
        if (name !== undefined && name !== open.name)
          throw new Refused({ reason: `sprint ${name} is not the open one; ${open.name} is` });
        tx.append([{ type: "sprint.ended", payload: { sprint: open.name } }]);
        return log.within(tx).find((s) => s.name === open.name) as SprintRecord;
      }).result;
    },

    /** The report of sprint `name`, else of the open sprint, else of the last one. */
    report(query: ReportQuery = {}): SprintReport {
      const q = reportQuery.parse(query);
      const sprints = log.committed();
      const sprint =
        q.name !== undefined ? sprints.find((s) => s.name === q.name) : (openSprint(sprints) ?? sprints.at(-1));
      if (!sprint) {
        if (q.name !== undefined) throw new NotFound({ kind: "sprint", id: q.name });
        throw new Refused({ reason: "no sprint has been started" });
      }
      const now = ctx.clock.now();
      const ids = [...new Set(sprint.taskIds)];
      const tasks = new Map<string, Task>();
      for (const id of ids) {
        const task = ctx.store.task(id, now);
        if (task) tasks.set(id, task);
      }
      return sprintReport({
        sprint,
        taskEvents: new Map(ids.map((id) => [id, ctx.store.listEvents({ stream: id })])),
        tasks,
        leases: ctx.store.leases(),
        pending: ctx.store.approvals("pending"),
        graph: graph.graph(),
        now,
        staleAfterMs: q.staleAfterMs ?? DEFAULT_STALE_AFTER_MS,
      });
    },
  };
}

export type SprintService = ReturnType<typeof createSprintService>;
