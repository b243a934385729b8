// The slash commands' answers against a real exarp store: real remainders, neutralised fields.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initProject } from "exarp";
import { afterEach, describe, expect, it } from "vitest";
import { runCommand } from "./commands.ts";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function project() {
  const dir = mkdtempSync(join(tmpdir(), "exarp-commands-"));
  made.push(dir);
  return initProject(dir, { actor: { name: "user:ana", session: null } });
}

const person = { name: "user:bo", session: null };

describe("slash commands", () => {
  it("/tasks says how many open tasks it leaves out, exactly", async () => {
    const exarp = project();
    for (let i = 0; i < 47; i++) exarp.tasks.create({ title: `task ${i}` });
    const done = exarp.tasks.create({ title: "finished" });
    exarp.tasks.setStatus({ id: done.id, to: "cancelled" });
    const lines = (await runCommand(exarp, "tasks", "", person, 1_000))?.split("\n") ?? [];
    expect(lines).toHaveLength(41);
    expect(lines.at(-1)).toBe("+7 more");
    exarp.close();
  });

  it("/waves says how many tasks each wave and the plan leave out", async () => {
    const exarp = project();
    let previous: string | undefined;
    for (let i = 0; i < 12; i++) {
      previous = exarp.tasks.create({ title: `step ${i}`, dependsOn: previous ? [previous] : [] }).id;
    }
    for (let i = 0; i < 15; i++) exarp.tasks.create({ title: `side ${i}` });
    const text = (await runCommand(exarp, "waves", "", person, 1_000)) ?? "";
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^wave 0: (T-\w+ ){11}T-\w+ \+4$/);
    expect(lines).toContain("+4 more waves");
    expect(lines.at(-1)).toMatch(/^critical path \(\d+ min\): (T-\w+ → ){11}T-\w+$/);
    exarp.close();
  });

  it("/approve decides as the person given, and refuses a review that person asked for", async () => {
    const exarp = project();
    const t = exarp.tasks.create({ title: "review me" });
    const agent = exarp.as({ name: "agent:build", session: "ses_1" });
    agent.leases.claim({ taskId: t.id });
    agent.tasks.setStatus({ id: t.id, to: "review" });
    expect(await runCommand(exarp, "approve", `${t.id} looks good`, person, 1_000)).toBe(
      `user:bo approved ${t.id}; it is done.`,
    );
    expect(exarp.approvals.latest(t.id)).toMatchObject({
      state: "approved",
      decidedBy: "user:bo",
      reason: "looks good",
    });
    const own = exarp.tasks.create({ title: "mine" });
    const bo = exarp.as(person);
    bo.tasks.setStatus({ id: own.id, to: "in_progress" });
    bo.tasks.setStatus({ id: own.id, to: "review" });
    expect(await runCommand(exarp, "approve", own.id, person, 1_000)).toMatch(
      /^exarp refused: user:bo asked for the review/,
    );
    expect(await runCommand(exarp, "approve", "", person, 1_000)).toBe("Usage: /approve TASK_ID [note]");
    expect(await runCommand(exarp, "init", "", person, 1_000)).toBeUndefined();
    exarp.close();
  });

  it("/run starts a runner with the session limit given, refuses anything else, and is not ours without a starter", async () => {
    const exarp = project();
    const asked: (number | undefined)[] = [];
    const start = async (max?: number) => {
      asked.push(max);
      return `started ${max ?? "default"}`;
    };
    expect(await runCommand(exarp, "run", "", person, 1_000, start)).toBe("started default");
    expect(await runCommand(exarp, "run", " 3 ", person, 1_000, start)).toBe("started 3");
    expect(await runCommand(exarp, "run", "64", person, 1_000, start)).toBe("started 64");
    for (const bad of ["0", "65", "-1", "3 4", "abc", "1e3", "0x10", "9999999999", "3\u0000"])
      expect(await runCommand(exarp, "run", bad, person, 1_000, start)).toBe("Usage: /run [MAX_SESSIONS]");
    expect(asked).toEqual([undefined, 3, 64]);
    expect(await runCommand(exarp, "run", "", person, 1_000)).toBeUndefined();
    exarp.close();
  });
});
