// Properties of the installer's plan over arbitrary existing settings: what the user had survives
// install and removal exactly, a second run changes nothing, and anything changed after exarp wrote
// it is refused unless forced. Files are checked with JSON.parse, which keeps a "__proto__" key (the
// edits never re-serialise the user's text, so such keys survive in the file too).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { seed } from "../../test/support/fc-seed.ts";
import { type Artifact, artifactsFor, type Client, removalOf, type Wiring } from "./artifacts.ts";
import { type Current, planInstall, type Record_ } from "./plan.ts";

const WIRING: Wiring = {
  mcp: { command: "/usr/bin/node", args: ["/opt/exarp/dist/bin/exarp.js", "mcp", "-C", "/repo"] },
  plugin: "./node_modules/opencode-exarp",
  opencodeFile: { path: "opencode.json", format: "jsonc" },
  model: "p/m",
};

/** The settings file each client merges into, and the top-level key exarp's entry lives under. */
const MERGED: Record<Client, { file: string; under: string }> = {
  opencode: { file: "opencode.json", under: "agent" },
  "opencode-mcp": { file: "opencode.json", under: "mcp" },
  "claude-code": { file: ".mcp.json", under: "mcpServers" },
  cursor: { file: ".cursor/mcp.json", under: "mcpServers" },
  zed: { file: ".zed/settings.json", under: "context_servers" },
};

const json = fc.jsonValue({ maxDepth: 3 });
const key = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== "__proto__" && k !== "exarp");

/** A user's settings object: their own keys, and their own entries beside where exarp's goes. */
const settings = (under: string) =>
  fc.record({
    own: fc.dictionary(
      key.filter((k) => !["agent", "command", "mcp", "plugin", "$schema", under].includes(k)),
      json,
      { maxKeys: 5 },
    ),
    beside: fc.dictionary(
      key.filter((k) => !k.startsWith("exarp")),
      json,
      { maxKeys: 3 },
    ),
    indent: fc.constantFrom(0, 2, 4, "\t"),
  });

function fileSystem(initial: Record<string, string>) {
  const files = new Map(Object.entries(initial));
  const current = (path: string): Current => (files.has(path) ? { text: files.get(path) as string } : { absent: true });
  return { files, current };
}

function run(artifacts: Artifact[], fs: ReturnType<typeof fileSystem>, record: Record_, force = false) {
  const plan = planInstall(artifacts, fs.current, record, force);
  if (plan.invalid.length === 0 && plan.conflicts.length === 0) {
    for (const w of plan.writes) fs.files.set(w.path, w.text);
    for (const d of plan.deletes) fs.files.delete(d);
  }
  return plan;
}

describe("the install plan over arbitrary settings", () => {
  const clients = ["opencode-mcp", "claude-code", "cursor", "zed"] as const;

  it("keeps every key of the user's exactly, is a no-op the second time, and removal leaves the user's file", () => {
    const cases = fc
      .constantFrom(...clients)
      .chain((client) => settings(MERGED[client].under).map((s) => ({ client, ...s })));
    fc.assert(
      fc.property(cases, (c) => {
        const { file, under } = MERGED[c.client];
        const { client, indent } = c;
        // As JSON holds them (-0 is written as 0).
        const { own, beside } = JSON.parse(JSON.stringify({ own: c.own, beside: c.beside })) as typeof c;
        const original = { ...own, [under]: beside };
        const fs = fileSystem({ [file]: `${JSON.stringify(original, null, indent)}\n` });
        const artifacts = artifactsFor(client, WIRING).filter((a) => a.kind !== "file");
        const first = run(artifacts, fs, {});
        expect(first.conflicts).toEqual([]);
        const after = JSON.parse(fs.files.get(file) as string) as Record<string, unknown>;
        for (const [k, v] of Object.entries(own)) expect(after[k]).toEqual(v);
        for (const [k, v] of Object.entries(beside)) expect((after[under] as Record<string, unknown>)[k]).toEqual(v);

        const again = run(artifacts, fs, first.record);
        expect(again.writes).toEqual([]);
        expect(again.steps.every((s) => s.action === "unchanged")).toBe(true);

        const removal = run(
          artifacts.flatMap((a) => removalOf(a) ?? []),
          fs,
          first.record,
        );
        expect(removal.conflicts).toEqual([]);
        const removed = JSON.parse(fs.files.get(file) as string) as Record<string, unknown>;
        for (const [k, v] of Object.entries(own)) expect(removed[k]).toEqual(v);
        expect(removed[under]).toEqual(beside);
        expect(Object.keys(removal.record)).toEqual([]);
      }),
      { numRuns: 200, seed: seed("install and removal") },
    );
  });

  it("refuses, and writes nothing, when exarp's entry was changed after it was written; --force replaces it", () => {
    fc.assert(
      fc.property(fc.constantFrom(...clients), json, (client, edit) => {
        const { file, under } = MERGED[client];
        const fs = fileSystem({});
        const artifacts = artifactsFor(client, WIRING).filter((a) => a.kind !== "file");
        const first = run(artifacts, fs, {});
        const config = JSON.parse(fs.files.get(file) as string) as Record<string, Record<string, unknown>>;
        const entry = Object.keys(config[under] ?? {}).find((k) => k.startsWith("exarp")) as string;
        fc.pre(JSON.stringify(edit) !== JSON.stringify(config[under]?.[entry]));
        (config[under] as Record<string, unknown>)[entry] = edit;
        const edited = JSON.stringify(config);
        fs.files.set(file, edited);
        const refused = run(artifacts, fs, first.record);
        expect(refused.conflicts.length).toBeGreaterThan(0);
        expect(fs.files.get(file)).toBe(edited);
        const forced = run(artifacts, fs, first.record, true);
        expect(forced.conflicts).toEqual([]);
        expect(run(artifacts, fs, forced.record).writes).toEqual([]);
      }),
      { numRuns: 60, seed: seed("install conflicts") },
    );
  });
});
