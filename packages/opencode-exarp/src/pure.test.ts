// The pure parts of the plugin, with plain inputs.
import { describe, expect, it } from "vitest";
import { registerCommands } from "./commands.ts";
import { errorText } from "./notify.ts";
import { partIdBefore } from "./plugin.ts";
import { reminderLine } from "./reminder.ts";
import { type AgentInfo, BUILTIN_AGENTS, classify, isHiddenRequest, roleOf } from "./sessions.ts";
import { isHeavy, thinkingOptions } from "./thinking.ts";
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
    expect(line).toMatch(/ \+\d+ more$/);
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
    registerCommands(config as never, ["exarp_claim", "exarp_status"], agents);
    expect(config.experimental).toEqual({ primary_tools: ["edit", "exarp_claim", "exarp_status"] });
    const agent = config.agent as Record<string, { permission?: Record<string, string> }>;
    expect(agent.reviewer?.permission).toEqual({ bash: "ask", exarp_claim: "deny", exarp_status: "deny" });
    expect(agent.general?.permission).toEqual({ exarp_claim: "deny", exarp_status: "deny" });
    expect(agent.build?.permission).toBeUndefined();
    const command = config.command as Record<string, { template: string }>;
    expect(command.tasks?.template).toBe("mine");
    expect(Object.keys(command).sort()).toEqual(["approve", "next", "tasks", "waves"]);
  });
});
