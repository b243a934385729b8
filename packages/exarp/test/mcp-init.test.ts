// `exarp init --opencode`: adds the MCP server to opencode.json without clobbering anything, and
// refuses (changing nothing, not even creating .exarp/) when it cannot.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OPENCODE_MCP_ENTRY } from "../src/mcp/opencode-config.ts";
import { exarp } from "./support/cli.ts";
import { tempDir } from "./support/temp.ts";

const ENTRY = { type: "local", command: ["npx", "exarp", "mcp"] };

function withConfig(text?: string) {
  const dir = tempDir();
  const file = join(dir, "opencode.json");
  if (text !== undefined) writeFileSync(file, text);
  return { dir, file, read: () => readFileSync(file, "utf8") };
}

describe("exarp init --opencode", () => {
  it("uses the entry the issue names", () => {
    expect(OPENCODE_MCP_ENTRY).toEqual(ENTRY);
  });

  it("creates opencode.json when there is none", () => {
    const { dir, read } = withConfig();
    const r = exarp(dir, ["init", "--opencode"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("created opencode.json with the exarp MCP server");
    expect(JSON.parse(read())).toEqual({ $schema: "https://opencode.ai/config.json", mcp: { exarp: ENTRY } });
    expect(existsSync(join(dir, ".exarp", "exarp.db"))).toBe(true);
  });

  it("merges into an existing config, keeping every other key, server, order and the indentation", () => {
    const original = {
      $schema: "https://opencode.ai/config.json",
      model: "anthropic/claude-sonnet-4",
      mcp: { github: { type: "remote", url: "https://example.com/mcp", enabled: false } },
      agent: { build: { tools: { write: true } } },
    };
    const { dir, read } = withConfig(`${JSON.stringify(original, null, 4)}\n`);
    const r = exarp(dir, ["init", "--opencode", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).opencode).toMatchObject({ outcome: "added" });
    const text = read();
    expect(JSON.parse(text)).toEqual({ ...original, mcp: { ...original.mcp, exarp: ENTRY } });
    expect(Object.keys(JSON.parse(text))).toEqual(Object.keys(original));
    expect(text).toMatch(/^ {4}"model"/m);
    expect(text.endsWith("}\n")).toBe(true);

    // Running it again changes nothing.
    const again = exarp(dir, ["init", "--opencode"]);
    expect(again.stdout).toContain("already has the exarp MCP server");
    expect(read()).toBe(text);
  });

  it("leaves an mcp.exarp entry someone changed as it is", () => {
    const mine = `{"mcp":{"exarp":{"type":"local","command":["node","/opt/exarp/main.js","mcp"],"enabled":false}}}`;
    const { dir, read } = withConfig(mine);
    const r = exarp(dir, ["init", "--opencode"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("left as it is");
    expect(read()).toBe(mine);
  });

  it.each([
    ["is not JSON", '{ "mcp": { , } }', "is not valid JSON"],
    ["is empty", "", "is not valid JSON"],
    ["is an array", "[]", "is not a JSON object"],
    ["has an mcp that is not an object", '{ "mcp": ["exarp"] }', `its "mcp" is not an object`],
  ])("refuses a config that %s with one line, and changes nothing", (_what, text, says) => {
    const { dir, read } = withConfig(text);
    const r = exarp(dir, ["init", "--opencode"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(says);
    expect(r.stderr).toContain("opencode.json not changed");
    expect(read()).toBe(text);
    expect(existsSync(join(dir, ".exarp"))).toBe(false);
  });

  it("does not rewrite an opencode.jsonc, and says what to add", () => {
    const dir = tempDir();
    const jsonc = '{\n  // mine\n  "model": "x"\n}\n';
    writeFileSync(join(dir, "opencode.jsonc"), jsonc);
    const r = exarp(dir, ["init", "--opencode"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"exarp": {"type":"local","command":["npx","exarp","mcp"]}');
    expect(readFileSync(join(dir, "opencode.jsonc"), "utf8")).toBe(jsonc);
    expect(existsSync(join(dir, "opencode.json"))).toBe(false);
  });

  it("offers --opencode when a config lacks the server, and leaves it alone without the flag", () => {
    const { dir, read } = withConfig('{"model":"x"}');
    const r = exarp(dir, ["init"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("exarp init --opencode");
    expect(read()).toBe('{"model":"x"}');
    expect(exarp(withConfig().dir, ["init"]).stderr).toBe("");
  });
});
