import { NotFound } from "../errors-catalog.ts";
import type { Feed } from "../feed/feed.ts";
import { checkResult, type DoctorCheck } from "../kernel/check.ts";
import type { ServiceContext } from "../kernel/context.ts";
import { checkTaskId, either, int, listOf, literal, type QueryOf, query, tag } from "../kernel/query.ts";
import type { Queries, ReadyOptions } from "../store/queries/index.ts";
import type { Store } from "../store/store.ts";
import { MAX_TAGS, type Task } from "../task/task.ts";
import { type CriticalPath, criticalPath } from "./critical-path.ts";
import { findCycles } from "./cycles.ts";
import { type Explanation, explainTask } from "./explain.ts";
import { buildGraph, type Dependency, type Graph, openDependencies } from "./graph.ts";
import { graphProblems } from "./problems.ts";
import { computeWaves, type Waves } from "./waves.ts";

/** Which ready tasks: only those carrying every tag, at most `limit`. */
export const readyQuery = query({ tags: listOf(tag, MAX_TAGS), limit: int(1, 100_000) });
export const ReadyQuery = readyQuery.schema;
export type ReadyQuery = QueryOf<typeof readyQuery.shape>;

/** What an agent can do: `can` lists capability tags (`*` = anything); tasks need all their tags covered. */
export const nextQuery = query({ can: listOf(either(tag, literal("*")), 64), tags: listOf(tag, MAX_TAGS) });
export const NextQuery = nextQuery.schema;
export type NextQuery = QueryOf<typeof nextQuery.shape>;

export const planQuery = query({ cap: int(1, 10_000) });
export const PlanQuery = planQuery.schema;
export type PlanQuery = QueryOf<typeof planQuery.shape>;

export type ReadyTask = Task & { unblocks: number };
export type Plan = Waves & { criticalPath: CriticalPath; cycles: string[][] };
/** A plan and the dependencies among its open tasks, read from one graph: what the dashboard draws. */
export type PlanGraph = { plan: Plan; dependencies: Dependency[] };

/** True when an agent that can do `can` may take a task tagged `tags`. */
export function canDo(can: readonly string[] | undefined, tags: readonly string[]): boolean {
  return can === undefined || can.includes("*") || tags.every((t) => can.includes(t));
}

/**
 * Ready tasks an agent can do, not held by someone else, best first. The best match is nearly always
 * near the top, so the 50 best are read first (those of them that fit are the answer), and the rest
 * only when none of them fits. `id`: that task only, while it is ready.
 */
export function readyCandidates(
  q: Pick<Queries, "readyTasks">,
  query: { tags?: string[]; can?: string[]; id?: string },
  leasedFor: ReadyOptions["leasedFor"],
): ReadyTask[] {
  const fits = (t: ReadyTask) => canDo(query.can, t.tags);
  const best = q.readyTasks({ tags: query.tags, id: query.id, leasedFor, limit: 50 });
  const fitting = best.filter(fits);
  return fitting.length || best.length < 50 ? fitting : q.readyTasks({ tags: query.tags, leasedFor }).filter(fits);
}

/** The best ready task an agent can do, not held by someone else. */
export function firstReady(
  q: Pick<Queries, "readyTasks">,
  query: { tags?: string[]; can?: string[] },
  leasedFor: ReadyOptions["leasedFor"],
): ReadyTask | undefined {
  return readyCandidates(q, query, leasedFor)[0];
}

/** Loads the whole graph from the store (for planning, cycles and explanations); with `now`, leases that ran out read as swept. */
export function loadGraph(store: Pick<Store, "graphData">, now?: number): Graph {
  const { tasks, edges } = store.graphData(now);
  return buildGraph(tasks, edges);
}

/** The built graph, shared by every identity of one process, rebuilt only when what reads show changed. */
export type GraphCache = (now: number) => Graph;

export function createGraphCache(store: Store, feed: Feed): GraphCache {
  let cached: { key: string; graph: Graph } | undefined;
  return (now) => {
    const key = feed.viewKey(now);
    if (cached?.key !== key) cached = { key, graph: loadGraph(store, now) };
    return cached.graph;
  };
}

/** Ready work, next task, plans and explanations over the task graph. */
export function createGraphService(ctx: ServiceContext, cache: GraphCache = createGraphCache(ctx.store, ctx.feed)) {
  const graph = (): Graph => cache(ctx.clock.now());
  const leasedFor = () => ({ agent: ctx.actor.name, session: ctx.actor.session, now: ctx.clock.now() });
  let lastReady: { key: string; tasks: ReadyTask[] } | undefined;

  return {
    graph,

    /** Todo tasks whose blockers are all finished, best first (materialised: no graph walk). */
    ready(query: ReadyQuery = {}): ReadyTask[] {
      const q = readyQuery.parse(query);
      const holder = leasedFor();
      // Read again only when the log moved or a lease ran out since the last identical ask.
      const key = `${ctx.feed.viewKey(holder.now, { fresh: true })}\n${holder.agent}\n${holder.session}\n${JSON.stringify(q)}`;
      if (lastReady?.key !== key)
        lastReady = { key, tasks: ctx.store.readyTasks({ ...q, leasedFor: holder }).map((t) => Object.freeze(t)) };
      return [...lastReady.tasks];
    },

    /** How many tasks are ready for this caller (the real remainder behind a shortened list). */
    readyCount(): number {
      return ctx.store.readyCount(leasedFor());
    },

    /** The top ready task this agent can do, or undefined when there is none. */
    next(query: NextQuery = {}): ReadyTask | undefined {
      const q = nextQuery.parse(query);
      return firstReady(ctx.store, q, leasedFor());
    },

    /** Why a task is or is not ready: its status, open blockers (transitively) and any cycle. */
    explain(id: string): Explanation {
      const taskId = checkTaskId(id);
      if (!ctx.store.taskExists(taskId)) throw new NotFound({ kind: "task", id: taskId });
      return explainTask(graph(), taskId);
    },

    /** Execution waves over unfinished work, the critical path, and what cannot be scheduled. */
    plan(query: PlanQuery = {}): Plan {
      return planOf(graph(), planQuery.parse(query).cap);
    },

    /** The plan, and every dependency whose task and blocker are both unfinished. */
    planGraph(query: PlanQuery = {}): PlanGraph {
      const { cap } = planQuery.parse(query);
      const g = graph();
      return { plan: planOf(g, cap), dependencies: openDependencies(g) };
    },
  };
}

export type GraphService = ReturnType<typeof createGraphService>;

function planOf(g: Graph, cap: number | undefined): Plan {
  const waves = computeWaves(g, cap);
  return {
    ...waves,
    criticalPath: criticalPath(g, cap ? computeWaves(g).waves : waves.waves),
    cycles: findCycles(g),
  };
}

/** Doctor check: every dependency cycle named, and dependencies or parents that do not exist. */
export function graphDoctorCheck(store: Store): DoctorCheck {
  const g = loadGraph(store);
  const problems = graphProblems(g);
  for (const { id, parentId } of store.unknownParents())
    problems.push(`${id} has parent ${parentId}, which does not exist`);
  for (const cycle of store.parentCycles()) problems.push(`parent cycle: ${cycle.join(" → ")}`);
  return checkResult(
    "graph",
    `${g.ix.n} tasks, no cycles, unknown dependencies or unknown parents`,
    `dependency graph of ${g.ix.n} tasks`,
    problems,
  );
}
