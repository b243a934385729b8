// `exarp init --database URL`: the team's PostgreSQL project, created in an empty schema and joined
// (never wiped, never re-created) where it exists; every refusal one line, with nothing written,
// neither in the checkout nor in the database. The real CLI, against the real test cluster.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lines } from "./support/hermetic.ts";
import { checkout, closedPort, onSchema, refused, shown, tablesOf, teamUrl } from "./support/team.ts";

const config = (root: string) => JSON.parse(readFileSync(join(root, ".exarp", "config.json"), "utf8"));
const eventCount = async (url: string) =>
  Number((await onSchema<{ n: string }>(url, "SELECT count(*) AS n FROM events"))[0]?.n);

describe("exarp init --database", () => {
  it("creates the project in an empty schema and saves the URL in config.json, keeping its other keys", async () => {
    const url = teamUrl();
    const a = checkout();
    mkdirSync(join(a.root, ".exarp"));
    writeFileSync(join(a.root, ".exarp", "config.json"), `${JSON.stringify({ audit: { maxBytes: 4096 } })}\n`);
    const r = a.exarp(["init", "--database", url]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(lines(r.stdout)).toEqual([
      `created the team project at ${shown(url)} (PostgreSQL)`,
      `this checkout's settings at ${join(a.root, ".exarp")}`,
      "saved database.url in .exarp/config.json: commit it, and each teammate's `exarp init` joins",
    ]);
    expect(config(a.root)).toEqual({ audit: { maxBytes: 4096 }, database: { url: shown(url) } });
    expect(await tablesOf(url)).toContain("events");
    // No SQLite database: the project lives in PostgreSQL.
    expect(existsSync(join(a.root, ".exarp", "exarp.db"))).toBe(false);
    expect(a.exarp(["add", "Shared task"]).code).toBe(0);

    // A teammate's checkout with the committed config.json joins the same project.
    const b = checkout();
    mkdirSync(join(b.root, ".exarp"));
    writeFileSync(join(b.root, ".exarp", "config.json"), readFileSync(join(a.root, ".exarp", "config.json")));
    const joined = b.json(["init"]);
    expect(joined.database).toEqual({
      backend: "postgres",
      location: shown(url),
      created: false,
      events: 1,
      saved: [],
    });
    expect(joined.project.created).toBe(false);
    expect(b.json(["list"]).tasks.map((t: { title: string }) => t.title)).toEqual(["Shared task"]);
  });

  it("joins a schema that holds the project: never wipes, never re-creates, says how many events", async () => {
    const url = teamUrl();
    const a = checkout();
    expect(a.exarp(["init", "--database", url]).code).toBe(0);
    for (const title of ["one", "two", "three"]) expect(a.exarp(["add", title]).code).toBe(0);
    const before = await onSchema(url, "SELECT seq, hash FROM events ORDER BY seq");

    const b = checkout();
    const r = b.exarp(["init", "--database", url]);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)[0]).toBe(`joined the team project at ${shown(url)} (3 events)`);
    // Again in the same checkout: the same answer, and config.json is not rewritten.
    const files = b.files();
    const again = b.exarp(["init", "--database", url]);
    expect(lines(again.stdout)).toEqual([
      `joined the team project at ${shown(url)} (3 events)`,
      `this checkout's settings at ${join(b.root, ".exarp")}`,
    ]);
    expect(b.files()).toEqual(files);
    expect(await onSchema(url, "SELECT seq, hash FROM events ORDER BY seq")).toEqual(before);
  });

  it("a checkout whose SQLite project has no history yet may move to the team database", async () => {
    const url = teamUrl();
    const a = checkout();
    expect(a.json(["init"]).database).toEqual({
      backend: "sqlite",
      location: join(a.root, ".exarp", "exarp.db"),
      created: true,
      events: null,
    });
    const r = a.json(["init", "--database", url]);
    expect(r.database).toMatchObject({ backend: "postgres", created: true, events: 0, saved: ["database.url"] });
    expect(a.json(["schema"]).backend).toBe("postgres");
  });

  it("--dry-run reaches the database and says what it would do, writing nothing anywhere", async () => {
    const url = teamUrl();
    const a = checkout();
    const r = a.exarp(["init", "--database", url, "--dry-run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`would create the team project at ${shown(url)}`);
    expect(r.stdout).toContain("would save database.url in .exarp/config.json");
    expect(r.stdout).toContain("dry run: nothing changed");
    expect(existsSync(join(a.root, ".exarp"))).toBe(false);
    expect(await tablesOf(url)).toEqual([]);
  });

  it("--database-password-env is saved, and the variable is then required", async () => {
    const url = teamUrl();
    const a = checkout({ TEAM_PW: "unused-by-trust-auth" });
    const r = a.json(["init", "--database", url, "--database-password-env", "TEAM_PW"]);
    expect(r.database.saved).toEqual(["database.url", "database.passwordEnv"]);
    expect(config(a.root).database).toEqual({ url: shown(url), passwordEnv: "TEAM_PW" });
    expect(JSON.stringify(config(a.root))).not.toContain("unused-by-trust-auth");
    expect(a.exarp(["list"]).code).toBe(0);
    refused(a.exarp(["list"], { TEAM_PW: undefined }), 2, "database.passwordEnv names TEAM_PW, which is not set");
  });

  describe("refuses, with one line and nothing written", () => {
    /** Runs init in a fresh checkout and checks that neither the checkout nor the schema changed. */
    async function refusedInit(args: string[], code: number, message: RegExp | string, env: NodeJS.ProcessEnv = {}) {
      const a = checkout(env);
      const url = teamUrl();
      const given = args.map((x) => (x === "$URL" ? url : x));
      const before = a.files();
      refused(a.exarp(["init", ...given]), code, message);
      expect(a.files()).toEqual(before);
      expect(await tablesOf(url)).toEqual([]);
    }

    it("a URL carrying a password (exit 2), pointing to where passwords go", async () => {
      const url = new URL(teamUrl());
      url.password = "s3cret";
      const a = checkout();
      const r = a.exarp(["init", "--database", url.href]);
      refused(r, 2, "put it in ~/.pgpass, PGPASSFILE or PGPASSWORD, or name a variable with --database-password-env");
      expect(r.stderr).not.toContain("s3cret");
      expect(existsSync(join(a.root, ".exarp"))).toBe(false);
    });

    it("a URL that is not postgres:// (exit 2)", async () => {
      for (const bad of ["mysql://u@127.0.0.1/db", "sqlite", ".exarp/exarp.db", "postgres://"])
        await refusedInit(["--database", bad], 2, /--database must be a postgres:\/\/ URL|database URL/);
      await refusedInit(["--database", ""], 2, "--database is empty");
    });

    it("a hostile schema name or a control character in the URL (exit 2)", async () => {
      await refusedInit(
        ["--database", `postgres://u@127.0.0.1:1/db?schema=x"; DROP SCHEMA public CASCADE; --`],
        2,
        "must be a lowercase SQL name",
      );
      const a = checkout();
      const r = a.exarp(["init", "--database", "postgres://u@127.0.0.1:1/db?schema=\u001b[31mred"]);
      expect(r.code).toBe(2);
      expect(r.stderr).not.toContain("\u001b");
      expect(existsSync(join(a.root, ".exarp"))).toBe(false);
    });

    it("a server it cannot reach (exit 5, Unavailable)", async () => {
      const port = await closedPort();
      const a = checkout();
      const r = a.exarp(["init", "--database", `postgres://postgres@127.0.0.1:${port}/postgres?schema=nowhere`]);
      refused(r, 5, `cannot reach the database at postgres://postgres@127.0.0.1:${port}/postgres?schema=nowhere`);
      expect(existsSync(join(a.root, ".exarp"))).toBe(false);
      const json = a.exarp(["init", "--database", `postgres://postgres@127.0.0.1:${port}/postgres`, "--json"]);
      expect(json.code).toBe(5);
      expect(JSON.parse(json.stderr).error.name).toBe("Unavailable");
    });

    it("a schema holding someone else's tables (exit 3), left as it was", async () => {
      const url = teamUrl();
      await onSchema(url, `CREATE SCHEMA IF NOT EXISTS "${new URL(url).searchParams.get("schema")}"`);
      await onSchema(url, "CREATE TABLE invoices (id int); INSERT INTO invoices VALUES (7)");
      const a = checkout();
      refused(a.exarp(["init", "--database", url]), 3, "holds tables that are not an exarp project");
      expect(existsSync(join(a.root, ".exarp"))).toBe(false);
      expect(await tablesOf(url)).toEqual(["invoices"]);
      expect(await onSchema(url, "SELECT id FROM invoices")).toEqual([{ id: 7 }]);
    });

    it("a checkout whose SQLite project has history: points to `exarp migrate --to URL` (exit 1)", async () => {
      const url = teamUrl();
      const a = checkout();
      expect(a.exarp(["init"]).code).toBe(0);
      expect(a.exarp(["add", "Local work"]).code).toBe(0);
      const before = a.files();
      refused(a.exarp(["init", "--database", url]), 1, "`exarp migrate --to URL`");
      expect(a.files()).toEqual(before);
      expect(await tablesOf(url)).toEqual([]);
      // The audit trail alone is history too (a lost database is restored, never replaced).
      const b = checkout();
      expect(b.exarp(["init"]).code).toBe(0);
      expect(b.exarp(["add", "Local work"]).code).toBe(0);
      writeFileSync(join(b.root, ".exarp", "exarp.db"), "");
      refused(b.exarp(["init", "--database", url]), 1, "(1 event)");
    });

    it("a project that already uses another database (exit 1), or an environment that overrides it (exit 2)", async () => {
      const first = teamUrl();
      const a = checkout();
      expect(a.exarp(["init", "--database", first]).code).toBe(0);
      const second = teamUrl();
      const before = a.files();
      refused(a.exarp(["init", "--database", second]), 1, `this project already uses ${shown(first)}`);
      expect(a.files()).toEqual(before);
      expect(await tablesOf(second)).toEqual([]);
      await refusedInit(["--database", "$URL"], 2, "EXARP_DATABASE_URL names", { EXARP_DATABASE_URL: first });
    });

    it("a password variable that is unset or not a name, or given without --database (exit 2)", async () => {
      await refusedInit(
        ["--database", "$URL", "--database-password-env", "NOT_SET_ANYWHERE"],
        2,
        "--database-password-env names NOT_SET_ANYWHERE, which is not set",
      );
      await refusedInit(["--database", "$URL", "--database-password-env", "1BAD-NAME"], 2, "name of an environment");
      await refusedInit(["--database-password-env", "PGPASSWORD"], 2, "--database-password-env goes with --database");
      await refusedInit(["--remove", "--database", "$URL"], 2, "init --remove takes no --database");
    });
  });

  it("keeps init's other behaviour on SQLite: the database line names the backend", () => {
    const a = checkout();
    const r = a.exarp(["init"]);
    expect(lines(r.stdout)[0]).toBe(
      `exarp project now at ${join(a.root, ".exarp")} (SQLite: ${join(a.root, ".exarp", "exarp.db")})`,
    );
    expect(lines(a.exarp(["init"]).stdout)[0]).toMatch(/^exarp project already at /);
  });

  it("a teammate's `exarp init` on a fresh clone joins; a wiped checkout loses nothing", async () => {
    const url = teamUrl();
    const a = checkout();
    expect(a.exarp(["init", "--database", url]).code).toBe(0);
    expect(a.exarp(["add", "Kept"]).code).toBe(0);
    const b = checkout({ EXARP_DATABASE_URL: url });
    const r = b.exarp(["init"]);
    expect(lines(r.stdout)[0]).toBe(`joined the team project at ${shown(url)} (1 event)`);
    // The URL came from the environment: nothing is saved.
    expect(existsSync(join(b.root, ".exarp", "config.json"))).toBe(false);
    expect(await eventCount(url)).toBe(1);
  });
});
