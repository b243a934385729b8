// Many real processes at once on one project, with the audit rotated every couple of kilobytes:
// concurrent writers (library and CLI), writers killed with SIGKILL mid-stream round after round,
// and garbage or forged lines slipped into the audit trail while writers run. Each time doctor
// passes and the audit trail is the log, line for line.
// On PostgreSQL (EXARP_TEST_BACKEND=postgres) the same processes run against the team's database:
// there is no JSONL mirror (the database's log is the audit trail), so the file checks become "no
// audit file is written" and "the log is whole" (gapless seq, hash chain intact), and lines slipped
// into a stray .exarp/audit.jsonl are no one's concern: no warning, nothing repaired, the file untouched.
import { appendFileSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { auditLine } from "../src/audit/line.ts";
import { verifyAudit } from "../src/audit/verify.ts";
import type { EventRow } from "../src/event/envelope.ts";
import { runNode } from "./support/cli.ts";
import { testBackend } from "./support/exarp.ts";
import { until } from "./support/expect.ts";
import { hermeticEnv, lines, run as runCli } from "./support/hermetic.ts";
import { initTestProject, logCheck, openTestProject, projectEnv, worker } from "./support/processes.ts";
import { tempDir } from "./support/temp.ts";

const TINY = { EXARP_AUDIT_MAX_BYTES: "2048" };
/** What a child of the project at `root` runs with: hermetic, the tiny rotation size, the project's database. */
const childEnv = (root: string) => hermeticEnv({ ...TINY, ...projectEnv(root) });
/** The CLI on the project at `root`, on the suite's backend. */
const run = (root: string, args: string[]) => runCli(root, args, { env: projectEnv(root) });

type Step = { i: number; code: number; stderr: string };

/** The audit files in log order, and how many were rotated. */
function auditFiles(root: string): string[] {
  return readdirSync(join(root, ".exarp"))
    .filter((n) => /^audit(\.\d{12}-\d{12})?\.jsonl$/.test(n))
    .sort((x, y) => (x === "audit.jsonl" ? 1 : y === "audit.jsonl" ? -1 : x.localeCompare(y)));
}

/**
 * Doctor passes, the log is whole, and (SQLite) the audit files hold every event of the log exactly
 * once, in order, byte for byte; (PostgreSQL) no audit file was written.
 */
function mirrorsTheLog(root: string, options: { notes?: boolean } = {}) {
  const doctor = run(root, ["doctor"]);
  expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
  const exarp = openTestProject(root);
  try {
    expect(logCheck(exarp.store)).toMatchObject({ events: exarp.store.maxSeq(), problems: [] });
    if (testBackend === "postgres") {
      expect(auditFiles(root)).toEqual([]);
      return exarp.store.maxSeq();
    }
    const check = verifyAudit(exarp.store, join(root, ".exarp"));
    expect(check.problems).toEqual([]);
    if (!options.notes) expect(check.notes).toEqual([]);
    expect(check.lines).toBeGreaterThanOrEqual(exarp.store.maxSeq());
    if (!options.notes) {
      // The same, read the plain way: the concatenated files are the log's lines.
      const all = auditFiles(root).flatMap((f) => lines(readFileSync(join(root, ".exarp", f), "utf8")));
      expect(all.map((l) => JSON.parse(l).seq)).toEqual(Array.from({ length: exarp.store.maxSeq() }, (_, k) => k + 1));
    }
    return exarp.store.maxSeq();
  } finally {
    exarp.close();
  }
}

/** Steps a cli-writer printed so far. */
const steps = (output: string): Step[] =>
  lines(output)
    .map((l) => JSON.parse(l))
    .filter((s) => "i" in s);

describe(`chaos: concurrent processes on one project, a tiny audit rotation size (${testBackend})`, () => {
  it("4 library writers making conflicting writes: no lost update, gapless log, audit line for line", async () => {
    const root = tempDir();
    const exarp = initTestProject(root);
    const ids = [1, 2, 3].map(() => exarp.tasks.create({ title: "n=0" }).id);
    exarp.close();
    const runs = Array.from({ length: 4 }, () =>
      runNode(worker("writer.mjs"), [root, ids.join(","), "80"], childEnv(root)),
    );
    const results = await Promise.all(runs.map((r) => r.done));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    // Rotation and mirroring never needed repair: not one warning.
    for (const r of results) expect(r.stderr).toBe("");
    const landed = results.reduce((n, r) => n + (JSON.parse(r.stdout) as { landed: number }).landed, 0);
    const seq = mirrorsTheLog(root);
    expect(seq).toBe(3 + landed);
    if (testBackend === "sqlite") expect(auditFiles(root).length).toBeGreaterThan(20);
    const after = openTestProject(root);
    expect(ids.reduce((n, id) => n + Number(after.tasks.get(id).title.split("=")[1]), 0)).toBe(landed);
    after.close();
  });

  it("3 CLI writers, one process per command: every command lands, no warning, the audit is the log", async () => {
    const root = tempDir();
    expect(run(root, ["init"]).code).toBe(0);
    const runs = ["a", "b", "c"].map((name) => runNode(worker("cli-writer.mjs"), [root, name, "15"], childEnv(root)));
    const results = await Promise.all(runs.map((r) => r.done));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const all = results.flatMap((r) => steps(r.stdout));
    expect(all).toHaveLength(45);
    for (const s of all) expect(s, JSON.stringify(s)).toMatchObject({ code: 0, stderr: "" });
    mirrorsTheLog(root);
    if (testBackend === "sqlite") expect(auditFiles(root).length).toBeGreaterThan(5);
  });

  it("writers killed with SIGKILL mid-stream, three rounds: doctor passes each time, the next write squares the audit", async () => {
    const root = tempDir();
    expect(run(root, ["init"]).code).toBe(0);
    const reported: string[] = [];
    for (let round = 0; round < 3; round++) {
      const runs = Array.from({ length: 3 }, () => runNode(worker("crash-writer.mjs"), [root], childEnv(root)));
      // Kill each once it has committed a few dozen tasks (or after 5 s, whichever comes first).
      const started = Date.now();
      await until(
        () => runs.every((r) => r.output().split("\n").length > 40 + 20 * round) || Date.now() - started > 5000,
        30_000,
      );
      for (const r of runs) r.child.kill("SIGKILL");
      const results = await Promise.all(runs.map((r) => r.done));
      for (const r of results) {
        expect(r.signal).toBe("SIGKILL");
        expect(r.stderr).toBe("");
        reported.push(...r.stdout.split("\n").filter((l) => /^T-\S+$/.test(l)));
      }
      // What a killed write left uncommitted is not damage: doctor passes (it may note the leftovers).
      mirrorsTheLog(root, { notes: true });
      const next = run(root, ["add", `after round ${round}`]);
      expect(next.code).toBe(0);
      expect(next.stderr).toBe("");
      mirrorsTheLog(root);
    }
    // The kills fell among rotations too (a file every couple of kilobytes).
    if (testBackend === "sqlite") expect(auditFiles(root).length).toBeGreaterThan(20);
    // Nothing any writer saw committed was lost.
    const exarp = openTestProject(root);
    const stored = new Set(exarp.tasks.list({}).map((t) => t.id));
    exarp.close();
    expect(reported.length).toBeGreaterThan(100);
    for (const id of reported) expect(stored.has(id), id).toBe(true);
  });

  it(
    testBackend === "sqlite"
      ? "garbage and forged audit lines slipped in while writers run: one warning each, repaired, doctor passes"
      : "garbage and forged lines in a stray .exarp/audit.jsonl while writers run: not read in team mode, no warning, the log whole",
    async () => {
      const root = tempDir();
      expect(run(root, ["init"]).code).toBe(0);
      const audit = join(root, ".exarp", "audit.jsonl");
      const runs = ["a", "b"].map((name) => runNode(worker("cli-writer.mjs"), [root, name, "200"], childEnv(root)));
      const warnings = () =>
        runs.flatMap((r) => steps(r.output())).flatMap((s) => lines(s.stderr).filter((l) => l.includes("warning")));
      const commands = () => runs.reduce((n, r) => n + steps(r.output()).length, 0);
      // Over PostgreSQL nobody repairs (or reads) the file: the writers just carry on, a few commands each time.
      const repaired = (n: number) =>
        testBackend === "sqlite" ? until(() => warnings().length >= n, 60_000) : undefined;
      /** The newest event as an audit line: the file's last line (SQLite), the log's last event (PostgreSQL). */
      const lastLine = () => {
        if (testBackend === "sqlite") return lines(readFileSync(audit, "utf8")).at(-1) as string;
        const exarp = openTestProject(root);
        try {
          return auditLine(exarp.store.eventRow(exarp.store.maxSeq()) as EventRow);
        } finally {
          exarp.close();
        }
      };
      let slipped = "";
      try {
        await until(() => commands() >= 4, 60_000);
        const garbage = "this is not an audit line \u001b[31m\n";
        appendFileSync(audit, garbage);
        slipped += garbage;
        await repaired(1);
        const count = commands();
        await until(() => commands() >= count + 2, 60_000);
        // A forged record: the shape of an audit line, the next seq, a hash that is not its own.
        const forged = JSON.parse(lastLine());
        forged.seq += 1;
        forged.prev = forged.hash;
        forged.payload = { taskId: forged.task, body: "forged" };
        forged.type = "comment.added";
        appendFileSync(audit, `${JSON.stringify(forged)}\n`);
        slipped += `${JSON.stringify(forged)}\n`;
        await repaired(2);
        const after = commands();
        await until(() => commands() >= after + 2, 60_000);
      } finally {
        for (const r of runs) r.child.stdin.write("stop\n");
      }
      const results = await Promise.all(runs.map((r) => r.done));
      for (const r of results) expect(r.code, r.stderr).toBe(0);
      const all = results.flatMap((r) => steps(r.stdout));
      for (const s of all) expect(s.code, s.stderr).toBe(0);
      if (testBackend === "postgres") {
        // Every command landed without a word; the stray file is exactly what was slipped in, never repaired.
        for (const s of all) expect(s.stderr).toBe("");
        expect(readFileSync(audit, "utf8")).toBe(slipped);
        expect(readdirSync(join(root, ".exarp")).filter((n) => n.startsWith("audit-damaged-"))).toEqual([]);
        const doctor = run(root, ["doctor"]);
        expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
        const exarp = openTestProject(root);
        try {
          expect(logCheck(exarp.store)).toMatchObject({ events: exarp.store.maxSeq(), problems: [] });
          // The forged comment is nowhere in the log.
          expect(exarp.store.listEvents().some((e) => JSON.stringify(e.payload).includes('"forged"'))).toBe(false);
          expect(exarp.store.maxSeq()).toBeGreaterThanOrEqual(all.length);
        } finally {
          exarp.close();
        }
        return;
      }
      // Every command landed; the only stderr lines are the two repairs, one per damage.
      const stamp = (line: string) => /audit-damaged-(\S+)$/.exec(line)?.[1] ?? "";
      const said = all.flatMap((s) => lines(s.stderr)).sort((x, y) => stamp(x).localeCompare(stamp(y)));
      expect(said).toEqual([
        expect.stringMatching(
          /^exarp: warning: the audit trail was damaged \(.*not an audit line.*\); it was rebuilt from the event log \(hash chain verified\), and the damaged files are kept in .*audit-damaged-/,
        ),
        expect.stringMatching(
          /^exarp: warning: the audit trail was damaged \(.*#\d+.*\); it was rebuilt from the event log/,
        ),
      ]);
      // The raw escape never reached a terminal: the warning neutralised it like any other output.
      expect(all.some((s) => s.stderr.includes("\u001b"))).toBe(false);
      expect(readdirSync(join(root, ".exarp")).filter((n) => n.startsWith("audit-damaged-"))).toHaveLength(2);
      mirrorsTheLog(root);
    },
  );
});
