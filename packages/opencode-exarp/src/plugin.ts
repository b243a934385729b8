import { userInfo } from "node:os";
import type { Hooks, Plugin, PluginInput } from "@opencode-ai/plugin";
import type { ContextRole, Exarp } from "exarp";
import { registerCommands, runCommand } from "./commands.ts";
import { createNotifier, errorText, type Target, withTimeout } from "./notify.ts";
import { openExarpProject } from "./project.ts";
import { reminderLine } from "./reminder.ts";
import {
  type AgentInfo,
  BUILTIN_AGENTS,
  classify,
  createSessions,
  isHiddenRequest,
  roleOf,
  type SessionState,
} from "./sessions.ts";
import { decisionNote, FIRST_MESSAGE_HEADING, followUpPrompt, leaseNote, SYSTEM_HEADING } from "./text.ts";
import { isHeavy, thinkingOptions } from "./thinking.ts";
import { type StepTokens, shouldCompact, usedTokens } from "./tokens.ts";
import { createTools, MUTATING_TOOLS } from "./tools.ts";

/** Plugin settings, from the environment (so tests and users can tune them without code). */
const settings = {
  compactAt: Number(process.env.EXARP_COMPACT_AT ?? "0.8"),
  followUp: process.env.EXARP_FOLLOW_UP !== "0",
  remindEvery: 8,
  leaseCheckMs: Number(process.env.EXARP_LEASE_CHECK_MS ?? "30000"),
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

/** The exarp plugin: task context per agent, task tools, leases and approvals, all in-process. */
export const ExarpPlugin: Plugin = async (input: PluginInput) => {
  const log = (message: string) => {
    withTimeout(input.client.app.log({ body: { service: "exarp", level: "warn", message } })).catch(() => undefined);
  };
  const project = openExarpProject(input.directory, log);
  const exarp: Exarp | undefined = project?.exarp;
  const sessions = createSessions();
  const agents = new Map<string, AgentInfo>(BUILTIN_AGENTS.map((a) => [a.name, a]));
  const notifier = createNotifier(input.client, input.$, log);
  const tokens = new Map<string, number>();
  withTimeout(input.client.app.agents())
    .then((r) => {
      for (const a of (r.data ?? []) as AgentInfo[]) agents.set(a.name, a);
    })
    .catch(() => log("could not list agents; using the built-in table"));
  log(project ? `exarp plugin ready on ${project.root}` : "exarp plugin idle: no .exarp/ project here");

  const kindOf = (s: SessionState) => classify(s, agents);
  const actorOf = (sessionID: string, agent: string) => ({ name: `agent:${agent}`, session: sessionID });
  const targetOf = (s: SessionState): Target | undefined =>
    s.agent && s.model ? { sessionID: s.id, agent: s.agent, model: s.model } : undefined;

  // Answers are computed once per log position and served from memory: a hook whose answer did not
  // change costs one data_version check, not a query. (Lease expiry is turned into events by the sweep,
  // so the log position is an exact key.)
  const cache = new Map<string, { head: number; value: unknown }>();
  const cached = <T>(x: Exarp, key: string, compute: () => T): T => {
    const head = x.feed.head();
    const hit = cache.get(key);
    if (hit?.head === head) return hit.value as T;
    const value = compute();
    cache.set(key, { head: x.feed.head(), value });
    return value;
  };
  const acting = (x: Exarp, s: SessionState) => x.as(actorOf(s.id, s.agent ?? "unknown"));
  const contextFor = (x: Exarp, s: SessionState, budget?: number): string => {
    const role: ContextRole = roleOf(s.agent);
    return cached(x, `${s.id}|context|${role}|${budget ?? ""}`, () => acting(x, s).context.render({ role, budget }));
  };
  const mineFor = (x: Exarp, s: SessionState) =>
    cached(x, `${s.id}|mine`, () => acting(x, s).context.data({ ready: 0 }).mine);
  const heavyFor = (x: Exarp, s: SessionState) =>
    cached(x, `${s.id}|heavy`, () =>
      acting(x, s)
        .leases.mine()
        .some((l) => isHeavy(x.tasks.find(l.taskId))),
    );
  /** Activity renews the session's leases; checking twice a minute is plenty for a 15-minute lease. */
  const renewOnActivity = (x: Exarp, s: SessionState) => {
    if (Date.now() - s.touchedAt < 30_000) return;
    s.touchedAt = Date.now();
    acting(x, s).leases.touch();
  };

  if (exarp) {
    exarp.bus.subscribe("approval.decided", (m) => {
      const request = exarp.store.approval(m.payload.requestId);
      const s = request?.requestedSession ? sessions.peek(request.requestedSession) : undefined;
      const target = s && kindOf(s) === "primary" ? targetOf(s) : undefined;
      if (!target) return;
      notifier.note(target, decisionNote(m.payload.taskId, m.payload.outcome, m.actor, m.payload.reason ?? null));
      notifier.alert(
        `${m.payload.taskId} ${m.payload.outcome} by ${m.actor}`,
        m.payload.outcome === "approved" ? "success" : "warning",
      );
    });
  }
  const leaseWatch = setInterval(() => {
    if (!exarp) return;
    for (const s of sessions.all()) {
      const target = kindOf(s) === "primary" ? targetOf(s) : undefined;
      if (!target) continue;
      for (const lease of exarp.as(actorOf(s.id, s.agent ?? "")).leases.mine()) {
        const left = lease.expiresAt - Date.now();
        if (left > 2 * 60_000 || s.warned.has(lease.token)) continue;
        s.warned.add(lease.token);
        notifier.note(target, leaseNote(lease.taskId, Math.max(1, Math.round(left / 60_000))));
      }
    }
  }, settings.leaseCheckMs);
  leaseWatch.unref?.();

  const tools = createTools({
    exarp: () => exarp,
    actorOf,
    isSubagent: (sessionID, agent) => {
      const s = sessions.get(sessionID);
      s.agent ??= agent;
      return classify({ parentID: s.parentID, agent }, agents) !== "primary";
    },
    finished: (sessionID, taskId) => {
      sessions.get(sessionID).finished = taskId;
    },
    tokens,
  });

  const onEvent = (event: LooseEvent) => {
    const p = event.properties;
    const info = p.info ?? {};
    switch (event.type) {
      case "session.created":
      case "session.updated": {
        const s = sessions.get(String(info.id));
        if (typeof info.parentID === "string") s.parentID = info.parentID;
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
      case "session.compacted":
        sessions.get(String(p.sessionID)).compacting = false;
        return;
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

  const onIdle = (s: SessionState) => {
    const target = targetOf(s);
    if (!exarp || !target || kindOf(s) !== "primary") return;
    if (shouldCompact(s.tokens, s.limit, settings.compactAt, s.compacting)) {
      s.compacting = true;
      withTimeout(input.client.session.summarize({ path: { id: s.id }, body: target.model }), 120_000).catch((e) => {
        s.compacting = false;
        log(`compaction request failed: ${errorText(e)}`);
      });
      return;
    }
    if (s.finished && settings.followUp) {
      const finished = s.finished;
      s.finished = undefined;
      const next = exarp.as(actorOf(s.id, target.agent)).graph.next();
      if (next) notifier.prompt(target, followUpPrompt(finished, next));
    }
  };

  const hooks: Hooks = {
    tool: tools,
    config: async (config) => registerCommands(config, MUTATING_TOOLS, agents),
    event: async ({ event }) => onEvent(event as unknown as LooseEvent),

    "chat.message": async (hookInput, output) => {
      const s = sessions.get(hookInput.sessionID);
      const message = output.message as { agent?: string; model?: { providerID: string; modelID: string } };
      s.agent = message.agent ?? hookInput.agent ?? s.agent;
      const model = hookInput.model ?? message.model;
      if (model) s.model = { providerID: model.providerID, modelID: model.modelID };
      if (!exarp || s.primed || kindOf(s) !== "primary") return;
      s.primed = true;
      const first = output.parts[0] as { id?: string } | undefined;
      output.parts.unshift({
        ...(first?.id?.startsWith("prt_") ? { id: partIdBefore(first.id) } : {}),
        sessionID: output.message.sessionID,
        messageID: output.message.id,
        type: "text",
        synthetic: true,
        text: `${FIRST_MESSAGE_HEADING}\n${contextFor(exarp, s, BUDGET.firstMessage)}`,
      } as (typeof output.parts)[number]);
    },

    "experimental.chat.system.transform": async (hookInput, output) => {
      if (!exarp || !hookInput.sessionID || isHiddenRequest(output.system)) return;
      const s = sessions.peek(hookInput.sessionID);
      if (!s || kindOf(s) !== "primary") return;
      output.system.push(`${SYSTEM_HEADING}\n${contextFor(exarp, s, BUDGET.system)}`);
    },

    "tool.execute.after": async (hookInput, output) => {
      const s = sessions.peek(hookInput.sessionID);
      if (!exarp || !s || kindOf(s) !== "primary" || typeof output.output !== "string") return;
      renewOnActivity(exarp, s);
      const line = reminderLine(mineFor(exarp, s));
      s.toolsSinceReminder++;
      if (!line || (line === s.lastReminder && s.toolsSinceReminder < settings.remindEvery)) return;
      s.lastReminder = line;
      s.toolsSinceReminder = 0;
      output.output += `\n\n${line}`;
    },

    "experimental.session.compacting": async (hookInput, output) => {
      const s = sessions.peek(hookInput.sessionID);
      if (!exarp || !s || kindOf(s) !== "primary") return;
      s.compacting = true;
      output.context.push(`Task state to keep after compaction (from exarp):\n${contextFor(exarp, s)}`);
    },

    "chat.params": async (hookInput, output) => {
      const s = sessions.get(hookInput.sessionID);
      const model = hookInput.model as {
        limit?: { context?: number; output?: number };
        capabilities?: { reasoning?: boolean };
        api?: { npm?: string };
      };
      const agent = (hookInput as { agent?: string }).agent;
      if (agent && !agents.get(agent)?.hidden && model.limit?.context)
        s.limit = { context: model.limit.context, output: model.limit.output ?? 0 };
      if (!exarp || kindOf(s) !== "primary") return;
      const npm = (hookInput.provider?.info as { npm?: string } | undefined)?.npm ?? model.api?.npm;
      const options = heavyFor(exarp, s) ? thinkingOptions(npm, model.capabilities?.reasoning) : undefined;
      if (options) Object.assign(output.options, options);
    },

    "shell.env": async (hookInput, output) => {
      const s = sessions.peek(hookInput.sessionID ?? "");
      if (project) output.env.EXARP_PROJECT_ROOT = project.root;
      if (s?.agent && kindOf(s) === "primary") {
        output.env.EXARP_AGENT = `agent:${s.agent}`;
        output.env.EXARP_SESSION = s.id;
      }
    },

    "command.execute.before": async (hookInput, output) => {
      if (!exarp) return;
      const text = runCommand(exarp, hookInput.command, hookInput.arguments, `user:${userInfo().username}`);
      if (text !== undefined) output.parts.push({ type: "text", text } as (typeof output.parts)[number]);
    },

    dispose: async () => {
      clearInterval(leaseWatch);
      exarp?.close();
    },
  };
  return hooks;
};

/** A part id that sorts just before `id` (parts are ordered by id; OpenCode ids are `prt_` + 12 hex + 14 base62). */
export function partIdBefore(id: string): string {
  const hex = (BigInt(`0x${id.slice(4, 16)}`) - 1n).toString(16).padStart(12, "0");
  return `prt_${hex}exarpSynthetic`;
}
