// The audit trail and doctor in team mode: `exarp audit` reads the database's log, giving exactly
// the lines the SQLite project's audit files held; doctor names the backend and checks the chain there.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lines } from "./support/hermetic.ts";
import { checkout, onSchema, refused, shown, teamUrl } from "./support/team.ts";

const FILTERS: string[][] = [[], ["--type", "task."], ["--actor", "agent:build"], ["--after", "2"]];

describe("team mode: audit and doctor", () => {
  it("`exarp audit` over PostgreSQL prints, filter for filter, the lines the audit files held", () => {
    const p = checkout();
    expect(p.exarp(["init"]).code).toBe(0);
    const a = p.json(["add", "Schema"]).task.id as string;
    expect(p.exarp(["add", "API", "--depends-on", a]).code).toBe(0);
    expect(p.exarp(["claim", a], { EXARP_AGENT: "agent:build" }).code).toBe(0);
    expect(p.exarp(["comment", a, 'quotes " and \\ and ünïcode'], { EXARP_AGENT: "agent:build" }).code).toBe(0);
    const fromFiles = FILTERS.map((f) => p.exarp(["audit", ...f]).stdout);
    const taskFilter = p.exarp(["audit", "--task", a]).stdout;
    const jsonFromFiles = p.json(["audit"]).entries;
    expect(lines(fromFiles[0] as string)).toHaveLength(6);

    const url = teamUrl();
    expect(p.exarp(["migrate", "--to", url]).code).toBe(0);
    expect(FILTERS.map((f) => p.exarp(["audit", ...f]).stdout)).toEqual(fromFiles);
    expect(p.exarp(["audit", "--task", a]).stdout).toBe(taskFilter);
    expect(p.json(["audit"]).entries).toEqual(jsonFromFiles);

    // Another machine's commits are in the trail at once: it is the shared log.
    const other = checkout({ EXARP_DATABASE_URL: url });
    expect(other.exarp(["init"]).code).toBe(0);
    expect(other.exarp(["add", "From elsewhere"], { EXARP_AGENT: "agent:other" }).code).toBe(0);
    const latest = p.json(["audit", "--actor", "agent:other"]).entries;
    expect(latest.map((e: { seq: number; type: string }) => [e.seq, e.type])).toEqual([[7, "task.created"]]);
  });

  it("doctor labels its checks by backend and verifies the chain in the database", async () => {
    const url = teamUrl();
    const p = checkout();
    expect(p.exarp(["init", "--database", url]).code).toBe(0);
    expect(p.exarp(["add", "One"]).code).toBe(0);
    expect(p.exarp(["add", "Two"]).code).toBe(0);
    const ok = p.exarp(["doctor"]);
    expect(ok.code, ok.stdout).toBe(0);
    expect(lines(ok.stdout).slice(0, 2)).toEqual([
      `ok    postgres: connected to ${shown(url)}, schema version 7`,
      "ok    chain: 2 events in the database, hash chain intact",
    ]);
    expect(ok.stdout).not.toContain("sqlite");
    expect(p.json(["doctor"]).checks.map((c: { name: string }) => c.name)).toEqual([
      "postgres",
      "chain",
      "replay",
      "graph",
    ]);

    // An event altered in the database breaks the chain where it happened.
    await onSchema(url, "UPDATE events SET actor = 'user:mallory' WHERE seq = 1");
    const bad = p.exarp(["doctor"]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("FAIL  chain: 1 problem: hash chain over 2 events");
    expect(bad.stdout).toContain("#1 does not match its hash: altered");
  });

  it("doctor on SQLite keeps its labels", () => {
    const p = checkout();
    expect(p.exarp(["init"]).code).toBe(0);
    expect(p.exarp(["add", "One"]).code).toBe(0);
    const r = p.exarp(["doctor"]);
    expect(lines(r.stdout).slice(0, 3)).toEqual([
      "ok    sqlite: database file integrity",
      "ok    chain: 1 event, hash chain intact",
      "ok    audit: 1 audit line match the log",
    ]);
  });

  describe("this machine's audit mirror (audit.mirror in local.json)", () => {
    /** Two checkouts of one team project: `a` mirrors the trail, `b` does not. */
    function team() {
      const url = teamUrl();
      const a = checkout();
      expect(a.exarp(["init", "--database", url]).code).toBe(0);
      writeFileSync(join(a.root, ".exarp", "local.json"), `${JSON.stringify({ audit: { mirror: true } })}\n`);
      const b = checkout({ EXARP_DATABASE_URL: url });
      expect(b.exarp(["init"]).code).toBe(0);
      return { url, a, b, mirror: join(a.root, ".exarp", "audit.jsonl") };
    }

    it("writes every event it has not written yet, other machines' too; doctor accepts being behind", () => {
      const { a, b, mirror } = team();
      expect(a.exarp(["add", "A1"]).code).toBe(0);
      for (const t of ["B1", "B2", "B3"]) expect(b.exarp(["add", t]).code).toBe(0);
      expect(lines(readFileSync(mirror, "utf8"))).toHaveLength(1);
      // Without the setting there are no audit files in team mode.
      expect(readdirSync(join(b.root, ".exarp")).filter((n) => n.startsWith("audit"))).toEqual([]);
      const behind = a.exarp(["doctor"]);
      expect(behind.code, behind.stdout).toBe(0);
      expect(behind.stdout).toContain("ok    audit: 1 audit line match the log (this machine's mirror)");
      expect(behind.stdout).toContain("note: 3 newer event(s) from #2 are not mirrored yet");

      expect(a.exarp(["add", "A2"]).code).toBe(0);
      expect(readFileSync(mirror, "utf8")).toBe(`${a.exarp(["audit"]).stdout}`);
      expect(lines(readFileSync(mirror, "utf8"))).toHaveLength(5);
      const caught = a.exarp(["doctor"]);
      expect(caught.code).toBe(0);
      expect(caught.stdout).toContain("ok    audit: 5 audit lines match the log (this machine's mirror)");
      expect(caught.stdout).not.toContain("note:");
    });

    it("a line that differs from the log is damage: doctor fails (exit 1), naming it", () => {
      const { a, mirror } = team();
      expect(a.exarp(["add", "Real one"]).code).toBe(0);
      expect(a.exarp(["add", "Real two"]).code).toBe(0);
      writeFileSync(mirror, readFileSync(mirror, "utf8").replace("Real one", "Fake one"));
      const r = a.exarp(["doctor"]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain("audit.jsonl:1 (#1) differs from the log: edited?");
      // The shared log is untouched; `exarp audit` reads it, not this copy.
      expect(a.exarp(["audit"]).stdout).toContain("Real one");
    });

    it("a tip that differs is repaired from the shared log on the next write, the damaged file kept aside", () => {
      const { a, mirror } = team();
      expect(a.exarp(["add", "Real"]).code).toBe(0);
      writeFileSync(mirror, readFileSync(mirror, "utf8").replace("Real", "Fake"));
      const r = a.exarp(["add", "Next"]);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain("the audit trail was damaged");
      expect(readFileSync(mirror, "utf8")).toBe(a.exarp(["audit"]).stdout);
      expect(readdirSync(join(a.root, ".exarp")).some((n) => n.startsWith("audit-damaged-"))).toBe(true);
      expect(a.exarp(["doctor"]).code).toBe(0);
    });

    it("a value that is not a switch is refused, naming the file or the variable", () => {
      const { a } = team();
      writeFileSync(join(a.root, ".exarp", "local.json"), `${JSON.stringify({ audit: { mirror: "yes" } })}\n`);
      refused(a.exarp(["list"]), 3, "audit.mirror must be true or false");
      writeFileSync(join(a.root, ".exarp", "local.json"), "{}\n");
      refused(a.exarp(["list"], { EXARP_AUDIT_MIRROR: "maybe" }), 2, "EXARP_AUDIT_MIRROR must be true or false");
      expect(a.exarp(["add", "Mirrored"], { EXARP_AUDIT_MIRROR: "1" }).code).toBe(0);
      expect(existsSync(join(a.root, ".exarp", "audit.jsonl"))).toBe(true);
    });

    it("`exarp migrate --to sqlite` takes the mirror for what it is, and `doctor --restore` is refused over PostgreSQL", () => {
      const { a, b } = team();
      expect(a.exarp(["add", "One"]).code).toBe(0);
      expect(b.exarp(["add", "Two"]).code).toBe(0);
      refused(a.exarp(["doctor", "--restore"]), 1, "--restore rebuilds only a lost SQLite database");
      const r = a.exarp(["migrate", "--to", "sqlite"]);
      expect(r.code, r.stderr).toBe(0);
      const doctor = a.exarp(["doctor"]);
      expect(doctor.code, doctor.stdout).toBe(0);
      expect(doctor.stdout).toContain("ok    audit: 2 audit lines match the log");
    });
  });
});
