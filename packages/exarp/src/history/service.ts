import { CycleDetected, NotFound, Refused } from "../errors-catalog.ts";
import { eventSubject, type StoredEvent, type TaskSnapshot } from "../event/catalog.ts";
import { actorLabel } from "../identity/identity.ts";
import { runCommand, type ServiceContext } from "../kernel/context.ts";
import { parseInput } from "../kernel/input.ts";
import { int, type QueryOf, query, taskId } from "../kernel/query.ts";
import { lazy, z } from "../kernel/zod.ts";
import { checkWrite } from "../lease/decide.ts";
import type { Queries } from "../store/queries/index.ts";
import { checkParent } from "../task/require.ts";
import { canTransition } from "../task/status.ts";
import type { Status } from "../task/task.ts";

const label = (s: Status) => s.replace("_", " ");

import { checkInvertible, invertEvent } from "./invert.ts";

/** Which events `history.list` returns. */
export const historyQuery = query({ taskId, after: int(0, Number.MAX_SAFE_INTEGER), limit: int(1, 100_000) });
export const HistoryQuery = historyQuery.schema;
export type HistoryQuery = QueryOf<typeof historyQuery.shape>;

/** Undo the caller's own newest change, or the command that holds event `seq` (anyone's). */
export const UndoRequest = lazy(() => z.strictObject({ seq: z.number().int().min(1).optional() }));
export type UndoRequest = z.input<typeof UndoRequest>;

/** The command that was undone and the compensating events that undid it. */
export type UndoResult = { undone: StoredEvent[]; events: StoredEvent[] };

function snapshotOf(q: Queries, taskId: string): TaskSnapshot | undefined {
  const detail = q.taskDetail(taskId);
  if (!detail) return undefined;
  const { dependsOn, dependents: _dependents, comments, source: _source, ...task } = detail;
  return { task, dependsOn, comments };
}

/** Reading the log and undoing commands with compensating events. */
export function createHistoryService(ctx: ServiceContext) {
  return {
    /** Events in log order: the newest `limit` (default 50), or all after `after`, optionally for one task. */
    list(query: HistoryQuery = {}): StoredEvent[] {
      const q = historyQuery.parse(query);
      if (q.after !== undefined) return ctx.store.listEvents({ after: q.after, stream: q.taskId, limit: q.limit });
      return ctx.store.listEvents({ stream: q.taskId, limit: q.limit ?? 50, newestFirst: true }).reverse();
    },

    /** One event by seq (who made a change, before undoing it), if the log holds it. */
    event(seq: number): StoredEvent | undefined {
      return ctx.store.event(seq);
    },

    /**
     * Reverts one command by appending compensating events: the caller's own latest change, or the
     * command holding event `seq` (anyone's). An undo is a write like any other: refused while
     * someone else holds a lease on a task it touches, and for a status move the workflow does not
     * allow. Also refused when the command's tasks changed since (undo the later change first), when
     * it was already undone, or when it is an undo itself.
     */
    undo(request: UndoRequest = {}): UndoResult {
      const { seq } = parseInput(UndoRequest, request);
      const { result: undone, events } = runCommand(ctx, (tx) => {
        const { name, session } = ctx.actor;
        const command = seq === undefined ? tx.lastUndoableCommand(name, session) : tx.event(seq)?.command;
        if (command === undefined) {
          if (seq === undefined)
            throw new Refused({
              reason: `${actorLabel(name, session)} has no change to undo; name another's change by its event number`,
            });
          throw new NotFound({ kind: "event", id: `#${seq}` });
        }
        const undone = tx.commandEvents(command);
        checkInvertible(undone);
        checkUndoable(tx, command, undone);
        const now = ctx.clock.now();
        for (const taskId of new Set(undone.map(eventSubject))) {
          if (tx.taskExists(taskId)) checkWrite(taskId, tx.lease(taskId), ctx.actor, now, undefined);
        }
        const state = {
          snapshot: (id: string) => snapshotOf(tx, id),
          latestApproval: tx.latestApproval,
          approval: tx.approval,
        };
        for (const e of [...undone].reverse()) {
          const inverse = invertEvent(e, state);
          if (inverse.type === "task.status_changed") {
            const { taskId, from, to } = inverse.payload;
            // A lease's expiry may have moved the task since (it does not block an undo): never claim a move from elsewhere.
            const current = tx.task(taskId)?.status;
            if (current !== undefined && current !== from)
              throw new Refused({
                reason: `cannot undo #${command}: ${taskId} is ${label(current)} now, not ${label(from)} as that change left it`,
              });
            if (!canTransition(from, to))
              throw new Refused({
                reason: `cannot undo #${command}: it would move ${taskId} from ${label(from)} to ${label(to)}, which the workflow does not allow`,
              });
          }
          if (inverse.type === "dependency.added") {
            // The rule `dep add` keeps: putting a dependency back must not close a cycle made since.
            const { taskId, blockerId } = inverse.payload;
            const back = tx.taskExists(blockerId) ? tx.dependencyPath(blockerId, taskId) : undefined;
            if (back) throw new CycleDetected({ cycle: [taskId, ...back] });
          }
          if (inverse.type === "task.edited" && inverse.payload.changes.parentId)
            checkParent(tx, inverse.payload.taskId, inverse.payload.changes.parentId);
          tx.append([inverse], { undoes: command });
        }
        return undone;
      });
      return { undone, events };
    },
  };
}

/** Throws Refused unless undoing `command` would restore exactly the state before it. */
function checkUndoable(q: Queries, command: number, undone: readonly StoredEvent[]): void {
  const first = undone[0] as StoredEvent;
  const last = undone.at(-1) as StoredEvent;
  if (first.undoes !== null) throw new Refused({ reason: `#${first.seq} is an undo itself; it cannot be undone` });
  if (q.isUndone(command)) throw new Refused({ reason: `the change at #${command} was already undone` });
  const streams = [...new Set(undone.map(eventSubject))];
  const later = q.laterChange(streams, last.seq);
  if (later) {
    throw new Refused({
      reason: `${eventSubject(later)} changed after #${command} (at #${later.seq}, ${later.type}); undo that first`,
    });
  }
  for (const e of undone) {
    if (e.type !== "task.created") continue;
    const id = e.payload.task.id;
    const link = q.linkedAfter(id, last.seq);
    if (link && !streams.includes(eventSubject(link))) {
      throw new Refused({
        reason: `cannot undo the creation of ${id}: ${eventSubject(link)} was linked to it at #${link.seq}; undo that first`,
      });
    }
  }
}
