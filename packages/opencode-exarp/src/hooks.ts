import type { Hooks, PluginInput } from "@opencode-ai/plugin";
import { Busy, type Exarp } from "exarp";
import { registerCommands, runCommand } from "./commands.ts";
import { personAtKeyboard, sessionActor } from "./identity.ts";
import { createNotifier, desktopNotifier, errorText, type Log, type Target, withTimeout } from "./notify.ts";
import { addPrimer, firstUserIndex, type LoopMessage } from "./primer.ts";
import { modeRules, sessionMode } from "./runner-mode.ts";
import { createRunnerStarter } from "./runner-start.ts";
import { runnerText } from "./runner-text.ts";
import {
  type AgentInfo,
  BUILTIN_AGENTS,
  classify,
  createSessions,
  isHiddenRequest,
  roleOf,
  type SessionState,
} from "./sessions.ts";
import { COMPACTION_HEADING, FIRST_MESSAGE_HEADING, followUpPrompt, SYSTEM_HEADING } from "./text.ts";
import { thinkingOptions } from "./thinking.ts";
import { createTitleWatch, expectsTitle, isTitleRequest } from "./title.ts";
import { type StepTokens, shouldCompact, usedTokens } from "./tokens.ts";
import { createTools, MUTATING_TOOLS } from "./tools.ts";
import { createViews } from "./views.ts";
import { watchDecisions, watchLeases } from "./watch.ts";

/** Plugin settings, from the environment (so tests and users can tune them without code). */
const settings = {
  compactAt: Number(process.env.EXARP_COMPACT_AT ?? "0.8"),
  followUp: process.env.EXARP_FOLLOW_UP !== "0",
  remindEvery: 8,
  leaseCheckMs: Number(process.env.EXARP_LEASE_CHECK_MS ?? "30000"),
  /** How long a tool's or command's write keeps retrying while another process writes. */
  busyRetryMs: Number(process.env.EXARP_BUSY_RETRY_MS ?? "3000"),
};

/**
 * Bytes of task context per injection. A first turn carries the system block and the synthetic part,
 * a later turn the system block and at most one reminder line: either way at most 2 KB per turn.
 */
export const BUDGET = {
  system: 2048 - 700 - Buffer.byteLength(SYSTEM_HEADING) - 1,
  firstMessage: 700 - Buffer.byteLength(FIRST_MESSAGE_HEADING) - 1,
} as const;

/** An event as it arrives: the typed union in @opencode-ai/plugin 1.18 is stale, so read it loosely. */
type LooseEvent = { type: string; properties: Record<string, unknown> & { info?: Record<string, unknown> } };

/** The longest the first step's summary waits for the title request to be made (see title.ts). */
const TITLE_WAIT_MS = 2_000;

/** Every hook of the plugin, over an open project. */
export function createHooks(input: PluginInput, root: string, exarp: Exarp, log: Log): Hooks {
  const sessions = createSessions();
  const agents = new Map<string, AgentInfo>(BUILTIN_AGENTS.map((a) => [a.name, a]));
  const notifier = createNotifier(
    input.client,
    desktopNotifier(root, (m) => log(m, "warn")),
    (m) => log(m, "warn"),
  );
  const views = createViews(exarp);
  const titles = createTitleWatch();
  const tokens = new Map<string, number>();
  withTimeout(input.client.app.agents())
    .then((r) => {
      for (const a of (r.data ?? []) as AgentInfo[]) agents.set(a.name, a);
    })
    .catch(() => log("could not list agents; using the built-in table", "warn"));

  const kindOf = (s: SessionState) => classify(s, agents);

  /**
   * Whether the session is a runner's, asked once: a runner claims the task with the session as the
   * lease's session before its first prompt, so the first prompt (or tool, or shell) is late enough.
   * A failed read is asked again next time.
   */
  const resolveRunner = (s: SessionState) => {
    if (s.runner !== undefined) return;
    try {
      s.runner = exarp.runs.sessionOf(s.id) ?? null;
    } catch (error) {
      log(`could not tell whether ${s.id} is a runner session: ${errorText(error)}`, "warn");
    }
  };
  const modeOf = (s: SessionState) => sessionMode(s, s.runner);
  /** A runner's session is served like a primary one, whatever its agent. */
  const servedKind = (s: SessionState) => (s.runner && modeOf(s).kind === "runner" ? "primary" : kindOf(s));
  const actorOf = (s: SessionState) => {
    const mode = s.runner ? modeOf(s) : undefined;
    return mode?.kind === "runner" ? mode.actor : sessionActor(kindOf(s), s.agent, s.id);
  };
  const targetOf = (s: SessionState): Target | undefined =>
    s.agent && s.model ? { sessionID: s.id, agent: s.agent, model: s.model } : undefined;

  /**
   * Activity renews the session's leases; checking twice a minute is plenty for a 15-minute lease.
   * While another process writes, the renewal is skipped (the next tool call renews): a hook never
   * waits, and a failed renewal never fails the agent's tool call.
   */
  const renewOnActivity = (s: SessionState) => {
    if (Date.now() - s.touchedAt < 30_000) return;
    try {
      exarp.as(actorOf(s)).leases.touch();
      s.touchedAt = Date.now();
    } catch (error) {
      if (!Busy.is(error)) log(`lease renewal failed: ${errorText(error)}`, "warn");
    }
  };

  const noteTarget = (s: SessionState) => (modeRules(modeOf(s)).betweenTurns ? targetOf(s) : undefined);
  const stopDecisions = watchDecisions(exarp, sessions, kindOf, noteTarget, notifier);
  const stopLeases = watchLeases(exarp, sessions, kindOf, actorOf, noteTarget, notifier, settings.leaseCheckMs);
  const starter = createRunnerStarter({ root, serverUrl: input.serverUrl });

  const tools = createTools({
    exarp: () => exarp,
    actorOf: (sessionID, agent) => {
      const s = sessions.get(sessionID);
      s.agent ??= agent;
      resolveRunner(s);
      const mode = modeOf(s);
      if (mode.kind === "runner") return mode.actor;
      return sessionActor(classify({ parentID: s.parentID, agent }, agents), agent, sessionID);
    },
    modeOf: (sessionID) => {
      const s = sessions.get(sessionID);
      resolveRunner(s);
      return modeOf(s);
    },
    startRunner: starter,
    isSubagent: (sessionID, agent) => {
      const s = sessions.get(sessionID);
      s.agent ??= agent;
      resolveRunner(s);
      if (modeOf(s).kind === "runner") return false;
      return classify({ parentID: s.parentID, agent }, agents) !== "primary";
    },
    finished: (sessionID, taskId) => {
      sessions.get(sessionID).finished = taskId;
    },
    tokens,
    busyRetryMs: settings.busyRetryMs,
  });

  const onIdle = (s: SessionState) => {
    const target = targetOf(s);
    if (!target || servedKind(s) !== "primary" || !modeRules(modeOf(s)).betweenTurns) return;
    if (shouldCompact(s.tokens, s.limit, settings.compactAt, s.compacting)) {
      s.compacting = true;
      withTimeout(input.client.session.summarize({ path: { id: s.id }, body: target.model }), 120_000).catch((e) => {
        s.compacting = false;
        log(`compaction request failed: ${errorText(e)}`, "warn");
      });
      return;
    }
    if (s.finished && settings.followUp) {
      const finished = s.finished;
      s.finished = undefined;
      const next = exarp.as(actorOf(s)).graph.next();
      if (next) notifier.prompt(target, followUpPrompt(finished, next));
    }
  };

  const onEvent = (event: LooseEvent) => {
    const p = event.properties;
    const info = p.info ?? {};
    switch (event.type) {
      case "session.created":
      case "session.updated": {
        const s = sessions.get(String(info.id));
        if (typeof info.parentID === "string") s.parentID = info.parentID;
        if (typeof info.title === "string") s.title = info.title;
        return;
      }
      case "message.updated": {
        if (info.role !== "assistant" || typeof info.sessionID !== "string") return;
        const s = sessions.get(info.sessionID);
        const agent = (info.agent ?? info.mode) as string | undefined;
        if (agent && !agents.get(agent)?.hidden) s.agent ??= agent;
        const time = info.time as { completed?: number } | undefined;
        if (time?.completed && info.tokens && !info.summary) s.tokens = usedTokens(info.tokens as StepTokens);
        return;
      }
      case "session.compacted": {
        const s = sessions.get(String(p.sessionID));
        s.compacting = false;
        s.transcriptNext = false;
        return;
      }
      case "session.error": {
        const s = sessions.get(String(p.sessionID));
        if (!s.parentID) notifier.alert(`session error: ${errorText(p.error)}`, "error");
        return;
      }
      case "session.idle":
        onIdle(sessions.get(String(p.sessionID)));
        return;
    }
  };

  return {
    tool: tools,
    config: async (config) => registerCommands(config, MUTATING_TOOLS, agents),
    event: async ({ event }) => onEvent(event as unknown as LooseEvent),

    "chat.message": async (hookInput, output) => {
      const s = sessions.get(hookInput.sessionID);
      resolveRunner(s);
      const message = output.message as { agent?: string; model?: { providerID: string; modelID: string } };
      s.agent = message.agent ?? hookInput.agent ?? s.agent;
      const model = hookInput.model ?? message.model;
      if (model) s.model = { providerID: model.providerID, modelID: model.modelID };
    },

    // The task summary, first in the session's first user message, on every step of the primary
    // agent's loop (see primer.ts). Computed once, on the first turn, so the prompt prefix is stable.
    "experimental.chat.messages.transform": async (_hookInput, output) => {
      const messages = output.messages as unknown as LoopMessage[];
      const index = firstUserIndex(messages);
      const first = messages[index];
      const s = first ? sessions.peek(first.info.sessionID) : undefined;
      if (!first || !s) return;
      // The compaction transcript has its own task state (the compacting hook): never twice.
      if (s.transcriptNext) {
        s.transcriptNext = false;
        return;
      }
      // A runner's session has its task in its prompt and in the system block: no summary here.
      if (s.runner || kindOf(s) !== "primary") return;
      if (!s.primer) {
        const context = views.context(actorOf(s), roleOf(s.agent), BUDGET.firstMessage);
        s.primer = { messageID: first.info.id, text: `${FIRST_MESSAGE_HEADING}\n${context}` };
        // The title request forked on this step copies these messages when it gets to run: let it.
        if (expectsTitle(s, messages)) await titles.wait(s.id, TITLE_WAIT_MS);
      }
      // After a compaction the first message is gone from the model's view; so is the summary.
      if (s.primer.messageID === first.info.id) addPrimer(messages, index, s.primer.text);
    },

    "experimental.chat.system.transform": async (hookInput, output) => {
      if (!hookInput.sessionID) return;
      if (isTitleRequest(output.system)) titles.asked(hookInput.sessionID);
      if (isHiddenRequest(output.system)) return;
      const s = sessions.peek(hookInput.sessionID);
      if (!s || servedKind(s) !== "primary") return;
      const mode = s.runner ? modeOf(s) : undefined;
      if (mode?.kind === "runner") output.system.push(views.runnerContext(mode.actor, mode.taskId));
      else output.system.push(`${SYSTEM_HEADING}\n${views.context(actorOf(s), roleOf(s.agent), BUDGET.system)}`);
    },

    "tool.execute.after": async (hookInput, output) => {
      const s = sessions.peek(hookInput.sessionID);
      if (!s || servedKind(s) !== "primary" || typeof output.output !== "string") return;
      renewOnActivity(s);
      const line = views.reminder(actorOf(s));
      s.toolsSinceReminder++;
      if (!line || (line === s.lastReminder && s.toolsSinceReminder < settings.remindEvery)) return;
      s.lastReminder = line;
      s.toolsSinceReminder = 0;
      output.output += `\n\n${line}`;
    },

    "experimental.session.compacting": async (hookInput, output) => {
      const s = sessions.get(hookInput.sessionID);
      s.transcriptNext = true;
      if (servedKind(s) !== "primary") return;
      s.compacting = true;
      const mode = modeOf(s);
      const context =
        mode.kind === "runner"
          ? views.runnerContext(mode.actor, mode.taskId)
          : views.context(actorOf(s), roleOf(s.agent));
      output.context.push(`${COMPACTION_HEADING}\n${context}`);
    },

    "chat.params": async (hookInput, output) => {
      const s = sessions.get(hookInput.sessionID);
      const model = hookInput.model as {
        limit?: { context?: number; output?: number };
        capabilities?: { reasoning?: boolean };
        api?: { npm?: string };
      };
      const agent = (hookInput as { agent?: string }).agent;
      if (agent === "title") titles.asked(hookInput.sessionID);
      if (agent && !agents.get(agent)?.hidden && model.limit?.context)
        s.limit = { context: model.limit.context, output: model.limit.output ?? 0 };
      if (servedKind(s) !== "primary") return;
      const npm = (hookInput.provider?.info as { npm?: string } | undefined)?.npm ?? model.api?.npm;
      const options = views.heavy(actorOf(s)) ? thinkingOptions(npm, model.capabilities?.reasoning) : undefined;
      if (options) Object.assign(output.options, options);
    },

    // Every session's shell acts as that session: a primary one as its agent, any other as a
    // sub-agent, whose writes the exarp CLI refuses like the plugin's tools do.
    "shell.env": async (hookInput, output) => {
      output.env.EXARP_PROJECT_ROOT = root;
      if (!hookInput.sessionID) return;
      const s = sessions.get(hookInput.sessionID);
      resolveRunner(s);
      const actor = actorOf(s);
      output.env.EXARP_AGENT = actor.name;
      output.env.EXARP_SESSION = actor.session ?? s.id;
    },

    "command.execute.before": async (hookInput, output) => {
      const s = sessions.get(hookInput.sessionID);
      resolveRunner(s);
      const text = await runCommand(
        exarp,
        hookInput.command,
        hookInput.arguments,
        personAtKeyboard(),
        settings.busyRetryMs,
        async (max) =>
          modeRules(modeOf(s)).startRunner ? starter(max, hookInput.sessionID) : runnerText.noRunnerInRunner,
      );
      if (text !== undefined) output.parts.push({ type: "text", text } as (typeof output.parts)[number]);
    },

    dispose: async () => {
      stopDecisions();
      stopLeases();
      exarp.close();
    },
  };
}
