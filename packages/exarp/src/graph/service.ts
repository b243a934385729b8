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
import { buildGraph, compareForWork, type Dependency, type Graph, openDependencies } from "./graph.ts";
import { graphProblems } from "./problems.ts";
import { readyTouchedBy } from "./ready-delta.ts";
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
  /** The last answer to each of the latest asks (who asks and what), oldest first. */
  const lastReady = new Map<string, LastReady>();

  /** The whole ready set read again; what can be brought up to date from the log later says when it can. */
  const readReady = (ask: string, view: string, q: ReadyQuery, holder: ReturnType<typeof leasedFor>): LastReady => {
    const head = ctx.feed.head();
    const earliest = ctx.store.earliestLeaseExpiry();
    const tasks = ctx.store.readyTasks({ ...q, leasedFor: holder }).map((t) => Object.freeze(t));
    // Patched from the log only without a limit (the rows past it are not kept) and while no lease
    // it read has run out (an expired lease reads as swept: its task joins the set without a write).
    const patchable = q.limit === undefined && (earliest === undefined || earliest > holder.now);
    return { ask, view, tasks, head, until: patchable ? (earliest ?? Number.POSITIVE_INFINITY) : undefined };
  };

  /**
   * The last answer brought up to date: the events since its read name the tasks they touched, and
   * only those rows (with the tasks they wait on or that wait on them) are read again. Undefined when
   * that cannot be done (a lease ran out since, too many events, a deletion): read it whole.
   */
  const patchReady = (last: LastReady, view: string, holder: ReturnType<typeof leasedFor>, q: ReadyQuery) => {
    if (last.until === undefined || holder.now >= last.until) return undefined;
    const events = ctx.feed.eventsSince(last.head, PATCH_EVENTS + 1);
    if (events.length > PATCH_EVENTS) return undefined;
    const ids = readyTouchedBy(events);
    if (!ids) return undefined;
    const head = Math.max(last.head, events.at(-1)?.seq ?? 0);
    const { touched, ready } = ids.length
      ? ctx.store.readyAmong(ids, { tags: q.tags, leasedFor: holder })
      : { touched: [], ready: [] };
    // A lease taken since may have run out already: its task reads as swept, which only a whole read shows.
    const earliest = ctx.store.earliestLeaseExpiry();
    if (earliest !== undefined && earliest <= holder.now) return undefined;
    const gone = new Set([...ids, ...touched]);
    const tasks = [...last.tasks.filter((t) => !gone.has(t.id)), ...ready.map((t) => Object.freeze(t))].sort(
      compareForWork,
    );
    return { ask: last.ask, view, tasks, head, until: earliest ?? Number.POSITIVE_INFINITY };
  };

  return {
    graph,

    /** Todo tasks whose blockers are all finished, best first (materialised: no graph walk). */
    ready(query: ReadyQuery = {}): ReadyTask[] {
      const q = readyQuery.parse(query);
      const holder = leasedFor();
      // The last identical ask's answer while the log has not moved and no lease ran out; brought up
      // to date from the log when it moved; read whole otherwise.
      const view = ctx.feed.viewKey(holder.now, { fresh: true });
      const ask = `${holder.agent}\n${holder.session}\n${JSON.stringify(q)}`;
      const last = lastReady.get(ask);
      const answer =
        last?.view === view ? last : ((last && patchReady(last, view, holder, q)) ?? readReady(ask, view, q, holder));
      lastReady.delete(ask);
      lastReady.set(ask, answer);
      if (lastReady.size > KEPT_ASKS) lastReady.delete(lastReady.keys().next().value as string);
      return [...answer.tasks];
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

/** How many different asks of ready() keep their last answer. */
const KEPT_ASKS = 8;

/** At most this many events since the last read are applied to it; more, and the ready set is read whole. */
const PATCH_EVENTS = 200;

/**
 * A ready() answer and what it was read at: the view key, the log's head, and until when it can be
 * brought up to date from the log (the soonest lease expiry then; undefined: never, read it whole).
 */
type LastReady = { ask: string; view: string; tasks: ReadyTask[]; head: number; until: number | undefined };

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
