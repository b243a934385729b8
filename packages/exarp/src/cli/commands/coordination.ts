import { actorLabel } from "../../identity/identity.ts";
import type { ClaimResult } from "../../lease/lease.ts";
import { holderName } from "../../lease/lease.ts";
import { inline } from "../../text/safe.ts";
import { type CliCommand, type CliValues, int, str } from "../command.ts";
import { leaseLine, table, taskLine, time } from "../render.ts";

export const ttlOption = {
  ttl: { type: "string", value: "SEC", help: "lease length in seconds (default 900)" },
} as const;

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

export const claim: CliCommand = {
  name: "claim",
  summary: "Lease a ready task to an agent (starts it); exit 1 if someone else holds it",
  usage: "ID",
  arity: [1, 1],
  options: ttlOption,
  examples: ["exarp claim T-k3f9 --as agent:build --session ses_1 --ttl 600"],
  run(ctx) {
    const exarp = ctx.exarp();
    const taskId = ctx.args[0] as string;
    const result = exarp.leases.claim({ taskId, ttlMs: ttlMs(ctx.values) });
    return { ...claimOutput(result, exarp.tasks.get(taskId)), exitCode: result.acquired ? 0 : 1 };
  },
};

export const renew: CliCommand = {
  name: "renew",
  summary: "Extend your lease on a task",
  usage: "ID",
  arity: [1, 1],
  options: ttlOption,
  run(ctx) {
    const lease = ctx.exarp().leases.renew({ taskId: ctx.args[0] as string, ttlMs: ttlMs(ctx.values) });
    return { data: { lease }, text: `renewed ${leaseLine(lease)}` };
  },
};

export const release: CliCommand = {
  name: "release",
  summary: "End your lease on a task (--force: someone else's, recorded)",
  usage: "ID",
  arity: [1, 1],
  options: { force: { type: "boolean", help: "break another holder's lease" } },
  run(ctx) {
    const lease = ctx.exarp().leases.release({ taskId: ctx.args[0] as string, force: ctx.values.force === true });
    return { data: { lease, released: true }, text: `released ${leaseLine(lease)}` };
  },
};

export const leases: CliCommand = {
  name: "leases",
  summary: "Who holds which task, with which token, until when",
  usage: "",
  arity: [0, 0],
  run(ctx) {
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
  },
};

export const sweep: CliCommand = {
  name: "sweep",
  summary: "End expired leases now: their in-progress tasks go back to todo",
  usage: "",
  arity: [0, 0],
  run(ctx) {
    const ended = ctx.exarp().leases.sweep();
    return {
      data: { leases: ended },
      text: ended.length ? ended.map((l) => `expired ${leaseLine(l)}`).join("\n") : "no expired leases",
    };
  },
};

export const approvals: CliCommand = {
  name: "approvals",
  summary: "Tasks in review waiting for a decision",
  usage: "",
  arity: [0, 0],
  run(ctx) {
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
  },
};

export const approve: CliCommand = {
  name: "approve",
  summary: "Approve a task in review: it becomes done (a person, not the one who asked)",
  usage: "ID",
  arity: [1, 1],
  options: { note: { type: "string", value: "TEXT", help: "a note kept with the decision" } },
  run(ctx) {
    const task = ctx.exarp().approvals.approve({ taskId: ctx.args[0] as string, note: str(ctx.values, "note") });
    return { data: { task }, text: `approved ${taskLine(task)}` };
  },
};

export const deny: CliCommand = {
  name: "deny",
  summary: "Deny a task in review: back to in progress, the reason added as a comment",
  usage: "ID",
  arity: [1, 1],
  options: { reason: { type: "string", short: "r", value: "TEXT", help: "what must change (required)" } },
  run(ctx) {
    const task = ctx.exarp().approvals.deny({ taskId: ctx.args[0] as string, reason: str(ctx.values, "reason") ?? "" });
    return { data: { task }, text: `denied ${taskLine(task)}` };
  },
};
