// Bad arguments of every tool — missing, wrong types, unknown keys or ids, oversized strings — get a
// clear error (a protocol error, or a refusal for ids that do not exist) and change nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testExarp } from "../../test/support/exarp.ts";
import { type Args, connectMcp } from "../../test/support/mcp.ts";
import { MAX_ARGUMENTS_CHARS } from "./tool.ts";

const A = { agent: "agent:a", session: "s1" };
const long = (n: number) => "x".repeat(n);

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

type Case = [label: string, tool: string, args: () => Args, says: string];

// Each of these is a protocol error (-32602) whose message names the problem.
const invalid: Case[] = [
  ["unknown tool", "task_delete", () => ({}), "unknown tool task_delete"],
  ["no action", "tasks", () => ({}), "action"],
  ["unknown action", "tasks", () => ({ action: "delete" }), "action"],
  ["show without id", "tasks", () => ({ action: "show" }), "action show needs id"],
  ["a field the action does not take", "tasks", () => ({ action: "show", id: work, limit: 5 }), "does not take limit"],
  ["limit as a string", "tasks", () => ({ action: "list", limit: "10" }), "limit"],
  ["limit zero", "tasks", () => ({ action: "ready", limit: 0 }), "limit"],
  ["unknown status", "tasks", () => ({ action: "list", status: ["finished"] }), "status"],
  ["oversized text filter", "tasks", () => ({ action: "list", text: long(501) }), "text"],
  ["malformed id", "tasks", () => ({ action: "show", id: "bad id!" }), "task id may contain only"],
  ["unknown key", "tasks", () => ({ action: "list", owner: "me" }), "owner"],
  ["create without title", "task_write", () => ({ action: "create" }), "action create needs title"],
  ["empty title", "task_write", () => ({ action: "create", title: "  " }), "title is empty"],
  ["oversized title", "task_write", () => ({ action: "create", title: long(501) }), "longer than 500"],
  [
    "oversized description",
    "task_write",
    () => ({ action: "create", title: "x", description: long(64_001) }),
    "longer than 64000",
  ],
  ["tags as a string", "task_write", () => ({ action: "create", title: "x", tags: "api" }), "tags"],
  [
    "too many tags",
    "task_write",
    () => ({ action: "create", title: "x", tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }),
    "more than 32 tags",
  ],
  ["fractional estimate", "task_write", () => ({ action: "create", title: "x", estimate: 1.5 }), "whole minutes"],
  ["edit without id", "task_write", () => ({ action: "edit", title: "x" }), "action edit needs id"],
  ["lease token below 1", "task_write", () => ({ action: "edit", id: work, title: "x", lease: 0 }), "lease"],
  ["comment without body", "task_write", () => ({ action: "comment", id: work }), "needs body"],
  ["oversized comment", "task_write", () => ({ action: "comment", id: work, body: long(64_001) }), "longer than"],
  ["depend without blocker", "task_write", () => ({ action: "depend", id: work }), "needs blockerId"],
  ["create takes no id", "task_write", () => ({ action: "create", title: "x", id: work }), "does not take id"],
  ["empty `as` agent", "task_write", () => ({ action: "comment", id: work, body: "x", as: { agent: "" } }), "as.agent"],
  ["unknown key in `as`", "task_status", () => ({ id: work, to: "todo", as: { name: "x" } }), "as"],
  ["no id or target status", "task_status", () => ({}), "id"],
  ["unknown status", "task_status", () => ({ id: work, to: "finished" }), "to"],
  ["id as a number", "task_status", () => ({ id: 42, to: "todo" }), "id"],
  ["oversized reason", "task_status", () => ({ id: work, to: "blocked", reason: long(2001) }), "reason"],
  ["renew without taskId", "claim", () => ({ action: "renew" }), "action renew needs taskId"],
  ["ttl under a second", "claim", () => ({ action: "claim", taskId: work, ttlMs: 10 }), "at least 1 s"],
  ["ttl as a string", "claim", () => ({ action: "renew", taskId: work, ttlMs: "600" }), "ttlMs"],
  ["taskId and can together", "claim", () => ({ action: "claim", taskId: work, can: ["db"] }), "not both"],
  ["force as a string", "claim", () => ({ action: "release", taskId: work, force: "yes" }), "force"],
  ["cap zero", "plan", () => ({ cap: 0 }), "cap"],
  ["cap as a string", "plan", () => ({ cap: "2" }), "cap"],
  ["`as` on plan, which acts for nobody", "plan", () => ({ as: A }), "as"],
  ["deny without reason", "approval", () => ({ action: "deny", taskId: review }), "needs reason"],
  [
    "blank denial reason",
    "approval",
    () => ({ action: "deny", taskId: review, reason: " " }),
    "a denial needs a reason",
  ],
  ["oversized note", "approval", () => ({ action: "approve", taskId: review, note: long(2001) }), "note"],
  ["wait of zero", "approval", () => ({ action: "request", taskId: review, timeoutMs: 0 }), "timeoutMs"],
  ["negative cursor", "history", () => ({ action: "list", after: -1 }), "after"],
  ["seq as a string", "history", () => ({ action: "undo", seq: "last" }), "seq"],
  ["list takes no seq", "history", () => ({ action: "list", seq: 3 }), "does not take seq"],
  ["unknown role", "prime", () => ({ role: "boss" }), "role"],
  ["budget too small", "prime", () => ({ budget: 10 }), "budget"],
  ["budget too large", "prime", () => ({ budget: 1e9 }), "budget"],
  [
    "arguments over the size limit",
    "task_write",
    () => ({ action: "create", title: "x", description: long(MAX_ARGUMENTS_CHARS) }),
    "arguments are longer than",
  ],
];

// Well-formed, but about things that do not exist: a refusal (`isError`) naming what is missing.
const unknown: Case[] = [
  ["show an unknown task", "tasks", () => ({ action: "show", id: "T-none" }), "task T-none not found"],
  ["edit an unknown task", "task_write", () => ({ action: "edit", id: "T-none", title: "x" }), "T-none not found"],
  [
    "create depending on an unknown task",
    "task_write",
    () => ({ action: "create", title: "x", dependsOn: ["T-none"] }),
    "T-none not found",
  ],
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
  ["approve an unknown task", "approval", () => ({ action: "approve", taskId: "T-none" }), "T-none not found"],
  ["undo an unknown event", "history", () => ({ action: "undo", seq: 999 }), "event #999 not found"],
];

describe("mcp bad arguments", () => {
  it.each(invalid)("%s (%s) is a protocol error and changes nothing", async (_label, tool, args, says) => {
    const before = state();
    const error = await mcp.invalid(tool, args());
    expect(error.code).toBe(-32602);
    expect(error.message).toContain(says);
    expect(error.message.length).toBeLessThan(600);
    expect(state()).toEqual(before);
  });

  it.each(unknown)("%s (%s) is refused by name and changes nothing", async (_label, tool, args, says) => {
    const before = state();
    expect(await mcp.refused(tool, args())).toContain(says);
    expect(state()).toEqual(before);
  });

  it("leaves the fixture as it was", async () => {
    expect(t.exarp.tasks.get(work)).toMatchObject({ status: "in_progress", title: "work", comments: [] });
    expect(t.exarp.tasks.get(review).status).toBe("review");
    expect(t.exarp.tasks.list()).toHaveLength(2);
    expect(mcp.logs).toEqual([]);
  });
});
