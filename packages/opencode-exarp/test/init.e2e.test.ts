// `exarp init --opencode` checks its wiring with the real OpenCode (offline, isolated): it says the
// plugin loaded when it did, and says why not — exit 1 — when the installed package does not load.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { EXARP_CLI, isolatedEnv, OPENCODE_BIN } from "./support/opencode.ts";

const PLUGIN_PACKAGE = fileURLToPath(new URL("../", import.meta.url));
const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A repository whose node_modules/opencode-exarp is `plugin`, with the real opencode on PATH. */
function project(plugin: (dir: string) => void) {
  const scratch = mkdtempSync(join(tmpdir(), "exarp-init-oc-"));
  made.push(scratch);
  const root = join(scratch, "repo");
  mkdirSync(join(root, ".git"), { recursive: true });
  mkdirSync(join(root, "node_modules"));
  plugin(join(root, "node_modules", "opencode-exarp"));
  const env = isolatedEnv(scratch);
  symlinkSync(OPENCODE_BIN, join(scratch, "bin", "opencode"));
  const init = () =>
    spawnSync(process.execPath, [EXARP_CLI, "init", "--opencode"], {
      cwd: root,
      env,
      encoding: "utf8",
      timeout: 120_000,
    });
  return { root, init };
}

describe("exarp init --opencode with the real OpenCode", () => {
  it("says OpenCode loaded the plugin when its tools are there", () => {
    const p = project((dir) => symlinkSync(PLUGIN_PACKAGE, dir));
    const r = p.init();
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /OpenCode \(plugin\): OpenCode loaded the plugin \(exarp_board on exarp-build\) in \d+ ms/,
    );
    expect(r.stderr).toBe("");
  }, 120_000);

  it("says exactly that it does not load, exit 1, when the installed package is broken", () => {
    const p = project((dir) => {
      mkdirSync(dir);
      writeFileSync(
        join(dir, "package.json"),
        JSON.stringify({ name: "opencode-exarp", type: "module", main: "index.js" }),
      );
      writeFileSync(join(dir, "index.js"), 'throw new Error("broken on purpose");\n');
    });
    const r = p.init();
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain("OpenCode (plugin): wired, but OpenCode does NOT load the plugin");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("fails: error: broken on purpose (");
    expect(r.stderr).toContain("opencode-exarp/index.js:1:");
  }, 120_000);
});
