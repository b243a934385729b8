// Coordination across real processes: claim races, approvals decided elsewhere, the bus.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { initProject } from "../src/app/project.ts";
import { exarp as cli, runNode } from "./support/cli.ts";
import { until } from "./support/expect.ts";
import { tempDir } from "./support/temp.ts";

const worker = (name: string) => fileURLToPath(new URL(`./workers/${name}`, import.meta.url));

const lines = (text: string) => text.split("\n").filter(Boolean);

describe("coordination across processes", () => {
  it("16 processes race to claim the same task: exactly one winner, every round", async () => {
    const root = tempDir();
    const exarp = initProject(root);
    const rounds = 25;
    const ids = Array.from({ length: rounds }, (_, i) => exarp.tasks.create({ title: `round ${i}` }).id);
    const racers = Array.from({ length: 16 }, (_, i) => runNode(worker("claimer.mjs"), [root, `w${i}`]));
    await until(() => racers.every((r) => r.output().startsWith("ready")));
    for (const [round, id] of ids.entries()) {
      for (const r of racers) r.child.stdin?.write(`claim ${id}\n`);
      await until(() => racers.every((r) => lines(r.output()).length === round + 2));
      const winners = racers.filter((r) => JSON.parse(lines(r.output()).at(-1) as string).acquired);
      expect(winners, `round ${round}`).toHaveLength(1);
    }
    for (const r of racers) r.child.stdin?.end("stop\n");
    await Promise.all(racers.map((r) => r.done));
    const leases = exarp.leases.list();
    expect(leases).toHaveLength(rounds);
    expect(new Set(leases.map((l) => l.token)).size).toBe(rounds);
    expect(exarp.doctor().ok).toBe(true);
    exarp.close();
  });

  it("a process waiting for approval hears the decision another process makes", async () => {
    const root = tempDir();
    const exarp = initProject(root);
    const reviewer = exarp.as({ name: "user:ana", session: null });
    const latencies: number[] = [];
    for (const decision of ["approve", "deny"] as const) {
      const task = exarp.tasks.create({ title: decision });
      exarp.tasks.setStatus({ id: task.id, to: "in_progress" });
      const waiter = runNode(worker("approval-waiter.mjs"), [root, task.id, "20000"]);
      await until(() => waiter.output().includes("waiting"));
      await until(() => exarp.approvals.pending().some((a) => a.taskId === task.id));
      const decidedAt = Date.now();
      if (decision === "approve") reviewer.approvals.approve({ taskId: task.id, note: "ok" });
      else reviewer.approvals.deny({ taskId: task.id, reason: "needs tests" });
      const result = await waiter.done;
      const outcome = JSON.parse(lines(result.stdout).at(-1) as string);
      expect(outcome).toMatchObject(
        decision === "approve"
          ? { outcome: "approved", by: "user:ana", reason: "ok" }
          : { outcome: "denied", by: "user:ana", reason: "needs tests" },
      );
      latencies.push(outcome.at - decidedAt);
    }
    console.log(`approval decided in another process reached the waiter after ${latencies.join(" ms, ")} ms`);
    // The target is ~100 ms; the bound is generous because this machine is shared (bench/feed-latency.mjs prints figures).
    expect(Math.max(...latencies)).toBeLessThan(1000);
    exarp.close();
  });

  it("nobody answers: the wait ends as a timeout, audited as a timeout; self-approval is refused", async () => {
    const root = tempDir();
    const exarp = initProject(root);
    const task = exarp.tasks.create({ title: "lonely" });
    exarp.tasks.setStatus({ id: task.id, to: "in_progress" });
    const waiter = runNode(worker("approval-waiter.mjs"), [root, task.id, "300"]);
    const result = await waiter.done;
    expect(JSON.parse(lines(result.stdout).at(-1) as string)).toMatchObject({ outcome: "timeout", by: null });
    const audit = readFileSync(join(root, ".exarp", "audit.jsonl"), "utf8");
    expect(audit).toContain('"type":"approval.timed_out"');
    expect(audit).not.toContain('"outcome":"denied"');
    const self = cli(root, ["approve", task.id, "--as", "agent:build", "--session", "ses_waiter"]);
    expect(self.code).toBe(1);
    expect(self.stderr).toBe(
      `exarp: agent:build is not a person: only a person (an identity starting with user:) decides on the review of ${task.id}\n`,
    );
    exarp.close();
  });

  it("bus: two processes each see the other's events exactly once and never their own echo", async () => {
    const root = tempDir();
    initProject(root).close();
    const peers = ["p1", "p2"].map((name) => runNode(worker("bus-peer.mjs"), [root, name, "20"]));
    await until(() => peers.every((p) => p.output().startsWith("ready")));
    for (const p of peers) p.child.stdin?.write("go\n");
    await until(() => peers.every((p) => lines(p.output()).length === 2));
    const reports = peers.map(
      (p) =>
        JSON.parse(lines(p.output())[1] as string) as { origin: string; received: { seq: number; origin: string }[] },
    );
    for (const [i, report] of reports.entries()) {
      const other = reports[1 - i] as (typeof reports)[number];
      const seqs = report.received.map((m) => m.seq);
      expect(new Set(seqs).size, "no message twice").toBe(seqs.length);
      expect(report.received.filter((m) => m.origin === report.origin)).toHaveLength(20);
      expect(report.received.filter((m) => m.origin === other.origin)).toHaveLength(20);
      expect(seqs.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, k) => k + 1));
    }
    for (const p of peers) p.child.stdin?.end();
    await Promise.all(peers.map((p) => p.done));
  });
});
