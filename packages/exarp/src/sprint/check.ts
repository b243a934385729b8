import { findCycles } from "../graph/cycles.ts";
import { blockersOf, type Graph, known, taskOf } from "../graph/graph.ts";
import { graphProblems } from "../graph/problems.ts";
import { isFinished } from "../task/task.ts";
import { sprintGraph } from "./scope.ts";

/** What a sprint over a selection would hold, checked before it starts. */
export type CheckInput = {
  /** The tasks selected (by id, or those a tag picked), in order. */
  taskIds: readonly string[];
  /** The tag the tasks were picked by, or null when named by id. */
  tag: string | null;
  graph: Graph;
  /** The sprint open now, if any: another cannot start until it ends. */
  openSprint: string | null;
};

export type SprintCheck = {
  tag: string | null;
  taskIds: string[];
  /** Ids that name no task. */
  unknown: string[];
  /** Tasks already done or cancelled. */
  finished: string[];
  /** Dependency cycles among the sprint's tasks and what they wait for, each `[a, …, a]`. */
  cycles: string[][];
  /** Dependencies (of the sprint's tasks, or of what they wait for) on tasks that do not exist. */
  unknownDependencies: { taskId: string; blockerId: string }[];
  /** Unfinished tasks of the sprint without an estimate (velocity and the critical path count them as 0 and 1). */
  unestimated: string[];
  openSprint: string | null;
  /** One sentence per problem; empty when the sprint can start as planned. */
  problems: string[];
  ok: boolean;
};

/** Finds what would spoil a sprint over `taskIds`: unknown or finished tasks, cycles, unknown dependencies, missing estimates. Pure. */
export function checkSprint(input: CheckInput): SprintCheck {
  const { graph: g } = input;
  const taskIds = [...new Set(input.taskIds)];
  const unknown = taskIds.filter((id) => known(g, id) === undefined);
  const finished = taskIds.filter((id) => {
    const task = taskOf(g, id);
    return task !== undefined && isFinished(task.status);
  });
  const open = taskIds.filter((id) => !unknown.includes(id) && !finished.includes(id));
  const unestimated = open.filter((id) => taskOf(g, id)?.estimate === null);
  const scope = sprintGraph(g, taskIds);
  const cycles = findCycles(scope);
  const unknownDependencies: SprintCheck["unknownDependencies"] = [];
  for (const taskId of scope.ix.ids.slice(0, scope.ix.n))
    for (const blockerId of blockersOf(scope, taskId))
      if (known(scope, blockerId) === undefined) unknownDependencies.push({ taskId, blockerId });

  const problems: string[] = [];
  if (input.openSprint !== null) problems.push(`sprint ${input.openSprint} is open: end it before starting another`);
  if (taskIds.length === 0)
    problems.push(input.tag === null ? "no tasks selected" : `no unfinished task is tagged ${input.tag}`);
  for (const id of unknown) problems.push(`${id} does not exist`);
  for (const id of finished) problems.push(`${id} is ${taskOf(g, id)?.status} already`);
  problems.push(...graphProblems(scope));
  for (const id of unestimated) problems.push(`${id} has no estimate`);
  return {
    tag: input.tag,
    taskIds,
    unknown,
    finished,
    cycles,
    unknownDependencies,
    unestimated,
    openSprint: input.openSprint,
    problems,
    ok: problems.length === 0,
  };
}
