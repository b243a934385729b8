import { actorLabel } from "../../identity/identity.ts";
import type { ClaimResult } from "../../lease/lease.ts";
import { holderName } from "../../lease/lease.ts";
import { inline } from "../../text/safe.ts";
import { type CliRun, type CliValues, int, str } from "../command.ts";
import { leaseLine, table, taskLine, time } from "../render.ts";

/** `--ttl SEC` in milliseconds. */
export function ttlMs(values: CliValues): number | undefined {
  const seconds = int(values, "ttl");
  return seconds === undefined ? undefined : seconds * 1000;
}

/** The JSON and text of a claim: the lease won, or who holds the task instead. */
export function claimOutput(result: ClaimResult, task: unknown) {
  if (!result.acquired)
    return { data: { acquired: false, holder: result.holder }, text: `not acquired: ${leaseLine(result.holder)}` };
  return {
    data: { acquired: true, renewed: result.renewed, lease: result.lease, task },
    text: `${result.renewed ? "renewed" : "acquired"} ${leaseLine(result.lease)}`,
  };
}

export const claim: CliRun = (ctx) => {
  const exarp = ctx.exarp();
  const taskId = ctx.args[0] as string;
  const result = exarp.leases.claim({ taskId, ttlMs: ttlMs(ctx.values) });
  return { ...claimOutput(result, exarp.tasks.get(taskId)), exitCode: result.acquired ? 0 : 1 };
};

export const renew: CliRun = (ctx) => {
  const lease = ctx.exarp().leases.renew({ taskId: ctx.args[0] as string, ttlMs: ttlMs(ctx.values) });
  return { data: { lease }, text: `renewed ${leaseLine(lease)}` };
};

export const release: CliRun = (ctx) => {
  const lease = ctx.exarp().leases.release({ taskId: ctx.args[0] as string, force: ctx.values.force === true });
  return { data: { lease, released: true }, text: `released ${leaseLine(lease)}` };
};

export const leases: CliRun = (ctx) => {
  const all = ctx.exarp().leases.list();
  if (!all.length) return { data: { leases: all }, text: "no leases" };
  const rows = all.map((l) => [
    inline(l.taskId),
    inline(holderName(l)),
    `#${l.token}`,
    `${time(l.expiresAt)}${l.live ? "" : " (expired)"}`,
    inline(l.title, 60),
  ]);
  return { data: { leases: all }, text: table(["TASK", "HOLDER", "TOKEN", "UNTIL", "TITLE"], rows) };
};

export const sweep: CliRun = (ctx) => {
  const ended = ctx.exarp().leases.sweep();
  return {
    data: { leases: ended },
    text: ended.length ? ended.map((l) => `expired ${leaseLine(l)}`).join("\n") : "no expired leases",
  };
};

export const approvals: CliRun = (ctx) => {
  const pending = ctx.exarp().approvals.pending();
  if (!pending.length) return { data: { approvals: pending }, text: "nothing waits for approval" };
  const rows = pending.map((a) => [
    inline(a.taskId),
    `#${a.id}`,
    inline(actorLabel(a.requestedBy, a.requestedSession)),
    time(a.requestedAt),
    inline(a.title, 60),
  ]);
  return { data: { approvals: pending }, text: table(["TASK", "REQUEST", "ASKED BY", "SINCE", "TITLE"], rows) };
};

export const approve: CliRun = (ctx) => {
  const task = ctx.exarp().approvals.approve({ taskId: ctx.args[0] as string, note: str(ctx.values, "note") });
  return { data: { task }, text: `approved ${taskLine(task)}` };
};

export const deny: CliRun = (ctx) => {
  const task = ctx.exarp().approvals.deny({ taskId: ctx.args[0] as string, reason: str(ctx.values, "reason") ?? "" });
  return { data: { task }, text: `denied ${taskLine(task)}` };
};
