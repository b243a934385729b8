import { tool } from "@opencode-ai/plugin";
import { type Exarp, ExarpError, type Task } from "exarp";
import { NO_PROJECT, SUBAGENT_REFUSAL, toolDescriptions } from "./text.ts";

const z = tool.schema;

/** What a tool needs from the plugin: the project (if any), who the calling session is, and whether it may write. */
export type ToolRuntime = {
  exarp(): Exarp | undefined;
  /** The exarp identity of a session: `agent:<name>` + the session id. */
  actorOf(sessionID: string, agent: string): { name: string; session: string };
  /** True when the session is a sub-agent (third layer of hiding the mutating tools). */
  isSubagent(sessionID: string, agent: string): boolean;
  /** Called after a session moves its own task to review or done (follow-up offer). */
  finished(sessionID: string, taskId: string): void;
  /** Fencing tokens this plugin was granted, per session and task: presented on every write. */
  tokens: Map<string, number>;
};

/** The tools that change tasks; hidden from sub-agents (primary_tools, permissions, and a guard). */
export const MUTATING_TOOLS = ["exarp_claim", "exarp_status", "exarp_comment", "exarp_add"] as const;

const taskLine = (t: Task) =>
  `${t.id} [${t.status.replace("_", " ")}] [${t.priority}] ${t.title}${t.tags.length ? ` #${t.tags.join(" #")}` : ""}`;

/** The services acting as one session. */
type Acting = ReturnType<Exarp["as"]>;

/** Runs a tool body with the project and identity, turning refusals into a sentence the model can act on. */
function run(
  rt: ToolRuntime,
  ctx: { sessionID: string; agent: string },
  write: boolean,
  body: (x: Acting) => string,
): string {
  const exarp = rt.exarp();
  if (!exarp) return NO_PROJECT;
  if (write && rt.isSubagent(ctx.sessionID, ctx.agent)) return SUBAGENT_REFUSAL;
  try {
    return body(exarp.as(rt.actorOf(ctx.sessionID, ctx.agent)));
  } catch (error) {
    if (error instanceof ExarpError) return `Refused: ${error.message}`;
    throw error;
  }
}

const tokenKey = (sessionID: string, taskId: string) => `${sessionID} ${taskId}`;

/** The exarp tools for OpenCode: zod arguments through `tool.schema`, results as short text. */
export function createTools(rt: ToolRuntime) {
  return {
    exarp_tasks: tool({
      description: toolDescriptions.tasks,
      args: {
        id: z.string().optional().describe("show this task"),
        status: z
          .enum(["open", "all", "todo", "in_progress", "review", "done", "blocked", "cancelled"])
          .optional()
          .describe("default open"),
        tag: z.string().optional(),
        text: z.string().optional().describe("substring of title or description"),
      },
      async execute(args, ctx) {
        return run(rt, ctx, false, (x) => {
          if (args.id) {
            const t = x.tasks.get(args.id);
            const why = x.graph.explain(t.id);
            const lines = [
              taskLine(t),
              t.description,
              `depends on: ${t.dependsOn.join(", ") || "nothing"}`,
              `blocks: ${t.dependents.join(", ") || "nothing"}`,
            ];
            if (t.status === "todo" && !why.ready) lines.push(`not ready: ${why.reasons.join("; ")}`);
            for (const c of t.comments) lines.push(`comment by ${c.author}: ${c.body}`);
            return lines.filter(Boolean).join("\n");
          }
          const status =
            args.status === "all"
              ? undefined
              : args.status === "open" || !args.status
                ? (["todo", "in_progress", "review", "blocked"] as const)
                : [args.status];
          const tasks = x.tasks.list({
            status: status ? [...status] : undefined,
            tags: args.tag ? [args.tag] : undefined,
            text: args.text,
            limit: 51,
          });
          if (!tasks.length) return "no tasks";
          return [
            ...tasks.slice(0, 50).map(taskLine),
            ...(tasks.length > 50 ? ["… more; narrow with status, tag or text"] : []),
          ].join("\n");
        });
      },
    }),

    exarp_next: tool({
      description: toolDescriptions.next,
      args: {
        claim: z.boolean().optional().describe("lease it to you and start it"),
        can: z.array(z.string()).optional().describe("only tasks whose tags you can do"),
      },
      async execute(args, ctx) {
        return run(rt, ctx, args.claim === true, (x) => {
          if (args.claim) {
            const r = x.leases.claimNext({ can: args.can });
            if (!r.acquired) return "Nothing is ready for you.";
            rt.tokens.set(tokenKey(ctx.sessionID, r.task.id), r.lease.token);
            return `Claimed ${taskLine(r.task)} (lease #${r.lease.token}).`;
          }
          const t = x.graph.next({ can: args.can });
          return t ? `${taskLine(t)}\n${t.description}`.trim() : "Nothing is ready for you.";
        });
      },
    }),

    exarp_claim: tool({
      description: toolDescriptions.claim,
      args: { id: z.string(), release: z.boolean().optional() },
      async execute(args, ctx) {
        return run(rt, ctx, true, (x) => {
          if (args.release) {
            x.leases.release({ taskId: args.id });
            rt.tokens.delete(tokenKey(ctx.sessionID, args.id));
            return `Released ${args.id}.`;
          }
          const r = x.leases.claim({ taskId: args.id });
          if (r.acquired) rt.tokens.set(tokenKey(ctx.sessionID, args.id), r.lease.token);
          if (!r.acquired)
            return `Not yours: ${args.id} is held by ${r.holder.agent}${r.holder.session ? `/${r.holder.session}` : ""}. Pick another task (exarp_next).`;
          return `${r.renewed ? "Still yours" : "Claimed"}: ${args.id} (lease #${r.lease.token}, renewed while you work).`;
        });
      },
    }),

    exarp_status: tool({
      description: toolDescriptions.status,
      args: {
        id: z.string(),
        to: z.enum(["in_progress", "review", "done", "blocked", "todo", "cancelled"]),
        reason: z.string().optional(),
      },
      async execute(args, ctx) {
        return run(rt, ctx, true, (x) => {
          const lease = rt.tokens.get(tokenKey(ctx.sessionID, args.id));
          const t = x.tasks.setStatus({ id: args.id, to: args.to, reason: args.reason, lease });
          if (args.to !== "in_progress" && args.to !== "blocked") rt.tokens.delete(tokenKey(ctx.sessionID, args.id));
          if (args.to === "review" || args.to === "done") rt.finished(ctx.sessionID, t.id);
          return args.to === "review"
            ? `${t.id} is in review; a person approves or denies it, and you will be told.`
            : `${t.id} is ${t.status.replace("_", " ")}.`;
        });
      },
    }),

    exarp_comment: tool({
      description: toolDescriptions.comment,
      args: { id: z.string(), text: z.string() },
      async execute(args, ctx) {
        return run(rt, ctx, true, (x) => {
          x.tasks.comment({ taskId: args.id, body: args.text });
          return `Commented on ${args.id}.`;
        });
      },
    }),

    exarp_add: tool({
      description: toolDescriptions.add,
      args: {
        title: z.string(),
        description: z.string().optional(),
        priority: z.enum(["low", "medium", "high", "critical"]).optional(),
        tags: z.array(z.string()).optional(),
        dependsOn: z.array(z.string()).optional().describe("ids of tasks this one waits for"),
      },
      async execute(args, ctx) {
        return run(rt, ctx, true, (x) => `Created ${taskLine(x.tasks.create(args))}.`);
      },
    }),

    exarp_prime: tool({
      description: toolDescriptions.prime,
      args: { role: z.enum(["build", "plan", "review"]).optional() },
      async execute(args, ctx) {
        return run(rt, ctx, false, (x) => x.context.render({ role: args.role }));
      },
    }),
  };
}
