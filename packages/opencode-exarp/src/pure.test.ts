// The pure parts of the plugin, with plain inputs.
import { describe, expect, it } from "vitest";
import { registerCommands } from "./commands.ts";
import { sessionActor } from "./identity.ts";
import { errorText } from "./notify.ts";
import { addPrimer, firstUserIndex, type LoopMessage, partIdBefore } from "./primer.ts";
import { reminderLine } from "./reminder.ts";
import { type AgentInfo, BUILTIN_AGENTS, classify, isHiddenRequest, roleOf } from "./sessions.ts";
import { isHeavy, thinkingOptions } from "./thinking.ts";
import { createTitleWatch, expectsTitle, isTitleRequest } from "./title.ts";
import { opencodeTrigger, shouldCompact, usedTokens } from "./tokens.ts";

const agents = new Map<string, AgentInfo>(
  [...BUILTIN_AGENTS, { name: "reviewer", mode: "subagent" }].map((a) => [a.name, a]),
);

describe("session classification", () => {
  it("tells primary agents, sub-agents and hidden helpers apart, failing closed", () => {
    expect(classify({ agent: "build" }, agents)).toBe("primary");
    expect(classify({ agent: "plan" }, agents)).toBe("primary");
    expect(classify({ agent: "general" }, agents)).toBe("subagent");
    expect(classify({ agent: "reviewer" }, agents)).toBe("subagent");
    expect(classify({ agent: "build", parentID: "ses_parent" }, agents)).toBe("subagent");
    expect(classify({ agent: "title" }, agents)).toBe("hidden");
    expect(classify({ agent: "compaction" }, agents)).toBe("hidden");
    expect(classify({}, agents)).toBe("unknown");
    expect(classify({ agent: "my-custom-primary" }, agents)).toBe("primary");
  });

  it("recognises title and compaction requests by their system prompt", () => {
    expect(isHiddenRequest(["You are a title generator. You output ONLY a thread title."])).toBe(true);
    expect(isHiddenRequest(["You are a context summarization agent…"])).toBe(true);
    expect(isHiddenRequest(["You are opencode, an interactive CLI tool"])).toBe(false);
    expect(isHiddenRequest([])).toBe(false);
  });

  it("maps agents to context roles", () => {
    expect(roleOf("plan")).toBe("plan");
    expect(roleOf("code-reviewer")).toBe("review");
    expect(roleOf("build")).toBe("build");
    expect(roleOf(undefined)).toBe("build");
  });
});

describe("token maths", () => {
  it("uses the step total, else input + output + cache", () => {
    expect(usedTokens({ total: 5020, input: 3800, output: 15, cache: { read: 1200, write: 0 } })).toBe(5020);
    expect(usedTokens({ input: 3800, output: 15, cache: { read: 1200, write: 5 } })).toBe(5020);
  });

  it("knows OpenCode's own trigger, context − min(output, 32000)", () => {
    expect(opencodeTrigger({ context: 10_000, output: 2_000 })).toBe(8_000);
    expect(opencodeTrigger({ context: 200_000, output: 64_000 })).toBe(168_000);
  });

  it("compacts past 80 % only below OpenCode's trigger, never while compacting, never on unknown limits", () => {
    const limit = { context: 20_000, output: 2_000 };
    expect(shouldCompact(15_999, limit, 0.8, false)).toBe(false);
    expect(shouldCompact(16_000, limit, 0.8, false)).toBe(true);
    expect(shouldCompact(17_999, limit, 0.8, false)).toBe(true);
    expect(shouldCompact(18_000, limit, 0.8, false)).toBe(false);
    expect(shouldCompact(17_000, limit, 0.8, true)).toBe(false);
    expect(shouldCompact(17_000, undefined, 0.8, false)).toBe(false);
    expect(shouldCompact(undefined, limit, 0.8, false)).toBe(false);
    expect(shouldCompact(17_000, limit, 0, false)).toBe(false);
    expect(shouldCompact(9_000, { context: 10_000, output: 2_000 }, 0.8, false)).toBe(false);
  });
});

describe("thinking budget", () => {
  it("raises effort only for heavy tasks on providers whose option shape is known", () => {
    expect(isHeavy({ priority: "critical", tags: [] })).toBe(true);
    expect(isHeavy({ priority: "low", tags: ["complex"] })).toBe(true);
    expect(isHeavy({ priority: "high", tags: ["api"] })).toBe(false);
    expect(thinkingOptions("@ai-sdk/anthropic", true)).toEqual({ thinking: { type: "enabled", budgetTokens: 16_000 } });
    expect(thinkingOptions("@ai-sdk/openai", true)).toEqual({ reasoningEffort: "high" });
    expect(thinkingOptions("@ai-sdk/google", true)).toEqual({ thinkingConfig: { thinkingBudget: 16_384 } });
    expect(thinkingOptions("@ai-sdk/openai-compatible", true)).toBeUndefined();
    expect(thinkingOptions("@ai-sdk/anthropic", false)).toBeUndefined();
    expect(thinkingOptions(undefined, true)).toBeUndefined();
  });
});

describe("reminder line", () => {
  it("names the session's tasks within its budget", () => {
    expect(reminderLine([])).toBeUndefined();
    expect(reminderLine([{ id: "T-a", title: "Fix it", priority: "high", status: "in_progress" }])).toBe(
      '[exarp] your tasks: T-a "Fix it" in progress',
    );
    const many = Array.from({ length: 40 }, (_, i) => ({
      id: `T-${i}`,
      title: "x".repeat(60),
      priority: "low",
      status: "in_progress" as const,
    }));
    const line = reminderLine(many) as string;
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(240);
    const shown = line.split(" · ").length;
    expect(line).toMatch(new RegExp(` \\+${40 - shown} more$`));
  });

  it("neutralises what it names", () => {
    const line = reminderLine([
      { id: "T-a", title: "evil\u001b]0;title\u0007\nnext", priority: "low", status: "todo" },
    ]);
    expect(line).toBe('[exarp] your tasks: T-a "evil\\x1b]0;title\\x07 next" todo');
  });
});

describe("identities", () => {
  it("gives primary sessions their agent and every other session a sub-agent identity", () => {
    expect(sessionActor("primary", "build", "ses_1")).toEqual({ name: "agent:build", session: "ses_1" });
    expect(sessionActor("subagent", "general", "ses_2")).toEqual({ name: "subagent:general", session: "ses_2" });
    expect(sessionActor("unknown", undefined, "ses_3")).toEqual({ name: "subagent:unknown", session: "ses_3" });
    expect(sessionActor("hidden", "title", "ses_4")).toEqual({ name: "subagent:title", session: "ses_4" });
  });
});

describe("the session's task summary", () => {
  const message = (
    id: string,
    role: string,
    parts: string[],
  ): LoopMessage & { parts: { id: string; type: string; text: string }[] } => ({
    info: { id, sessionID: "ses_1", role },
    parts: parts.map((text, i) => ({ id: `prt_0a1b2c3d4e5${i}ABCDEFGHIJKLMN`, type: "text", text })),
  });

  it("goes first in the first user message, without touching the objects OpenCode shares", () => {
    const user = message("msg_1", "user", ["hello"]);
    const reply = message("msg_2", "assistant", ["hi"]);
    const later = message("msg_3", "user", ["more"]);
    const messages = [user, reply, later];
    const shared = [...messages];
    const index = firstUserIndex(messages);
    addPrimer(messages, index, "SUMMARY");
    expect(index).toBe(0);
    expect(messages[0]).not.toBe(user);
    expect(messages[0]?.parts.map((p) => (p as { text?: string }).text)).toEqual(["SUMMARY", "hello"]);
    expect(messages[0]?.parts[0]).toMatchObject({
      type: "text",
      synthetic: true,
      messageID: "msg_1",
      sessionID: "ses_1",
    });
    expect(user.parts.map((p) => (p as { text?: string }).text)).toEqual(["hello"]);
    expect(messages.slice(1)).toEqual(shared.slice(1));
    expect(shared[0]).toBe(user);
  });

  it("finds no user message in a step that has none", () => {
    expect(firstUserIndex([message("msg_2", "assistant", ["hi"])])).toBe(-1);
  });
});

describe("title requests", () => {
  const user = (id: string, synthetic = false) => ({
    info: { id, sessionID: "ses_1", role: "user" },
    parts: [{ type: "text", synthetic }],
  });
  const reply = { info: { id: "msg_r", sessionID: "ses_1", role: "assistant" }, parts: [{ type: "text" }] };

  it("are expected where OpenCode asks for one: untitled top-level sessions on their first real message", () => {
    const untitled = { title: "New session - 2026-12-01T11:13:43.083Z" };
    expect(expectsTitle(untitled, [user("a")])).toBe(true);
    expect(expectsTitle({}, [user("a")])).toBe(true);
    expect(expectsTitle(untitled, [user("n", true), user("a")])).toBe(true);
    expect(expectsTitle(untitled, [user("a"), reply, user("b")])).toBe(false);
    expect(expectsTitle({ title: "my work" }, [user("a")])).toBe(false);
    expect(expectsTitle({ ...untitled, parentID: "ses_0" }, [user("a")])).toBe(false);
    expect(isTitleRequest(["You are a title generator. You output ONLY a thread title."])).toBe(true);
    expect(isTitleRequest(["You are opencode"])).toBe(false);
  });

  it("are waited for until one is made, or no longer than the bound", async () => {
    const titles = createTitleWatch();
    let woke = false;
    const waiting = titles.wait("ses_1", 10_000).then(() => {
      woke = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(woke).toBe(false);
    titles.asked("ses_1");
    await waiting;
    expect(woke).toBe(true);
    const started = Date.now();
    await titles.wait("ses_1", 10_000);
    await titles.wait("ses_2", 30);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe("odds and ends", () => {
  it("makes a part id that sorts before the first part", () => {
    const first = "prt_0a1b2c3d4e5fABCDEFGHIJKLMN";
    const before = partIdBefore(first);
    expect(before < first).toBe(true);
    expect(before).toMatch(/^prt_[0-9a-f]{12}.{14}$/);
  });

  it("prints the real error text, never [object Object]", () => {
    expect(errorText({ name: "APIError", data: { message: "mock model failed", statusCode: 500 } })).toBe(
      "mock model failed (HTTP 500)",
    );
    expect(errorText({ name: "ProviderAuthError", data: {} })).toBe("ProviderAuthError");
    expect(errorText(new Error("boom"))).toBe("boom");
    expect(errorText(undefined)).toBe("unknown error");
  });

  it("registers primary_tools, sub-agent denials and slash commands without clobbering the user's config", () => {
    const config = {
      experimental: { primary_tools: ["edit"] },
      agent: { reviewer: { mode: "subagent", permission: { bash: "ask" } }, build: { mode: "primary" } },
      command: { tasks: { template: "mine", description: "user's own" } },
    } as Record<string, unknown>;
    registerCommands(config as never, ["exarp_lease", "exarp_move"], agents);
    expect(config.experimental).toEqual({ primary_tools: ["edit", "exarp_lease", "exarp_move"] });
    const agent = config.agent as Record<string, { permission?: Record<string, string> }>;
    expect(agent.reviewer?.permission).toEqual({ bash: "ask", exarp_lease: "deny", exarp_move: "deny" });
    expect(agent.general?.permission).toEqual({ exarp_lease: "deny", exarp_move: "deny" });
    expect(agent.build?.permission).toBeUndefined();
    const command = config.command as Record<string, { template: string }>;
    expect(command.tasks?.template).toBe("mine");
    expect(Object.keys(command).sort()).toEqual(["approve", "next", "run", "tasks", "waves"]);
  });
});
