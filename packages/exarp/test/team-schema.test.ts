// `exarp schema` and `exarp schema upgrade`: what the database holds against what this exarp
// writes, and the explicit team upgrade. Older and newer schemas are made behind exarp's back.
import { describe, expect, it } from "vitest";
import { lines } from "./support/hermetic.ts";
import { checkout, closedPort, onSchema, refused, shown, teamUrl } from "./support/team.ts";

/** A team project with two tasks, and its checkout. */
function teamProject() {
  const url = teamUrl();
  const a = checkout();
  expect(a.exarp(["init", "--database", url]).code).toBe(0);
  expect(a.exarp(["add", "one"]).code).toBe(0);
  expect(a.exarp(["add", "two"]).code).toBe(0);
  return { url, ...a };
}

const meta = (url: string) =>
  onSchema(url, 'SELECT schema_version AS version, compatible_from AS "compatibleFrom" FROM exarp_meta');

describe("exarp schema", () => {
  it("shows the backend, where, the version in the database, the one this exarp writes, and that it can use it", () => {
    const p = teamProject();
    const r = p.exarp(["schema"]);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toEqual([
      "backend   postgres",
      `location  ${shown(p.url)}`,
      "database  schema version 7 (usable by an exarp that knows 7 or newer)",
      "exarp     writes schema version 7",
      "usable    yes",
    ]);
    expect(p.json(["schema"])).toEqual({
      backend: "postgres",
      location: shown(p.url),
      version: 7,
      compatibleFrom: 7,
      writes: 7,
      usable: true,
    });
    expect(p.exarp(["schema", "upgrade"]).stdout).toBe(
      `${shown(p.url)} is already at schema version 7; nothing changed\n`,
    );
  });

  it("on SQLite: the file's version; upgrade says SQLite upgrades itself on open", () => {
    const a = checkout();
    expect(a.exarp(["init"]).code).toBe(0);
    expect(a.json(["schema"])).toMatchObject({ backend: "sqlite", version: 7, writes: 7, usable: true });
    const up = a.exarp(["schema", "upgrade"]);
    expect(up.code).toBe(0);
    expect(up.stdout).toContain("SQLite upgrades itself when a command opens it");
  });

  it("a schema one version older is refused by every command until `exarp schema upgrade`, which keeps every event", async () => {
    const p = teamProject();
    const before = await onSchema(p.url, "SELECT seq, hash FROM events ORDER BY seq");
    // What a database of the release before task sources looks like.
    await onSchema(p.url, "DROP TABLE task_sources; UPDATE exarp_meta SET schema_version = 6, compatible_from = 6");
    for (const args of [["list"], ["add", "three"], ["doctor"], ["audit"], ["history"], ["token", "list"], ["next"]])
      refused(p.exarp(args), 3, "schema version 6 is older than this exarp's (7); run `exarp schema upgrade`");
    const status = p.exarp(["schema", "--json"]);
    expect(status.code).toBe(3);
    expect(JSON.parse(status.stdout)).toMatchObject({ version: 6, writes: 7, usable: false });
    expect(JSON.parse(status.stdout).problem).toContain("run `exarp schema upgrade`");

    const up = p.exarp(["schema", "upgrade"]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain(`upgraded ${shown(p.url)} from schema version 6 to 7`);
    expect(await meta(p.url)).toEqual([{ version: 7, compatibleFrom: 7 }]);
    expect(await onSchema(p.url, "SELECT seq, hash FROM events ORDER BY seq")).toEqual(before);
    expect(p.json(["list"]).tasks).toHaveLength(2);
    expect(p.exarp(["token", "list"]).stdout).toBe("no tokens\n");
    expect(p.exarp(["doctor"]).code).toBe(0);
    expect(p.json(["schema", "upgrade"])).toMatchObject({ from: 7, to: 7, upgraded: false });
  });

  it("a newer schema this exarp cannot read is refused, upgrade included: upgrade exarp", async () => {
    const p = teamProject();
    await onSchema(p.url, "UPDATE exarp_meta SET schema_version = 99, compatible_from = 99");
    for (const args of [["list"], ["add", "three"], ["schema", "upgrade"], ["init"]])
      refused(p.exarp(args), 3, "schema version 99 needs an exarp that knows schema 99 or newer");
    expect(p.exarp(["list"]).stderr).toContain("upgrade exarp");
    const status = p.exarp(["schema"]);
    expect(status.code).toBe(3);
    expect(status.stdout).toContain("usable    no: ");
    expect(await meta(p.url)).toEqual([{ version: 99, compatibleFrom: 99 }]);
  });

  it("a newer schema that stays compatible with this exarp's is used", async () => {
    const p = teamProject();
    await onSchema(p.url, "UPDATE exarp_meta SET schema_version = 99, compatible_from = 6");
    expect(p.json(["list"]).tasks).toHaveLength(2);
    expect(p.exarp(["add", "three"]).code).toBe(0);
    expect(p.json(["schema"])).toMatchObject({ version: 99, compatibleFrom: 6, writes: 7, usable: true });
    expect(p.exarp(["schema", "upgrade"]).stdout).toContain("is already at schema version 99; nothing changed");
    expect(await meta(p.url)).toEqual([{ version: 99, compatibleFrom: 6 }]);
  });

  it("refuses a wrong action (exit 2), a missing project (exit 3) and an unreachable server (exit 5)", async () => {
    const p = teamProject();
    refused(p.exarp(["schema", "downgrade"]), 2, 'schema takes upgrade, or nothing for the status, not "downgrade"');
    refused(checkout().exarp(["schema"]), 3, "no exarp project");
    const port = await closedPort();
    refused(
      p.exarp(["schema"], { EXARP_DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/postgres` }),
      5,
      "cannot reach the database",
    );
    refused(
      p.exarp(["schema", "upgrade"], { EXARP_DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/postgres` }),
      5,
      "cannot reach the database",
    );
    // An empty schema holds no project: upgrade does not create one.
    const empty = teamUrl();
    refused(p.exarp(["schema", "upgrade"], { EXARP_DATABASE_URL: empty }), 3, "`exarp init --database URL`");
    const status = p.exarp(["schema", "--json"], { EXARP_DATABASE_URL: empty });
    expect(status.code).toBe(3);
    expect(JSON.parse(status.stdout)).toMatchObject({ version: 0, usable: false });
  });
});
