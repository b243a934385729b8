// Real processes against one project, on the suite's backend (the SQLite file, or PostgreSQL when
// EXARP_TEST_BACKEND=postgres): conflicting writers, a writer killed mid-stream, and a second process
// woken by the change feed. Over SQLite the audit mirror (.exarp/audit.jsonl) is checked line for line;
// over PostgreSQL there is none, and the database's log (gapless seq, hash chain) is the audit trail.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { verifyAudit } from "../src/audit/verify.ts";
import { exarp as cli, runNode } from "./support/cli.ts";
import { testBackend } from "./support/exarp.ts";
import { until } from "./support/expect.ts";
import { initTestProject, logCheck, projectEnv, worker } from "./support/processes.ts";
import { tempDir } from "./support/temp.ts";

describe(`many processes, one database (${testBackend})`, () => {
  it("8 processes making conflicting writes lose no update and leave a gapless log and a complete audit", async () => {
    const root = tempDir();
    const env = projectEnv(root);
    const exarp = initTestProject(root);
    const ids = [1, 2, 3].map(() => exarp.tasks.create({ title: "n=0" }).id);
    const runs = Array.from({ length: 8 }, () => runNode(worker("writer.mjs"), [root, ids.join(","), "150"], env));
    const results = await Promise.all(runs.map((r) => r.done));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const totals = results.map((r) => JSON.parse(r.stdout) as { landed: number; conflicts: number });
    const landed = totals.reduce((n, t) => n + t.landed, 0);
    const conflicts = totals.reduce((n, t) => n + t.conflicts, 0);
    expect(landed + conflicts).toBe(8 * 150);
    console.log(`8 writers (${testBackend}): ${landed} writes landed, ${conflicts} refused with VersionConflict`);
    const counters = ids.map((id) => Number(exarp.tasks.get(id).title.split("=")[1]));
    expect(counters.reduce((a, b) => a + b, 0)).toBe(landed);
    const seqs = exarp.store.listEvents().map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: 3 + landed }, (_, i) => i + 1));
    expect(logCheck(exarp.store)).toEqual({ events: 3 + landed, maxSeq: 3 + landed, problems: [] });
    if (testBackend === "sqlite")
      expect(verifyAudit(exarp.store, join(root, ".exarp"))).toEqual({ lines: 3 + landed, problems: [], notes: [] });
    else expect(existsSync(join(root, ".exarp", "audit.jsonl")), "no JSONL mirror in team mode").toBe(false);
    // Every writer's commands carry its own origin: eight processes, eight origins (and the test's).
    expect(new Set(exarp.store.listEvents().map((e) => e.origin)).size).toBe(1 + totals.filter((t) => t.landed).length);
    expect(exarp.doctor().ok).toBe(true);
    exarp.close();
  });

  it("a writer killed with SIGKILL loses no committed event; doctor passes and the audit catches up", async () => {
    const root = tempDir();
    const env = projectEnv(root);
    expect(cli(root, ["init"], { env }).code).toBe(0);
    const run = runNode(worker("crash-writer.mjs"), [root], env);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (run.output().split("\n").length > 300) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    run.child.kill("SIGKILL");
    const result = await run.done;
    expect(result.signal).toBe("SIGKILL");
    const reported = result.stdout.split("\n").filter((l) => l.startsWith("T-"));
    const doctor = cli(root, ["doctor"], { env });
    expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
    const exarp = initTestProject(root);
    const stored = new Set(exarp.tasks.list({}).map((t) => t.id));
    for (const id of reported) expect(stored.has(id)).toBe(true);
    // The next write cuts whatever the killed write left uncommitted and carries on: line for line the log.
    exarp.tasks.create({ title: "after the crash" });
    expect(logCheck(exarp.store)).toMatchObject({ events: exarp.store.maxSeq(), problems: [] });
    // Every event is one task.created, each a command of its own: the killed transaction left nothing half-done.
    const events = exarp.store.listEvents();
    expect(events.every((e) => e.type === "task.created" && e.command === e.seq)).toBe(true);
    expect(events.length).toBe(exarp.tasks.list({}).length);
    if (testBackend === "sqlite") {
      const audit = readFileSync(join(root, ".exarp", "audit.jsonl"), "utf8")
        .trimEnd()
        .split("\n");
      expect(audit).toHaveLength(exarp.store.maxSeq());
      expect(verifyAudit(exarp.store, join(root, ".exarp"))).toEqual({ lines: audit.length, problems: [], notes: [] });
    }
    exarp.close();
  });

  // How the other process hears of a commit: over SQLite a watch on the database's folder, or the feed's
  // poll of data_version; over PostgreSQL LISTEN/NOTIFY alone (the feed's poll set to an hour), or the poll.
  const modes = testBackend === "sqlite" ? (["fswatch", "poll"] as const) : (["listen", "poll"] as const);
  for (const mode of modes) {
    it(`wakes another process soon after a commit (${mode})`, async () => {
      const root = tempDir();
      const exarp = initTestProject(root);
      const watcher = runNode(worker("watcher.mjs"), [root, mode], projectEnv(root));
      await until(() => watcher.output().includes("ready"));
      const latencies: number[] = [];
      for (let i = 0; i < 5; i++) {
        const sent = Date.now();
        exarp.tasks.create({ title: `ping ${i}` });
        const seq = exarp.feed.head();
        await until(() => watcher.output().includes(`"seq":${seq},`));
        const line = watcher
          .output()
          .split("\n")
          .find((l) => l.includes(`"seq":${seq},`)) as string;
        latencies.push(JSON.parse(line).at - sent);
        expect(JSON.parse(line).origin).toBe(exarp.origin);
      }
      watcher.child.kill();
      await watcher.done;
      exarp.close();
      console.log(`feed wake-up in another process (${testBackend}, ${mode}): ${latencies.join(", ")} ms`);
      // Generous bound for a shared, noisy machine; bench/feed-latency prints the real figures.
      expect(Math.max(...latencies)).toBeLessThan(1000);
    });
  }
});
