import { tool } from "@opencode-ai/plugin";
import { type Actor, Busy, type Exarp, ExarpError, holderName, neutralizeBlock, retryWhileBusy } from "exarp";
import { type Acting, listTasks, showTask, taskLine } from "./board.ts";
import { MAX_RUNNER_SESSIONS } from "./runner-launch.ts";
import { modeRules, type SessionMode } from "./runner-mode.ts";
import type { RunnerStarter } from "./runner-start.ts";
import { RUN_TOOL_DESCRIPTION, runnerContext, runnerText } from "./runner-text.ts";
import { BUSY, NO_PROJECT, SUBAGENT_REFUSAL, TOOL, toolDescriptions, workText } from "./text.ts";
import { readRunnerTask } from "./views.ts";

const z = tool.schema;

/** What a tool needs from the plugin: the project (if any), who the calling session is, and whether it may write. */
export type ToolRuntime = {
  exarp(): Exarp | undefined;
  /** The exarp identity of a session (see sessionActor). */
  actorOf(sessionID: string, agent: string): Actor;
  /** True when the session is a sub-agent (third layer of hiding the mutating tools). */
  isSubagent(sessionID: string, agent: string): boolean;
  /** Whether the session is a runner's, working one task (see runner-mode.ts). */
  modeOf(sessionID: string, agent: string): SessionMode;
  /** Starts a runner on the ready tasks (exarp_run). */
  startRunner: RunnerStarter;
  /** Called after a session moves its own task to review or done (follow-up offer). */
  finished(sessionID: string, taskId: string): void;
  /** Fencing tokens this plugin was granted, per session and task: presented on every write. */
  tokens: Map<string, number>;
  /** How long a write keeps retrying while another process holds the write lock (ms). */
  busyRetryMs: number;
};

/** The tools that change tasks; hidden from sub-agents (primary_tools, permissions, and a guard). */
export const MUTATING_TOOLS = [TOOL.lease, TOOL.move, TOOL.comment, TOOL.add, TOOL.run] as const;

/**
 * Runs a tool body with the project and identity, turning refusals into a sentence the model can act
 * on. The body runs again (after a pause, never blocking the event loop) while another process holds
 * the write lock, up to `busyRetryMs`; then the model is told to retry.
 */
async function run(
  rt: ToolRuntime,
  ctx: { sessionID: string; agent: string },
  write: boolean,
  body: (x: Acting) => string,
): Promise<string> {
  const exarp = rt.exarp();
  if (!exarp) return NO_PROJECT;
  if (write && rt.isSubagent(ctx.sessionID, ctx.agent)) return SUBAGENT_REFUSAL;
  const x = exarp.as(rt.actorOf(ctx.sessionID, ctx.agent));
  try {
    return await retryWhileBusy(() => body(x), { totalMs: rt.busyRetryMs });
  } catch (error) {
    if (Busy.is(error)) return BUSY;
    if (error instanceof ExarpError) return workText.refused(error.message);
    throw error;
  }
}

const tokenKey = (sessionID: string, taskId: string) => `${sessionID} ${taskId}`;

/**
 * In a runner session, the refusal of anything about a task other than its own, and of handing its
 * own task in (`handIn`: moving it, releasing it), which the runner does; undefined when allowed.
 */
const runnerRefusal = (
  rt: ToolRuntime,
  ctx: { sessionID: string; agent: string },
  taskId: string | undefined,
  handIn = false,
) => {
  const mode = rt.modeOf(ctx.sessionID, ctx.agent);
  const rules = modeRules(mode);
  if (mode.kind !== "runner") return undefined;
  if (!rules.otherWork && taskId !== mode.taskId) return runnerText.onlyYours(mode.taskId);
  if (handIn && rules.handIn === "runner") return runnerText.runnerHandsIn;
  return undefined;
};

/** The exarp tools for OpenCode: zod arguments through `tool.schema`, results as short text. */
export function createTools(rt: ToolRuntime) {
  return {
    [TOOL.board]: tool({
      description: toolDescriptions.board,
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
        return run(rt, ctx, false, (x) => (args.id ? showTask(x, args.id) : listTasks(x, args)));
      },
    }),

    [TOOL.next]: tool({
      description: toolDescriptions.next,
      args: {
        claim: z.boolean().optional().describe("lease it to you and start it"),
        can: z.array(z.string()).optional().describe("only tasks whose tags you can do"),
      },
      async execute(args, ctx) {
        const refused = runnerRefusal(rt, ctx, undefined);
        if (refused) return refused;
        return run(rt, ctx, args.claim === true, (x) => {
          if (args.claim) {
            const r = x.leases.claimNext({ can: args.can });
            if (!r.acquired) return workText.nothingReady;
            rt.tokens.set(tokenKey(ctx.sessionID, r.task.id), r.lease.token);
            return workText.claimedNext(taskLine(r.task), r.lease.token);
          }
          const t = x.graph.next({ can: args.can });
          return t ? `${taskLine(t)}\n${neutralizeBlock(t.description)}`.trim() : workText.nothingReady;
        });
      },
    }),

    [TOOL.lease]: tool({
      description: toolDescriptions.lease,
      args: { id: z.string(), release: z.boolean().optional() },
      async execute(args, ctx) {
        const refused = runnerRefusal(rt, ctx, args.id, args.release === true);
        if (refused) return refused;
        return run(rt, ctx, true, (x) => {
          if (args.release) {
            x.leases.release({ taskId: args.id });
            rt.tokens.delete(tokenKey(ctx.sessionID, args.id));
            return workText.released(args.id);
          }
          const r = x.leases.claim({ taskId: args.id });
          if (!r.acquired) return workText.held(args.id, holderName(r.holder));
          rt.tokens.set(tokenKey(ctx.sessionID, args.id), r.lease.token);
          return workText.claimed(args.id, r.lease.token, r.renewed);
        });
      },
    }),

    [TOOL.move]: tool({
      description: toolDescriptions.move,
      args: {
        id: z.string(),
        to: z.enum(["in_progress", "review", "done", "blocked", "todo", "cancelled"]),
        reason: z.string().optional(),
      },
      async execute(args, ctx) {
        const refused = runnerRefusal(rt, ctx, args.id, true);
        if (refused) return refused;
        return run(rt, ctx, true, (x) => {
          const lease = rt.tokens.get(tokenKey(ctx.sessionID, args.id));
          const t = x.tasks.setStatus({ id: args.id, to: args.to, reason: args.reason, lease });
          if (args.to !== "in_progress" && args.to !== "blocked") rt.tokens.delete(tokenKey(ctx.sessionID, args.id));
          if (args.to === "review" || args.to === "done") rt.finished(ctx.sessionID, t.id);
          return args.to === "review" ? workText.inReview(t.id) : workText.moved(t.id, t.status);
        });
      },
    }),

    [TOOL.comment]: tool({
      description: toolDescriptions.comment,
      args: { id: z.string(), text: z.string() },
      async execute(args, ctx) {
        return run(rt, ctx, true, (x) => {
          x.tasks.comment({ taskId: args.id, body: args.text });
          return workText.commented(args.id);
        });
      },
    }),

    [TOOL.add]: tool({
      description: toolDescriptions.add,
      args: {
        title: z.string(),
        description: z.string().optional(),
        priority: z.enum(["low", "medium", "high", "critical"]).optional(),
        tags: z.array(z.string()).optional(),
        dependsOn: z.array(z.string()).optional().describe("ids of tasks this one waits for"),
      },
      async execute(args, ctx) {
        return run(rt, ctx, true, (x) => workText.created(taskLine(x.tasks.create(args))));
      },
    }),

    [TOOL.context]: tool({
      description: toolDescriptions.context,
      args: { role: z.enum(["build", "plan", "review"]).optional() },
      async execute(args, ctx) {
        const mode = rt.modeOf(ctx.sessionID, ctx.agent);
        if (mode.kind === "runner") {
          const exarp = rt.exarp();
          return run(rt, ctx, false, () =>
            exarp ? runnerContext(readRunnerTask(exarp, mode.actor, mode.taskId)) : NO_PROJECT,
          );
        }
        return run(rt, ctx, false, (x) => x.context.render({ role: args.role }));
      },
    }),

    [TOOL.run]: tool({
      description: RUN_TOOL_DESCRIPTION,
      args: {
        max: z.number().int().min(1).max(MAX_RUNNER_SESSIONS).optional().describe("at most this many sessions at once"),
      },
      async execute(args, ctx) {
        if (!rt.exarp()) return NO_PROJECT;
        if (rt.isSubagent(ctx.sessionID, ctx.agent)) return SUBAGENT_REFUSAL;
        if (!modeRules(rt.modeOf(ctx.sessionID, ctx.agent)).startRunner) return runnerText.noRunnerInRunner;
        return rt.startRunner(args.max, ctx.sessionID);
      },
    }),
  };
}
