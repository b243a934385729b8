import { InvalidInput, Unauthorized } from "../errors-catalog.ts";
import type { NewEvent } from "../event/catalog.ts";
import { eventFromRow, eventToRow } from "../event/envelope.ts";
import { verifyChain } from "../event/verify-chain.ts";
import { graphProblems } from "../graph/problems.ts";
import { loadGraph } from "../graph/service.ts";
import { isPerson } from "../identity/identity.ts";
import { applyPlan, type ForeignImportResult } from "../import/apply.ts";
import type { ImportPlan } from "../import/plan.ts";
import { checkWriter, runCommand, type ServiceContext } from "../kernel/context.ts";
import { checkWrite } from "../lease/decide.ts";
import { sqliteCode } from "../store/driver.ts";
import { eventPages } from "../store/pages.ts";
import type { Queries } from "../store/queries/index.ts";
import type { Tx } from "../store/store.ts";
import { type ExportFile, exportEventLine, parseExport } from "./format.ts";

export type ImportResult = {
  /** `log`: the whole history was restored exactly; `tasks`: tasks and comments became new events. */
  mode: "log" | "tasks";
  tasks: number;
  comments: number;
  events: number;
  /**
   * What the imported data holds that no command could have made: dependency cycles and
   * dependencies on tasks that do not exist. The data is kept (such tasks are never ready: the ready
   * set fails closed) and each is named here; `strict` refuses the file instead.
   */
  graphProblems: string[];
};

/** With `strict`, refuses (rolling back) what graphProblems found. */
function checkGraph(q: Pick<Queries, "graphData">, strict: boolean, before: ReadonlySet<string>): string[] {
  const problems = graphProblems(loadGraph(q)).filter((p) => !before.has(p));
  if (strict && problems.length)
    throw new InvalidInput({ issues: [`refused by --strict: ${problems.slice(0, 10).join("; ")}`] });
  return problems;
}

/** Lossless JSONL export of tasks, comments and events, and its import. */
export function createTransferService(ctx: ServiceContext) {
  return {
    /** Writes the export line by line through `write` (streams; never builds the whole file). */
    exportTo(write: (line: string) => void): { tasks: number; comments: number; events: number } {
      const q = ctx.store;
      const tasks = q.listTasks({});
      tasks.sort((a, b) => (a.id < b.id ? -1 : 1));
      const comments = tasks.flatMap((t) => q.comments(t.id));
      const events = q.maxSeq();
      write(
        JSON.stringify({
          kind: "exarp.export",
          version: 1,
          exportedAt: ctx.clock.now(),
          tasks: tasks.length,
          comments: comments.length,
          events,
        }),
      );
      for (const t of tasks) {
        const source = q.taskSource(t.id);
        write(JSON.stringify({ kind: "task", ...t, dependsOn: q.dependsOn(t.id), ...(source ? { source } : {}) }));
      }
      for (const c of comments) write(JSON.stringify({ kind: "comment", ...c }));
      for (const row of eventPages(q, 0)) write(exportEventLine(eventFromRow(row)));
      return { tasks: tasks.length, comments: comments.length, events };
    },

    /**
     * Imports an export. Into an empty project, a file with events restores the log exactly (hashes
     * verified). Otherwise its tasks and comments are added as new events, keeping their ids.
     * Malformed input is refused whole: nothing is written.
     */
    importText(text: string, options: { strict?: boolean } = {}): ImportResult {
      // Restoring a log bypasses runCommand: the writer check must be made here too.
      checkWriter(ctx.actor);
      const file = parseExport(text);
      const strict = options.strict ?? false;
      // Problems the project already had are not the file's: only new ones are reported.
      const before = new Set(graphProblems(loadGraph(ctx.store)));
      if (file.events.length && ctx.store.maxSeq() === 0) return restore(ctx, file, strict, before);
      return importTasks(ctx, file, strict, before);
    },

    /**
     * Imports another tool's tasks (a plan from `planImport`) in one transaction, their source
     * records kept; `dryRun` checks everything and writes nothing.
     */
    importForeign(plan: ImportPlan, options: { strict?: boolean; dryRun?: boolean } = {}): ForeignImportResult {
      checkWriter(ctx.actor);
      return applyPlan(ctx, plan, options);
    },
  };
}

/**
 * Restores a file's log exactly. Tokens do not travel: whoever wrote the file could know a secret
 * its log carries, so every token still live in it is revoked here, in the same transaction, as the
 * importer's own command after the restored history.
 */
function restore(ctx: ServiceContext, file: ExportFile, strict: boolean, before: ReadonlySet<string>): ImportResult {
  let problems: string[] = [];
  const chain = verifyChain(file.events.map(eventToRow));
  if (chain.problems.length) throw new InvalidInput({ issues: chain.problems.map((p) => `event log in file: ${p}`) });
  const meta = { actor: ctx.actor.name, session: ctx.actor.session, origin: ctx.origin, time: ctx.clock.now() };
  const check = (tx: Tx) => {
    const mismatch = file.tasks.find((t) => {
      const { kind: _kind, ...task } = t;
      const source = tx.taskSource(t.id);
      const here = { ...tx.task(t.id), dependsOn: tx.dependsOn(t.id), ...(source ? { source } : {}) };
      return sortedJson(here) !== sortedJson(task);
    });
    if (mismatch) throw new InvalidInput({ issues: [`task ${mismatch.id} in the file does not match its own events`] });
    problems = checkGraph(tx, strict, before);
    const live = tx.tokens().filter((t) => t.revokedAt === null);
    if (live.length) tx.append(live.map((t) => ({ type: "token.revoked", payload: { tokenId: t.id } })));
  };
  try {
    ctx.store.restoreLog(file.events, check, meta);
  } catch (error) {
    throw asFileProblem(error);
  }
  return {
    mode: "log",
    tasks: ctx.store.listTasks({}).length,
    comments: file.comments.length,
    events: file.events.length,
    graphProblems: problems,
  };
}

function importTasks(
  ctx: ServiceContext,
  file: ExportFile,
  strict: boolean,
  before: ReadonlySet<string>,
): ImportResult {
  const ids = new Set<string>();
  const duplicates = new Set<string>();
  for (const t of file.tasks) (ids.has(t.id) ? duplicates : ids).add(t.id);
  if (duplicates.size)
    throw new InvalidInput({
      issues: [`task ids appear twice in the file: ${[...duplicates].join(", ")}`],
    });
  const done = file.tasks.filter((t) => t.status === "done").map((t) => t.id);
  if (done.length && !isPerson(ctx.actor))
    throw new Unauthorized({
      reason: `${ctx.actor.name} is not a person: importing tasks that are done (${done.slice(0, 5).join(", ")}${done.length > 5 ? ", …" : ""}) records approvals nobody gave here; a person imports them`,
    });
  const { result: problems, events } = runCommand(ctx, (tx) => {
    const taken = file.tasks.filter((t) => tx.taskExists(t.id)).map((t) => t.id);
    if (taken.length)
      throw new InvalidInput({ issues: [`these task ids already exist here: ${taken.slice(0, 20).join(", ")}`] });
    const orphans = file.comments.filter((c) => !ids.has(c.taskId) && !tx.taskExists(c.taskId));
    const takenComments = file.comments.filter((c) => tx.comment(c.id)).map((c) => c.id);
    if (takenComments.length)
      throw new InvalidInput({
        issues: [`these comment ids already exist here: ${takenComments.slice(0, 20).join(", ")}`],
      });
    if (orphans.length)
      throw new InvalidInput({
        issues: [`comments on unknown tasks: ${orphans.map((c) => `${c.id} → ${c.taskId}`).join(", ")}`],
      });
    // A comment on a task that is already here follows the comment rule: an agent may not comment on
    // a task someone else holds.
    if (!isPerson(ctx.actor)) {
      for (const taskId of new Set(file.comments.map((c) => c.taskId).filter((id) => !ids.has(id))))
        checkWrite(taskId, tx.lease(taskId), ctx.actor, ctx.clock.now(), undefined);
    }
    tx.append(importEvents(tx, file));
    return checkGraph(tx, strict, before);
  });
  return {
    mode: "tasks",
    tasks: file.tasks.length,
    comments: file.comments.length,
    events: events.length,
    graphProblems: problems,
  };
}

/** Events that add the file's tasks (ids, statuses and creation times kept), links and comments. */
function importEvents(q: Queries, file: ExportFile): NewEvent[] {
  const events: NewEvent[] = [];
  for (const t of file.tasks) {
    const { kind: _k, dependsOn: _d, version: _v, updatedAt: _u, source, ...task } = t;
    events.push({ type: "task.created", payload: { task, ...(source ? { source } : {}) } });
  }
  for (const t of file.tasks) {
    for (const blockerId of t.dependsOn) {
      if (!q.hasDependency(t.id, blockerId))
        events.push({ type: "dependency.added", payload: { taskId: t.id, blockerId } });
    }
  }
  for (const c of file.comments) {
    events.push({
      type: "comment.added",
      payload: { taskId: c.taskId, commentId: c.id, body: c.body, author: c.author, createdAt: c.createdAt },
    });
  }
  return events;
}

/**
 * A log whose chain holds but whose events contradict each other (a crafted file: a revocation of
 * no token, a secret hash twice) fails while it is applied; that is the file's fault, not exarp's.
 */
function asFileProblem(error: unknown): unknown {
  const constraint = sqliteCode(error)?.startsWith("SQLITE_CONSTRAINT") === true;
  const projection = error instanceof Error && error.message.startsWith("projection: ");
  if (!constraint && !projection) return error;
  return new InvalidInput({ issues: [`event log in file cannot be applied: ${(error as Error).message}`] });
}

/** JSON with object keys sorted, so equal records compare equal whatever their key order. */
function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
