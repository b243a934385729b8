import { NextQuery } from "../../graph/service.ts";
import { lazy, z } from "../../kernel/zod.ts";
import { ClaimRequest, LeaseRequest } from "../../lease/lease.ts";
import { badArguments } from "../arguments.ts";
import { As } from "../identity.ts";
import { outputOf } from "../outputs.ts";
import { TOOL_TEXT } from "../prompts.ts";
import { defineTool } from "../tool.ts";
import { iso, leaseView, taskSummary } from "../views.ts";

const Input = lazy(() =>
  z.strictObject({
    action: z.enum(["claim", "renew", "release", "list"]),
    taskId: ClaimRequest.shape.taskId.optional(),
    ttlMs: ClaimRequest.shape.ttlMs,
    can: NextQuery.shape.can,
    tags: NextQuery.shape.tags,
    force: LeaseRequest.shape.force,
    as: As.optional(),
  }),
);

export const claimTool = defineTool({
  name: "claim",
  description: TOOL_TEXT.claim,
  input: Input,
  output: outputOf("claim"),
  // Breaking someone else's lease overrides their claim: an owner's call, as over HTTP.
  scope: (args) => (args.action === "list" ? "viewer" : args.force ? "owner" : "collaborator"),
  actions: {
    claim: { fields: ["taskId", "ttlMs", "can", "tags"] },
    renew: { fields: ["taskId", "ttlMs"], required: ["taskId"] },
    release: { fields: ["taskId", "force"], required: ["taskId"] },
    list: { fields: [] },
  },
  run(args, services) {
    const { leases } = services;
    switch (args.action) {
      case "claim": {
        if (args.taskId === undefined) {
          const result = leases.claimNext({ can: args.can, tags: args.tags, ttlMs: args.ttlMs });
          if (!result.acquired) return { json: { acquired: false, note: "nothing ready to claim" } };
          return { json: { acquired: true, task: taskSummary(result.task), lease: leaseView(result.lease) } };
        }
        // Refused rather than ignored: with a taskId, the filters would silently do nothing.
        if (args.can || args.tags) throw badArguments("give taskId, or can/tags to pick a task, not both");
        const result = leases.claim({ taskId: args.taskId, ttlMs: args.ttlMs });
        if (!result.acquired) {
          const h = result.holder;
          const note = `${h.taskId} is leased by ${leaseView(h).holder} until ${iso(h.expiresAt)}; pick another task`;
          return { json: { acquired: false, holder: leaseView(h), note } };
        }
        return { json: { acquired: true, renewed: result.renewed, lease: leaseView(result.lease) } };
      }
      case "renew":
        return { json: { lease: leaseView(leases.renew({ taskId: args.taskId as string, ttlMs: args.ttlMs })) } };
      case "release":
        leases.release({ taskId: args.taskId as string, force: args.force });
        return { json: { released: args.taskId } };
      case "list":
        return { json: { leases: leases.list().map((l) => ({ ...leaseView(l), live: l.live, title: l.title })) } };
    }
  },
});
