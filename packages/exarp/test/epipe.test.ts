// A reader that stops early is not an error: `exarp export | head -1` through a real shell pipe ends
// quietly (exit 0, or the shell's SIGPIPE status), never with an EPIPE stack trace on stderr.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CLI } from "./support/cli.ts";
import { exportTaskLine } from "./support/expect.ts";
import { childEnv, run } from "./support/hermetic.ts";
import { tempDir } from "./support/temp.ts";

/** Bytes each command below prints in full: many times a pipe's buffer (64 KiB), so the writer outlives head. */
const AT_LEAST = 512 * 1024;

let root: string;

beforeAll(() => {
  // Not tempDir(): that folder is removed after each test, and these tests share one project.
  root = mkdtempSync(join(tmpdir(), "exarp-test-"));
  expect(run(root, ["init"]).code).toBe(0);
  const lines = Array.from({ length: 3000 }, (_, i) =>
    exportTaskLine(`T-p${i}`, "todo", i ? [`T-p${i - 1}`] : [], { title: `task ${i} ${"x".repeat(200)}` }),
  );
  writeFileSync(join(root, "big.jsonl"), `${lines.join("\n")}\n`);
  const imported = run(root, ["import", "big.jsonl"], { timeoutMs: 60_000 });
  expect(imported.code, imported.stderr).toBe(0);
  return () => rmSync(root, { recursive: true, force: true });
});

/** Runs `exarp ARGS | head -1` in bash; returns exarp's own exit status, its stderr and what head printed. */
function pipeToHead(args: string[]) {
  const quoted = args.map((a) => `'${a}'`).join(" ");
  const errFile = join(tempDir(), "stderr");
  const script = `"$NODE" "$CLI" ${quoted} 2>"$ERR" | head -1; echo "exit=\${PIPESTATUS[0]}"; cat "$ERR"`;
  const r = spawnSync("bash", ["-c", script], {
    cwd: root,
    encoding: "utf8",
    env: childEnv({ NODE: process.execPath, CLI, ERR: errFile }),
    timeout: 60_000,
  });
  expect(r.status, r.stderr).toBe(0);
  const [first, exit, ...stderr] = r.stdout.split("\n");
  return { first: first as string, exit: Number((exit as string).replace("exit=", "")), stderr: stderr.join("\n") };
}

describe("stdout closed early", () => {
  for (const args of [["export"], ["audit"], ["history", "-n", "100000"], ["list", "--all", "--json"]]) {
    it(`exarp ${args.join(" ")} | head -1 exits quietly`, () => {
      const full = run(root, args, { timeoutMs: 60_000 });
      expect(full.code).toBe(0);
      expect(full.stdout.length).toBeGreaterThan(AT_LEAST);
      const piped = pipeToHead(args);
      const stamp = (line: string | undefined) => line?.replace(/"exportedAt":\d+/, '"exportedAt":0');
      expect(stamp(piped.first)).toBe(stamp(full.stdout.split("\n")[0]));
      // 0 from the EPIPE handler; 141 (128 + SIGPIPE) would be the shell's, also a quiet end.
      expect([0, 141]).toContain(piped.exit);
      expect(piped.stderr).toBe("");
    });
  }
});
