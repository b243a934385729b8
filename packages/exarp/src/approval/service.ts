import { runCommand, type ServiceContext } from "../app/context.ts";
import { parseInput } from "../app/input.ts";
import { Refused } from "../errors-catalog.ts";
import type { StoredEvent } from "../event/catalog.ts";
import type { Tx } from "../store/store.ts";
import { decideStatus } from "../task/decide.ts";
import { requireTask } from "../task/require.ts";
import type { Task, TaskDetail } from "../task/task.ts";
import { transitionEvents } from "../task/transition.ts";
import { type Approval, type ApprovalOutcome, ApproveRequest, DenyRequest, WaitRequest } from "./approval.ts";
import { checkDecision, decisionEvent } from "./decide.ts";

/** A decided (or closed) request as the waiting side sees it. */
export function outcomeOf(a: Approval): ApprovalOutcome | undefined {
  if (a.state === "pending") return undefined;
  const outcome = a.state === "timed_out" ? "timeout" : a.state;
  return { outcome, requestId: a.id, by: a.state === "timed_out" ? null : a.decidedBy, reason: a.reason };
}

export type PendingApproval = Approval & { title: string };

/** The Review → Done gate: requests, decisions from any process, and waiting for them. */
export function createApprovalService(ctx: ServiceContext) {
  /** The pending request of a task in review, opening one when the last one closed without a decision. */
  const pendingRequest = (tx: Tx, task: Task): Approval => {
    const latest = tx.latestApproval(task.id);
    if (latest?.state === "pending") return latest;
    const [requested] = tx.append([
      {
        type: "approval.requested",
        payload: {
          taskId: task.id,
          requestedBy: latest?.requestedBy ?? "unknown",
          requestedSession: latest?.requestedSession ?? null,
        },
      },
    ]);
    return tx.approval((requested as StoredEvent).seq) as Approval;
  };

  const decide = (taskId: string, outcome: "approved" | "denied", reason: string | undefined): TaskDetail =>
    runCommand(ctx, (tx) => {
      const task = requireTask(tx, taskId);
      const request =
        task.status === "review" ? pendingRequest(tx, task) : { requestedBy: "", requestedSession: null, id: 0 };
      checkDecision(task, request, ctx.actor);
      tx.append([decisionEvent(task, request.id, outcome, reason)]);
      const now = ctx.clock.now();
      if (outcome === "approved") {
        tx.append(transitionEvents(tx, { task, to: "done", actor: ctx.actor, now, reason: reason ?? "approved" }));
      } else {
        tx.append([
          ...decideStatus(task, "in_progress", `denied: ${reason}`),
          {
            type: "comment.added",
            payload: { taskId, commentId: ctx.ids.commentId(), body: `Review denied: ${reason}` },
          },
        ]);
      }
      return tx.taskDetail(taskId) as TaskDetail;
    }).result;

  return {
    /** Pending requests, oldest first, with task titles. */
    pending(): PendingApproval[] {
      return ctx.store.approvals("pending").map((a) => ({ ...a, title: ctx.store.task(a.taskId)?.title ?? "" }));
    },

    /** The newest request of a task, if any. */
    latest(taskId: string): Approval | undefined {
      return ctx.store.latestApproval(taskId);
    },

    /** Approves a task in review and moves it to done. Nobody approves their own request. */
    approve(request: ApproveRequest): TaskDetail {
      const { taskId, note } = parseInput(ApproveRequest, request);
      return decide(taskId, "approved", note);
    },

    /** Denies: the task goes back to in progress, with the reason as a comment the agent can read. */
    deny(request: DenyRequest): TaskDetail {
      const { taskId, reason } = parseInput(DenyRequest, request);
      return decide(taskId, "denied", reason);
    },

    /**
     * Asks for a decision and waits for it: moves an in-progress task to review (or reuses the pending
     * request of a task in review), then settles when a decision arrives from any process (through the
     * change feed), or with `timeout` after `timeoutMs` — recorded as `approval.timed_out`, which is not
     * a denial. A withdrawal (the task left review) settles as `withdrawn`.
     */
    request(input: WaitRequest, options: { signal?: AbortSignal } = {}): Promise<ApprovalOutcome> {
      const { taskId, timeoutMs } = parseInput(WaitRequest, input);
      options.signal?.throwIfAborted();
      const started = Date.now();
      const cursor = ctx.feed.head();
      const requestId = runCommand(ctx, (tx) => {
        const task = requireTask(tx, taskId);
        if (task.status === "review") return pendingRequest(tx, task).id;
        if (task.status !== "in_progress") {
          throw new Refused({
            reason: `${taskId} is ${task.status.replace("_", " ")}; only in-progress or review tasks can ask for approval`,
          });
        }
        const events = tx.append(transitionEvents(tx, { task, to: "review", actor: ctx.actor, now: ctx.clock.now() }));
        return (events.find((e) => e.type === "approval.requested") as StoredEvent).seq;
      }).result;

      return new Promise((resolve, reject) => {
        let settled = false;
        const stop = () => {
          settled = true;
          clearTimeout(timer);
          watcher.close();
          options.signal?.removeEventListener("abort", onAbort);
        };
        const settle = (outcome: ApprovalOutcome) => {
          if (settled) return;
          stop();
          resolve(outcome);
        };
        // The caller gave up waiting (closing, cancelled): the request stays open for a decision later.
        const onAbort = () => {
          if (settled) return;
          stop();
          reject(options.signal?.reason ?? new Error("aborted"));
        };
        options.signal?.addEventListener("abort", onAbort, { once: true });
        const check = () => {
          const current = ctx.store.approval(requestId);
          const outcome = current && outcomeOf(current);
          if (outcome) settle(outcome);
        };
        const watcher = ctx.feed.watch(
          cursor,
          (events) => {
            if (
              events.some(
                (e) => e.type.startsWith("approval.") && "requestId" in e.payload && e.payload.requestId === requestId,
              )
            )
              check();
          },
          { watchDir: ctx.watchDir, pollMs: 50 },
        );
        const timer = setTimeout(() => {
          const closed = runCommand(ctx, (tx) => {
            const current = tx.approval(requestId) as Approval;
            if (current.state === "pending") {
              tx.append([
                { type: "approval.timed_out", payload: { taskId, requestId, waitedMs: Date.now() - started } },
              ]);
            }
            return tx.approval(requestId) as Approval;
          }).result;
          settle(outcomeOf(closed) as ApprovalOutcome);
        }, timeoutMs);
        check();
      });
    },
  };
}

export type ApprovalService = ReturnType<typeof createApprovalService>;
