// Bad arguments of every tool — not an object, missing, wrong types, unknown keys, oversized, unsafe
// characters, numbers past their limits, a person in `as` — are `isError` results naming each
// problem, and change nothing; numbers at their limits are accepted. Only a call of a tool that does
// not exist (or of no tool) is a protocol error. Runs under Node and Bun.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testExarp } from "../../test/support/exarp.ts";
import { type Args, connectMcp } from "../../test/support/mcp.ts";
import { firstUnsafe } from "../text/safe.ts";
import { type ActionSpec, checkArguments, MAX_ARGUMENTS_CHARS } from "./arguments.ts";
import { REFUSAL_TEXT } from "./prompts.ts";
import { TOOLS } from "./server.ts";

const A = { agent: "agent:a", session: "s1" };
const long = (n: number) => "x".repeat(n);
const DAY = 24 * 60 * 60_000;

let t: ReturnType<typeof testExarp>;
let mcp: Awaited<ReturnType<typeof connectMcp>>;
/** A task in progress leased to A, and one in review asked for by A. */
let work: string;
let review: string;

beforeAll(async () => {
  t = testExarp();
  mcp = await connectMcp(t.exarp);
  const a = t.exarp.as({ name: A.agent, session: A.session });
  work = t.exarp.tasks.create({ title: "work" }).id;
  review = t.exarp.tasks.create({ title: "review" }).id;
  a.leases.claim({ taskId: work });
  a.leases.claim({ taskId: review });
  a.tasks.setStatus({ id: review, to: "review" });
});
afterAll(async () => {
  await mcp.close();
  t.exarp.close();
});

/** Everything a call could change: the log's head, and the audit trail mirrored from it. */
const state = () => ({ head: t.exarp.store.maxSeq(), audit: t.exarp.auditTrail().length });

/** A valid call of each tool (a write for the writing tools), which each case below spoils one way. */
const base: Record<string, () => Args> = {
  tasks: () => ({ action: "list" }),
  task_write: () => ({ action: "comment", id: work, body: "x", as: A }),
  task_status: () => ({ id: work, to: "blocked", as: A }),
  claim: () => ({ action: "renew", taskId: work, as: A }),
  plan: () => ({}),
  approval: () => ({ action: "request", taskId: review, timeoutMs: 1, as: A }),
  history: () => ({ action: "list" }),
  prime: () => ({}),
};
const names = TOOLS.map((tool) => tool.name);
const takesAs = names.filter((name) => name !== "plan");

type Case = [label: string, tool: string, args: () => unknown, says: string];

/** The same spoilt arguments for every tool. */
const everyTool: Case[] = names.flatMap((name): Case[] => [
  ["arguments null", name, () => null, "arguments must be an object of named values, not null"],
  ["arguments an array", name, () => [base[name]?.()], "not an array"],
  ["arguments a string", name, () => "list", "not a string"],
  ["arguments a number", name, () => 42, "not the number 42"],
  ["arguments true", name, () => true, "not true"],
  ["an unknown key", name, () => ({ ...base[name]?.(), owner: "me" }), "unknown argument owner; the arguments are"],
  ["a huge unknown key", name, () => ({ ...base[name]?.(), [long(100_000)]: 1 }), "unknown argument xxxx"],
  [
    "arguments over the size limit",
    name,
    () => ({ ...base[name]?.(), pad: long(MAX_ARGUMENTS_CHARS) }),
    `arguments are longer than ${MAX_ARGUMENTS_CHARS} characters`,
  ],
]);

/** The same spoilt `as` for every tool that takes one. */
const everyAs: Case[] = takesAs.flatMap((name): Case[] => {
  const as = (value: unknown) => () => ({ ...base[name]?.(), as: value });
  return [
    ["`as` naming a person", name, as({ agent: "user:ana" }), `as.agent: ${REFUSAL_TEXT.personAs}`],
    ["`as` naming a person with a session", name, as({ agent: "user:ana", session: "s" }), "names a person"],
    ["`as` a string", name, as("agent:a"), "as: must be an object, not a string"],
    ["`as` null", name, as(null), "as: must be an object, not null"],
    ["`as` without agent", name, as({ session: "s" }), "as.agent: is required"],
    ["empty `as` agent", name, as({ agent: " " }), "as.agent: identity is empty"],
    ["`as` agent too long", name, as({ agent: `agent:${long(95)}` }), "identity is longer than 100 characters"],
    ["`as` agent with an escape", name, as({ agent: "agent:\u001b[2J" }), "identity contains a control character"],
    ["`as` agent with a bidi override", name, as({ agent: "agent:\u202eb" }), "a bidirectional control character"],
    ["`as` agent with a newline", name, as({ agent: "agent:a\nb" }), "identity contains a line break"],
    ["`as` session with a control", name, as({ agent: "agent:a", session: "s\u0007" }), "session contains a control"],
    ["`as` session too long", name, as({ agent: "agent:a", session: long(101) }), "session is longer than 100"],
    ["unknown key in `as`", name, as({ agent: "agent:a", name: "x" }), "as: unknown argument name"],
  ];
});

/** A create with `extra` (values known when the module loads: not the fixture's ids). */
const create = (extra: Args) => () => ({ action: "create", title: "x", ...extra });

const specific: Case[] = [
  ["no action", "tasks", () => ({}), "action: is required: one of list, show, ready, next"],
  ["unknown action", "tasks", () => ({ action: "delete" }), "action: must be one of list, show, ready, next"],
  ["show without id", "tasks", () => ({ action: "show" }), "action show needs id"],
  ["a field the action does not take", "tasks", () => ({ action: "show", id: work, limit: 5 }), "does not take limit"],
  ["limit as a string", "tasks", () => ({ action: "list", limit: "10" }), "limit: must be a number, not a string"],
  ["limit zero", "tasks", () => ({ action: "ready", limit: 0 }), "limit: must be at least 1"],
  ["limit past its maximum", "tasks", () => ({ action: "list", limit: 100_001 }), "limit: must be at most 100000"],
  ["limit fractional", "tasks", () => ({ action: "list", limit: 1.5 }), "must be a whole number, not the number 1.5"],
  ["limit past the safe integers", "tasks", () => ({ action: "list", limit: 1e20 }), "limit: must be at most 100000"],
  ["unknown status", "tasks", () => ({ action: "list", status: ["finished"] }), "status.0: must be one of todo"],
  ["status as a string", "tasks", () => ({ action: "list", status: "todo" }), "status: must be an array"],
  ["oversized text filter", "tasks", () => ({ action: "list", text: long(100_000) }), "text is longer than 500"],
  ["text filter with an escape", "tasks", () => ({ action: "list", text: "\u001b]0;x\u0007" }), "text contains"],
  ["filter tag with a bidi isolate", "tasks", () => ({ action: "list", tags: ["a\u2066b"] }), "tag contains a bid"],
  ["malformed id", "tasks", () => ({ action: "show", id: "bad id!" }), "task id may contain only"],
  ["create without title", "task_write", () => ({ action: "create" }), "action create needs title"],
  ["empty title", "task_write", create({ title: "  " }), "title is empty"],
  ["title past its limit", "task_write", create({ title: long(501) }), "title is longer than 500"],
  ["huge title", "task_write", create({ title: long(200_000) }), "title is longer than 500"],
  ["title with an escape", "task_write", create({ title: "\u001b[31mred" }), "title contains a control character"],
  ["title with a bidi override", "task_write", create({ title: "abc\u202edef" }), "title contains a bidirectional"],
  ["title with a newline", "task_write", create({ title: "one\ntwo" }), "title contains a line break"],
  ["title with a C1 control", "task_write", create({ title: "a\u009bb" }), "title contains a control character"],
  ["description past its limit", "task_write", create({ description: long(64_001) }), "longer than 64000"],
  ["description with an escape", "task_write", create({ description: "ok\n\u001b[2J" }), "description contains"],
  ["tags as a string", "task_write", create({ tags: "api" }), "tags: must be an array, not a string"],
  ["too many tags", "task_write", create({ tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }), "more than 32 tags"],
  ["tag past its limit", "task_write", create({ tags: [long(41)] }), "tag is longer than 40"],
  ["tag with a bell", "task_write", create({ tags: ["a\u0007"] }), "tag contains a control character"],
  ["tag with a bidi override", "task_write", create({ tags: ["\u202eapi"] }), "tag contains a bidirectional"],
  ["assignee with an escape", "task_write", create({ assignee: "agent:\u001bx" }), "assignee contains a control"],
  ["fractional estimate", "task_write", create({ estimate: 1.5 }), "whole minutes"],
  ["negative estimate", "task_write", create({ estimate: -1 }), "estimate must be 0 or more minutes"],
  ["estimate past its limit", "task_write", create({ estimate: 1_000_001 }), "at most 1,000,000 minutes"],
  [
    "too many dependencies",
    "task_write",
    () => ({ action: "create", title: "x", dependsOn: Array(201).fill(work) }),
    "more than 200 dependencies",
  ],
  ["edit without id", "task_write", () => ({ action: "edit", title: "x" }), "action edit needs id"],
  ["lease token below 1", "task_write", () => ({ action: "edit", id: work, title: "x", lease: 0 }), "lease"],
  ["version below 1", "task_write", () => ({ action: "edit", id: work, expectedVersion: 0 }), "expectedVersion"],
  ["comment without body", "task_write", () => ({ action: "comment", id: work }), "needs body"],
  ["oversized comment", "task_write", () => ({ action: "comment", id: work, body: long(64_001) }), "longer than"],
  [
    "comment with an escape",
    "task_write",
    () => ({ action: "comment", id: work, body: "\u001bc" }),
    "comment contains",
  ],
  ["depend without blocker", "task_write", () => ({ action: "depend", id: work }), "needs blockerId"],
  ["create takes no id", "task_write", () => ({ action: "create", title: "x", id: work }), "does not take id"],
  ["no id or target status", "task_status", () => ({}), "id: is required; to: is required"],
  ["unknown status", "task_status", () => ({ id: work, to: "finished" }), "to: must be one of todo"],
  ["id as a number", "task_status", () => ({ id: 42, to: "todo" }), "id: must be a string, not the number 42"],
  ["reason past its limit", "task_status", () => ({ id: work, to: "blocked", reason: long(2001) }), "reason"],
  ["reason with an escape", "task_status", () => ({ id: work, to: "blocked", reason: "\u001b" }), "reason contains"],
  ["renew without taskId", "claim", () => ({ action: "renew" }), "action renew needs taskId"],
  ["ttl under a second", "claim", () => ({ action: "claim", taskId: work, ttlMs: 999 }), "at least 1 s"],
  ["ttl past a day", "claim", () => ({ action: "claim", taskId: work, ttlMs: DAY + 1 }), "ttl must be at most 24 h"],
  ["ttl as a string", "claim", () => ({ action: "renew", taskId: work, ttlMs: "600" }), "ttlMs"],
  ["taskId and can together", "claim", () => ({ action: "claim", taskId: work, can: ["db"] }), "not both"],
  ["force as a string", "claim", () => ({ action: "release", taskId: work, force: "yes" }), "force"],
  ["cap zero", "plan", () => ({ cap: 0 }), "cap: must be at least 1"],
  ["cap past its limit", "plan", () => ({ cap: 10_001 }), "cap: must be at most 10000"],
  ["cap as a string", "plan", () => ({ cap: "2" }), "cap"],
  ["`as` on plan, which acts for nobody", "plan", () => ({ as: A }), "unknown argument as"],
  ["approve: a person's decision", "approval", () => ({ action: "approve", taskId: review }), REFUSAL_TEXT.decide],
  ["deny: a person's decision", "approval", () => ({ action: "deny", taskId: review, reason: "x" }), "exarp deny"],
  ["request without taskId", "approval", () => ({ action: "request" }), "action request needs taskId"],
  ["list takes no taskId", "approval", () => ({ action: "list", taskId: review }), "does not take taskId"],
  ["wait of zero", "approval", () => ({ action: "request", taskId: review, timeoutMs: 0 }), "at least 1 ms"],
  ["wait past a week", "approval", () => ({ action: "request", taskId: review, timeoutMs: 7 * DAY + 1 }), "7 days"],
  ["negative cursor", "history", () => ({ action: "list", after: -1 }), "after: must be at least 0"],
  ["history limit past its maximum", "history", () => ({ action: "list", limit: 100_001 }), "at most 100000"],
  ["seq zero", "history", () => ({ action: "undo", seq: 0 }), "seq: must be at least 1"],
  ["seq as a string", "history", () => ({ action: "undo", seq: "last" }), "seq: must be a number"],
  ["list takes no seq", "history", () => ({ action: "list", seq: 3 }), "does not take seq"],
  ["unknown role", "prime", () => ({ role: "boss" }), "role: must be one of build, plan, review"],
  ["budget too small", "prime", () => ({ budget: 255 }), "budget: must be at least 256"],
  ["budget too large", "prime", () => ({ budget: 64_001 }), "budget: must be at most 64000"],
  ["ready past its limit", "prime", () => ({ ready: 51 }), "ready: must be at most 50"],
];

// Well-formed, but about things that do not exist: a refusal (`isError`) naming what is missing.
const unknown: [label: string, tool: string, args: () => Args, says: string][] = [
  ["show an unknown task", "tasks", () => ({ action: "show", id: "T-none" }), "task T-none not found"],
  ["edit an unknown task", "task_write", () => ({ action: "edit", id: "T-none", title: "x" }), "T-none not found"],
  ["create depending on an unknown task", "task_write", create({ dependsOn: ["T-none"] }), "T-none not found"],
  ["comment on an unknown task", "task_write", () => ({ action: "comment", id: "T-none", body: "x" }), "not found"],
  [
    "depend on an unknown task",
    "task_write",
    () => ({ action: "depend", id: work, blockerId: "T-none", as: A }),
    "T-none",
  ],
  ["move an unknown task", "task_status", () => ({ id: "T-none", to: "in_progress" }), "T-none not found"],
  ["claim an unknown task", "claim", () => ({ action: "claim", taskId: "T-none" }), "T-none not found"],
  ["release an unknown task", "claim", () => ({ action: "release", taskId: "T-none" }), "T-none not found"],
  ["ask approval of an unknown task", "approval", () => ({ action: "request", taskId: "T-none" }), "T-none not found"],
  ["undo an unknown event", "history", () => ({ action: "undo", seq: 999 }), "event #999 not found"],
];

describe("mcp bad arguments", () => {
  it("spoils valid calls: every base call passes the argument check", () => {
    for (const tool of TOOLS) {
      const checked = checkArguments(tool.input, tool.actions as Record<string, ActionSpec>, base[tool.name]?.());
      expect(checked, tool.name).toHaveProperty("args");
    }
  });

  it.each([...everyTool, ...everyAs, ...specific])(
    "%s (%s) is an isError result naming the problem, and changes nothing",
    async (_label, tool, args, says) => {
      const before = state();
      const message = await mcp.invalid(tool, args());
      expect(message).toContain(says);
      expect(message.length).toBeLessThan(600);
      // Terminal-safe: nothing the caller sent comes back raw.
      expect(firstUnsafe(message, false)).toBeUndefined();
      expect(state()).toEqual(before);
    },
  );

  it.each(unknown)("%s (%s) is refused by name and changes nothing", async (_label, tool, args, says) => {
    const before = state();
    const message = await mcp.refused(tool, args());
    expect(message).toContain(says);
    expect(message).not.toContain("invalid arguments");
    expect(state()).toEqual(before);
  });

  it("answers a call of no tool, or of an unknown one, with a protocol error naming the tools", async () => {
    const before = state();
    for (const name of ["task_delete", undefined, 42, long(100_000)]) {
      const error = await mcp.protocolError(name, {});
      expect(error.code).toBe(-32602);
      expect(error.message).toContain(`tools: ${names.join(", ")}`);
      expect(error.message.length).toBeLessThan(600);
    }
    expect((await mcp.protocolError("task_delete")).message).toContain("unknown tool task_delete");
    expect(state()).toEqual(before);
  });

  it("leaves the fixture as it was", async () => {
    expect(t.exarp.tasks.get(work)).toMatchObject({ status: "in_progress", title: "work", comments: [] });
    expect(t.exarp.tasks.get(review).status).toBe("review");
    expect(t.exarp.tasks.list()).toHaveLength(2);
    expect(mcp.logs).toEqual([]);
  });
});

describe("mcp arguments at their limits", () => {
  it("accepts every number at its limit, and strings and lists at their longest", async () => {
    const { exarp } = testExarp();
    const at = await connectMcp(exarp);
    try {
      for (const [tool, args] of [
        ["tasks", { action: "list", limit: 100_000 }],
        ["tasks", { action: "ready", limit: 1 }],
        ["tasks", { action: "list", text: long(500) }],
        ["plan", { cap: 1 }],
        ["plan", { cap: 10_000 }],
        ["prime", { budget: 256, ready: 0 }],
        ["prime", { budget: 64_000, ready: 50 }],
        ["history", { action: "list", after: 0, limit: 100_000 }],
        ["history", { action: "list", limit: 1 }],
      ] as const)
        await at.ok(tool, args);

      const agent = { agent: `agent:${long(94)}`, session: long(100) };
      const tags = Array.from({ length: 32 }, (_, i) => `${i}`.padEnd(40, "t"));
      const big = {
        action: "create",
        title: long(500),
        description: long(64_000),
        tags,
        estimate: 1_000_000,
        as: agent,
      };
      const created = (await at.ok("task_write", big)).created;
      expect(created).toMatchObject({ estimate: 1_000_000, tags: [...tags].sort() });
      const none = (await at.ok("task_write", { action: "create", title: "y", estimate: 0 })).created.id;
      const claimed = await at.ok("claim", { action: "claim", taskId: created.id, ttlMs: 1000, as: agent });
      expect(claimed).toMatchObject({ acquired: true, lease: { holder: `${agent.agent}/${agent.session}` } });
      await at.ok("claim", { action: "renew", taskId: created.id, ttlMs: DAY, as: agent });
      const waited = await at.ok("approval", { action: "request", taskId: created.id, timeoutMs: 1, as: agent });
      expect(waited).toMatchObject({ outcome: "timeout", task: { status: "review" } });
      expect(exarp.tasks.get(none).estimate).toBe(0);
      expect(at.logs).toEqual([]);
    } finally {
      await at.close();
      exarp.close();
    }
  });
});
