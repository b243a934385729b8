// Who acts. The person at the machine is named from the uid, so Node and Bun agree with `$USER` unset
// or lying; `--as` and `$EXARP_AGENT` pass one schema; a sub-agent reads but never writes.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { childEnv, dump, lines, run, runJson, stateBytes } from "./support/hermetic.ts";
import { tempDir } from "./support/temp.ts";

const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const SRC = fileURLToPath(new URL("../src/index.ts", import.meta.url));
const BUN = fileURLToPath(new URL("../../../node_modules/.bin/bun", import.meta.url));

/** The login name of this process's uid, read from /etc/passwd here (the test's own oracle). */
function passwdName(): string {
  const uid = String(process.getuid?.());
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.split(":")[2] === uid);
  if (!line) throw new Error(`uid ${uid} has no /etc/passwd entry: this test needs one to compare against`);
  return line.split(":")[0] as string;
}

/** Runs a tiny script printing `{ osUserName, actor }` under a runtime, importing the library from `entry`. */
function whoAmI(runtime: "node" | "bun", env: NodeJS.ProcessEnv): { os: string; actor: { name: string } } {
  const dir = tempDir();
  const script = join(dir, runtime === "node" ? "who.mjs" : "who.ts");
  const entry = runtime === "node" ? DIST : SRC;
  writeFileSync(
    script,
    `import { actorFromEnv, osUserName } from ${JSON.stringify(entry)};
process.stdout.write(JSON.stringify({ os: osUserName(), actor: actorFromEnv(process.env) }));`,
  );
  const r = spawnSync(runtime === "node" ? process.execPath : BUN, [script], {
    cwd: dir,
    encoding: "utf8",
    env: childEnv(env),
    timeout: 30_000,
  });
  expect(r.status, `${runtime}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout);
}

describe("the person at the machine", () => {
  it("is user:<login of the uid> under Node and under Bun, with $USER and $LOGNAME unset", () => {
    const expected = passwdName();
    const node = whoAmI("node", {});
    const bun = whoAmI("bun", {});
    expect(node).toEqual({ os: expected, actor: { name: `user:${expected}`, session: null } });
    expect(bun).toEqual(node);
  });

  it("is the same whatever $USER claims: the environment does not name the person", () => {
    const expected = passwdName();
    const lying = { USER: "mallory", LOGNAME: "mallory" };
    expect(whoAmI("node", lying).os).toBe(expected);
    expect(whoAmI("bun", lying).os).toBe(expected);
  });

  it("is who the CLI records when no identity is given", () => {
    const root = tempDir();
    expect(run(root, ["init"]).code).toBe(0);
    runJson(root, ["add", "x"]);
    expect(runJson(root, ["history"]).events.map((e: { actor: string }) => e.actor)).toEqual([`user:${passwdName()}`]);
  });
});

describe("identities given on the command line and in the environment", () => {
  function project() {
    const root = tempDir();
    expect(run(root, ["init"]).code).toBe(0);
    const id = runJson(root, ["add", "x"]).task.id as string;
    return { root, id };
  }

  /** Refused with `code`, one stderr line matching `message`, nothing written. */
  function refused(root: string, args: string[], code: number, message: RegExp, env?: NodeJS.ProcessEnv) {
    const before = { bytes: stateBytes(root), rows: dump(root) };
    const r = run(root, args, { env });
    expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(code);
    expect(r.stdout).toBe("");
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(stateBytes(root)).toEqual(before.bytes);
    expect(dump(root)).toEqual(before.rows);
  }

  it("--as must be 1–100 characters without control, separator or bidi characters (exit 2)", () => {
    const { root, id } = project();
    refused(root, ["add", "y", "--as", ""], 2, /^exarp: --as is empty$/m);
    refused(root, ["add", "y", "--as", "   "], 2, /--as: identity is empty/);
    refused(root, ["add", "y", "--as", `agent:${"a".repeat(95)}`], 2, /--as: identity is longer than 100 characters/);
    // (NUL cannot reach argv at all: the operating system ends the string there.)
    for (const bad of ["agent:\u001b[2J", "agent:a\u0085", "agent:a\u2028b", "agent:\u202eevil", "user:a\nb"])
      refused(root, ["add", "y", "--as", bad], 2, /--as: identity contains a/);
    // The same for reads: an identity is checked before anything is opened.
    refused(root, ["list", "--as", "agent:\u0007"], 2, /--as: identity contains a control character \(U\+0007/);
    refused(root, ["show", id, "--session", "s\u009b1", "--as", "agent:a"], 2, /--session: session contains a control/);
    // The limit itself is allowed.
    const hundred = `agent:${"a".repeat(94)}`;
    expect(runJson(root, ["add", "y", "--as", hundred]).task.title).toBe("y");
    expect(runJson(root, ["history"]).events.at(-1).actor).toBe(hundred);
  });

  it("an invalid $EXARP_AGENT or $EXARP_SESSION is bad input for reads and writes alike (exit 2)", () => {
    const { root, id } = project();
    for (const args of [["list"], ["show", id], ["add", "y"]]) {
      refused(root, args, 2, /EXARP_AGENT: identity contains a control character/, { EXARP_AGENT: "agent:\u001b[31m" });
      refused(root, args, 2, /EXARP_AGENT: identity is longer than 100/, { EXARP_AGENT: "a".repeat(101) });
      refused(root, args, 2, /EXARP_SESSION: session contains a bidirectional/, { EXARP_SESSION: "s\u2066" });
    }
    // --as wins over a valid $EXARP_AGENT.
    runJson(root, ["add", "z", "--as", "agent:flag"], { EXARP_AGENT: "agent:env" });
    expect(runJson(root, ["history"]).events.at(-1).actor).toBe("agent:flag");
  });

  it("a subagent: identity reads everything and writes nothing (exit 1)", () => {
    const { root, id } = project();
    const other = runJson(root, ["add", "other"]).task.id as string;
    const sub = ["--as", "subagent:explore"];
    const writes = [
      ["add", "y"],
      ["edit", id, "--title", "z"],
      ["start", id],
      ["block", id, "-r", "why"],
      ["cancel", id],
      ["dep", "add", id, other],
      ["comment", id, "hello"],
      ["claim", id],
      ["ready", "--claim"],
      ["release", id, "--force"],
      ["sweep"],
      ["undo"],
      ["undo", "1"],
      ["approve", id],
      ["deny", id, "-r", "no"],
      ["done", id],
    ];
    for (const args of writes)
      refused(
        root,
        [...args, ...sub],
        1,
        /^exarp: subagent:explore is a sub-agent: sub-agents read tasks but change nothing/,
      );
    refused(root, ["add", "y"], 1, /is a sub-agent/, { EXARP_AGENT: "subagent:explore" });
    // Import, both ways: as new tasks here, and as a full log restored into an empty project.
    expect(run(root, ["export", "--out", "export.jsonl"]).code).toBe(0);
    refused(root, ["import", "export.jsonl", ...sub], 1, /is a sub-agent/);
    const empty = tempDir();
    expect(run(empty, ["init"]).code).toBe(0);
    writeFileSync(join(empty, "export.jsonl"), readFileSync(join(root, "export.jsonl")));
    refused(empty, ["import", "export.jsonl", ...sub], 1, /is a sub-agent/);
    expect(runJson(empty, ["list"]).tasks).toEqual([]);
    const before = stateBytes(root);
    for (const args of [
      ["list"],
      ["show", id],
      ["ready"],
      ["next"],
      ["plan"],
      ["history"],
      ["audit"],
      ["leases"],
      ["approvals"],
      ["prime"],
      ["doctor"],
    ]) {
      const r = run(root, [...args, ...sub]);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
      expect(r.stderr).toBe("");
    }
    expect(stateBytes(root)).toEqual(before);
  });
});
