import type { RunnerTaskState } from "exarp";

/** What a session is, as far as task context goes: only primary sessions get it. */
export type SessionKind = "primary" | "subagent" | "hidden" | "unknown";

/** An agent as `client.app.agents()` describes it. */
export type AgentInfo = { name: string; mode: "primary" | "subagent" | "all" | string; hidden?: boolean };

/** What the plugin learns about one session from hooks and events. */
export type SessionState = {
  id: string;
  parentID?: string;
  /** The session's title, from its events (an untitled session gets a generated one). */
  title?: string;
  /** The resolved agent (`output.message.agent` of chat.message, or the assistant message's agent). */
  agent?: string;
  model?: { providerID: string; modelID: string };
  /**
   * The task summary shown first in the session's first user message, computed once (on the first
   * turn) so the prompt prefix stays the same, turn after turn; never stored in the session.
   */
  primer?: { messageID: string; text: string };
  /** The compaction hook ran: the next messages transform is the compaction transcript's. */
  transcriptNext: boolean;
  /** Tokens of the last finished step (input + output + cache reads when no total is given). */
  tokens?: number;
  limit?: { context: number; output: number };
  lastReminder?: string;
  toolsSinceReminder: number;
  compacting: boolean;
  /** A task this session moved to review or done since it last went idle (follow-up offer). */
  finished?: string;
  /** Leases already warned about (token), so a warning is sent once. */
  warned: Set<number>;
  /** When activity last renewed the session's leases (ms). */
  touchedAt: number;
  /**
   * The runner task this session works, asked once at its first prompt (`runs.sessionOf`): null when
   * it is not a runner's, undefined until asked. See runner-mode.ts.
   */
  runner?: RunnerTaskState | null;
};

/** Agents OpenCode 1.18 ships, used until `app.agents()` answers (and when it cannot). */
export const BUILTIN_AGENTS: AgentInfo[] = [
  { name: "build", mode: "primary" },
  { name: "plan", mode: "primary" },
  { name: "general", mode: "subagent" },
  { name: "explore", mode: "subagent" },
  { name: "compaction", mode: "primary", hidden: true },
  { name: "summary", mode: "primary", hidden: true },
  { name: "title", mode: "primary", hidden: true },
];

/**
 * Primary, sub-agent or hidden helper. A session with a parent is a sub-agent whatever its agent; a
 * session whose agent is unknown is "unknown" and gets nothing (fail closed).
 */
export function classify(
  state: Pick<SessionState, "parentID" | "agent">,
  agents: ReadonlyMap<string, AgentInfo>,
): SessionKind {
  if (state.parentID) return "subagent";
  if (!state.agent) return "unknown";
  const info = agents.get(state.agent);
  if (!info) return "primary";
  if (info.hidden) return "hidden";
  return info.mode === "subagent" ? "subagent" : "primary";
}

/** The context role of an agent: plan agents plan, review agents review, everyone else builds. */
export function roleOf(agent: string | undefined): "build" | "plan" | "review" {
  if (!agent) return "build";
  if (agent === "plan" || agent.includes("plan")) return "plan";
  if (agent.includes("review")) return "review";
  return "build";
}

/**
 * Requests that are not the agent's own turn: title generation and compaction (summaries) share the
 * session id but have their own system prompt. `system.transform` has no agent field, so the text decides.
 */
const HIDDEN_PROMPTS = [/^You are a title generator/, /^You are a context summarization agent/, /^Summarize /];

export function isHiddenRequest(system: readonly string[]): boolean {
  const first = system[0] ?? "";
  return HIDDEN_PROMPTS.some((p) => p.test(first));
}

/** A registry of sessions, created on first sight. */
export function createSessions() {
  const map = new Map<string, SessionState>();
  return {
    get(id: string): SessionState {
      let s = map.get(id);
      if (!s) {
        s = { id, transcriptNext: false, toolsSinceReminder: 0, compacting: false, warned: new Set(), touchedAt: 0 };
        map.set(id, s);
      }
      return s;
    },
    peek: (id: string) => map.get(id),
    all: () => map.values(),
  };
}

export type Sessions = ReturnType<typeof createSessions>;
