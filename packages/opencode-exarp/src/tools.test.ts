// The tools' third layer of protection and their answers, against a real exarp store.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openProject } from "exarp";
import { afterEach, describe, expect, it } from "vitest";
import { SUBAGENT_REFUSAL } from "./text.ts";
import { createTools } from "./tools.ts";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), "exarp-tools-"));
  made.push(dir);
  const exarp = openProject(dir, { actor: { name: "user:ana", session: null } });
  const finished: string[] = [];
  const tools = createTools({
    exarp: () => exarp,
    actorOf: (session, agent) => ({ name: `agent:${agent}`, session }),
    isSubagent: (_session, agent) => agent === "general",
    finished: (_s, id) => finished.push(id),
    tokens: new Map(),
  });
  const call = (name: keyof typeof tools, args: Record<string, unknown>, agent = "build", sessionID = "ses_1") =>
    (tools[name] as { execute(a: unknown, c: unknown): Promise<string> }).execute(args, {
      sessionID,
      agent,
      messageID: "m",
      callID: "c",
      abort: new AbortController().signal,
    });
  return { exarp, call, finished };
}

describe("plugin tools", () => {
  it("refuses task changes from a sub-agent inside execute (the last of three layers)", async () => {
    const { exarp, call } = setup();
    const t = exarp.tasks.create({ title: "x" });
    expect(await call("exarp_claim", { id: t.id }, "general")).toBe(SUBAGENT_REFUSAL);
    expect(await call("exarp_status", { id: t.id, to: "in_progress" }, "general")).toBe(SUBAGENT_REFUSAL);
    expect(exarp.tasks.get(t.id).status).toBe("todo");
    expect(await call("exarp_tasks", {}, "general")).toContain(t.id);
  });

  it("claims, fences writes with the granted token, and refuses done without approval", async () => {
    const { exarp, call, finished } = setup();
    const t = exarp.tasks.create({ title: "x" });
    expect(await call("exarp_claim", { id: t.id })).toMatch(/^Claimed: T-\w+ \(lease #\d+/);
    expect(await call("exarp_claim", { id: t.id }, "build", "ses_2")).toBe(
      `Not yours: ${t.id} is held by agent:build/ses_1. Pick another task (exarp_next).`,
    );
    expect(await call("exarp_status", { id: t.id, to: "review" })).toBe(
      `${t.id} is in review; a person approves or denies it, and you will be told.`,
    );
    expect(finished).toEqual([t.id]);
    expect(await call("exarp_status", { id: t.id, to: "done" })).toBe(
      `Refused: ${t.id} needs approval from someone other than its requester before it is done (request pending): \`exarp approve ${t.id}\``,
    );
  });

  it("answers a stale lease with a clear refusal once someone else took the task", async () => {
    const { exarp, call } = setup();
    const t = exarp.tasks.create({ title: "x" });
    await call("exarp_claim", { id: t.id });
    exarp.as({ name: "user:ana", session: null }).leases.release({ taskId: t.id, force: true });
    exarp.as({ name: "agent:other", session: "ses_9" }).leases.claim({ taskId: t.id });
    expect(await call("exarp_status", { id: t.id, to: "review" })).toMatch(
      /^Refused: your lease #\d+ on T-\w+ is no longer valid \(lease #\d+ holds it now\); claim the task again$/,
    );
  });
});
