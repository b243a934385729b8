import { Busy, Refused } from "../errors-catalog.ts";
import type { StoredEvent } from "../event/catalog.ts";
import { runCommand, type ServiceContext } from "../kernel/context.ts";
import { parseInput } from "../kernel/input.ts";
import { requireTask } from "../task/require.ts";
import type { TaskDetail } from "../task/task.ts";
import { transitionEvents } from "../task/transition.ts";
import { type Approval, type ApprovalOutcome, ApproveRequest, DenyRequest, WaitRequest } from "./approval.ts";
import { appendDecision, pendingRequest } from "./decision.ts";

/** A decided (or closed) request as the waiting side sees it. */
export function outcomeOf(a: Approval): ApprovalOutcome | undefined {
  if (a.state === "pending") return undefined;
  const outcome = a.state === "timed_out" ? "timeout" : a.state;
  return { outcome, requestId: a.id, by: a.state === "timed_out" ? null : a.decidedBy, reason: a.reason };
}

export type PendingApproval = Approval & { title: string };

/** The Review → Done gate: requests, decisions from any process, and waiting for them. */
export function createApprovalService(ctx: ServiceContext) {
  const decide = (taskId: string, outcome: "approved" | "denied", reason: string | undefined): TaskDetail =>
    runCommand(ctx, (tx) => {
      const task = requireTask(tx, taskId);
      appendDecision(tx, { task, outcome, reason, actor: ctx.actor, now: ctx.clock.now(), ids: ctx.ids });
      return tx.taskDetail(taskId) as TaskDetail;
    }).result;

  /** Records a timeout unless the request closed meanwhile; a busy database is retried, not fatal. */
  const closeOnTimeout = (taskId: string, requestId: number, waitedMs: number): Approval =>
    runCommand(ctx, (tx) => {
      const current = tx.approval(requestId) as Approval;
      if (current.state === "pending")
        tx.append([{ type: "approval.timed_out", payload: { taskId, requestId, waitedMs } }]);
      return tx.approval(requestId) as Approval;
    }).result;

  return {
    /** Pending requests, oldest first, with task titles. */
    pending(): PendingApproval[] {
      return ctx.store.approvals("pending").map((a) => ({ ...a, title: ctx.store.task(a.taskId)?.title ?? "" }));
    },

    /** One request by id (the seq of its approval.requested event), in whatever state. */
    get(requestId: number): Approval | undefined {
      return ctx.store.approval(requestId);
    },

    /** The newest request of a task, if any. */
    latest(taskId: string): Approval | undefined {
      return ctx.store.latestApproval(taskId);
    },

    /** Approves a task in review and moves it to done: a person, never the one who asked for the review. */
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
      const { taskId, timeoutMs, reason, expectedVersion, lease } = parseInput(WaitRequest, input);
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
        const move = {
          task,
          to: "review" as const,
          actor: ctx.actor,
          now: ctx.clock.now(),
          reason,
          expectedVersion,
          lease,
        };
        const events = tx.append(transitionEvents(tx, move));
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
        const onTimeout = () => {
          if (settled) return;
          try {
            settle(outcomeOf(closeOnTimeout(taskId, requestId, Date.now() - started)) as ApprovalOutcome);
          } catch (error) {
            // Another process is writing: try again shortly instead of blocking or giving up.
            if (Busy.is(error)) timer = setTimeout(onTimeout, 100);
            else {
              stop();
              reject(error);
            }
          }
        };
        let timer = setTimeout(onTimeout, timeoutMs);
        check();
      });
    },
  };
}

export type ApprovalService = ReturnType<typeof createApprovalService>;
