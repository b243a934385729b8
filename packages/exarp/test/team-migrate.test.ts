// `exarp migrate --to`: the full log, hashes and all, copied into an empty target and verified on
// both sides, then the project repointed; a refused or failed copy changes nothing anywhere.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lines } from "./support/hermetic.ts";
import { checkout, closedPort, onSchema, refused, shown, tablesOf, teamUrl } from "./support/team.ts";

/** The event lines of `exarp export` (seq, hashes, payloads): the log as a project holds it. */
function logOf(p: ReturnType<typeof checkout>, env: NodeJS.ProcessEnv = {}): string[] {
  const r = p.exarp(["export"], env);
  expect(r.code, r.stderr).toBe(0);
  return lines(r.stdout).filter((l) => l.startsWith('{"kind":"event"'));
}

/** A SQLite project with some history of most kinds: tasks, a dependency, a comment, a lease, an edit. */
function sqliteProject() {
  const p = checkout();
  expect(p.exarp(["init"]).code).toBe(0);
  const a = p.json(["add", "Schema", "-p", "high"]).task.id as string;
  const b = p.json(["add", "API", "--depends-on", a]).task.id as string;
  expect(p.exarp(["comment", a, "first draft"]).code).toBe(0);
  expect(p.exarp(["claim", a], { EXARP_AGENT: "agent:build" }).code).toBe(0);
  expect(p.exarp(["edit", b, "--title", "Invoice API"]).code).toBe(0);
  return p;
}

const doctorOk = (p: ReturnType<typeof checkout>) => {
  const r = p.exarp(["doctor"]);
  expect(r.code, r.stdout).toBe(0);
  return r.stdout;
};

const config = (root: string) => JSON.parse(readFileSync(join(root, ".exarp", "config.json"), "utf8"));

describe("exarp migrate", () => {
  it("round trip sqlite → postgres → sqlite keeps every event and hash; doctor passes on each", async () => {
    const p = sqliteProject();
    const log = logOf(p);
    expect(log.length).toBeGreaterThanOrEqual(7);
    const url = teamUrl();

    const up = p.json(["migrate", "--to", url]).migrate;
    expect(up).toMatchObject({
      from: { backend: "sqlite", location: join(p.root, ".exarp", "exarp.db") },
      to: { backend: "postgres", location: shown(url) },
      events: log.length,
      repointed: [".exarp/config.json"],
      notes: [],
    });
    expect(up.lastHash).toMatch(/^[0-9a-f]{64}$/);
    expect(config(p.root)).toEqual({ database: { url: shown(url) } });
    // The SQLite files are kept, as they were, out of the way.
    expect(existsSync(join(p.root, ".exarp", "exarp.db"))).toBe(false);
    expect(readdirSync(up.keptAside).sort()).toEqual(["audit.jsonl", "exarp.db"]);
    expect(logOf(p)).toEqual(log);
    expect(doctorOk(p)).toContain(`ok    postgres: connected to ${shown(url)}, schema version 7`);
    expect(p.json(["leases"]).leases.map((l: { agent: string }) => l.agent)).toEqual(["agent:build"]);

    // Work goes on in PostgreSQL, then the project comes back to a file.
    expect(p.exarp(["add", "Written in PostgreSQL"]).code).toBe(0);
    const grown = logOf(p);
    const down = p.exarp(["migrate", "--to", "sqlite"]);
    expect(down.code, down.stderr).toBe(0);
    expect(lines(down.stdout)[0]).toContain(`copied ${grown.length} events from ${shown(url)} (postgres)`);
    expect(config(p.root)).toEqual({});
    expect(logOf(p)).toEqual(grown);
    const doctor = doctorOk(p);
    expect(doctor).toContain("ok    sqlite: database file integrity");
    expect(doctor).toContain(`ok    audit: ${grown.length} audit lines match the log`);
    // The source was never changed: the team database still holds the log as it was.
    expect(Number((await onSchema<{ n: string }>(url, "SELECT count(*) AS n FROM events"))[0]?.n)).toBe(grown.length);
    expect(p.exarp(["add", "Back in SQLite"]).code).toBe(0);
    expect(doctorOk(p)).toContain(`${grown.length + 1} audit lines match the log`);
  });

  it("tokens travel with the log: a secret made on SQLite still works on PostgreSQL and back", () => {
    const p = sqliteProject();
    const secret = p.exarp(["token", "create", "--scope", "viewer", "-q"]).stdout.trim();
    const url = teamUrl();
    expect(p.exarp(["migrate", "--to", url]).code).toBe(0);
    expect(p.json(["token", "list"]).tokens.map((t: { revokedAt: unknown }) => t.revokedAt)).toEqual([null]);
    expect(p.exarp(["migrate", "--to", "sqlite"]).code).toBe(0);
    expect(p.json(["token", "list"]).tokens).toHaveLength(1);
    expect(doctorOk(p)).toContain("ok    replay");
    expect(readFileSync(join(p.root, ".exarp", "audit.jsonl"), "utf8")).not.toContain(secret);
  });

  it("postgres → postgres; a URL from EXARP_DATABASE_URL is named as still to be changed", () => {
    const first = teamUrl();
    const second = teamUrl();
    const p = checkout({ EXARP_DATABASE_URL: first });
    expect(p.exarp(["init"]).code).toBe(0);
    expect(p.exarp(["add", "Moved"]).code).toBe(0);
    const log = logOf(p);
    const r = p.exarp(["migrate", "--to", second]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `note: EXARP_DATABASE_URL still names ${shown(first)} and overrides the files: set it to ${shown(second)}`,
    );
    expect(config(p.root)).toEqual({ database: { url: shown(second) } });
    expect(logOf(p, { EXARP_DATABASE_URL: second })).toEqual(log);
    const back = p.exarp(["migrate", "--to", "sqlite"], { EXARP_DATABASE_URL: second });
    expect(back.stdout).toContain("unset it, or exarp keeps using PostgreSQL");
  });

  it("refuses a target that holds history (exit 1): nothing changed on either side", async () => {
    const p = sqliteProject();
    const url = teamUrl();
    const other = checkout();
    expect(other.exarp(["init", "--database", url]).code).toBe(0);
    expect(other.exarp(["add", "Theirs"]).code).toBe(0);
    const files = p.files();
    const theirs = await onSchema(url, "SELECT seq, hash FROM events ORDER BY seq");
    refused(p.exarp(["migrate", "--to", url]), 1, `${shown(url)} already holds an exarp project with 1 event`);
    expect(p.files()).toEqual(files);
    expect(await onSchema(url, "SELECT seq, hash FROM events ORDER BY seq")).toEqual(theirs);

    // Back to SQLite where .exarp/ still holds an earlier SQLite project: refused the same way.
    const q = sqliteProject();
    const team = teamUrl();
    expect(q.exarp(["init"], { EXARP_DATABASE_URL: team }).code).toBe(0);
    const before = q.files();
    refused(
      q.exarp(["migrate", "--to", "sqlite"], { EXARP_DATABASE_URL: team }),
      1,
      "still holds an earlier SQLite project",
    );
    expect(q.files()).toEqual(before);
  });

  it("refuses an unreachable target (exit 5), changing nothing", async () => {
    const p = sqliteProject();
    const files = p.files();
    const log = logOf(p);
    const port = await closedPort();
    refused(
      p.exarp(["migrate", "--to", `postgres://postgres@127.0.0.1:${port}/postgres?schema=away`]),
      5,
      `cannot reach the database at postgres://postgres@127.0.0.1:${port}/postgres?schema=away`,
    );
    expect(p.files()).toEqual(files);
    expect(logOf(p)).toEqual(log);
  });

  it("refuses bad targets with one line (exit 2), and someone else's tables (exit 3)", async () => {
    const p = sqliteProject();
    const files = p.files();
    const withPassword = new URL(teamUrl());
    withPassword.password = "hunter2";
    const r = p.exarp(["migrate", "--to", withPassword.href]);
    refused(r, 2, "put it in ~/.pgpass, PGPASSFILE or PGPASSWORD");
    expect(r.stderr).not.toContain("hunter2");
    refused(p.exarp(["migrate"]), 2, "migrate needs --to");
    refused(p.exarp(["migrate", "--to", "mysql://u@h/db"]), 2, "--to must be a postgres:// URL");
    refused(p.exarp(["migrate", "--to", "sqlite"]), 2, "the project is already in");
    refused(
      p.exarp(["migrate", "--to", "sqlite", "--database-password-env", "PGPASSWORD"]),
      2,
      "--database-password-env goes with --to postgres://",
    );
    const foreign = teamUrl();
    await onSchema(foreign, `CREATE SCHEMA "${new URL(foreign).searchParams.get("schema")}"`);
    await onSchema(foreign, "CREATE TABLE orders (id int)");
    refused(p.exarp(["migrate", "--to", foreign]), 3, "holds tables that are not an exarp project");
    expect(await tablesOf(foreign)).toEqual(["orders"]);
    expect(p.files()).toEqual(files);
  });

  it("refuses a source whose log does not verify (exit 3): nothing copied, nothing repointed", async () => {
    const url = teamUrl();
    const p = checkout();
    expect(p.exarp(["init", "--database", url]).code).toBe(0);
    expect(p.exarp(["add", "Real"]).code).toBe(0);
    await onSchema(url, "UPDATE events SET payload = replace(payload, 'Real', 'Fake')");
    const files = p.files();
    refused(p.exarp(["migrate", "--to", "sqlite"]), 3, "its event log does not verify");
    expect(p.files()).toEqual(files);
  });
});
