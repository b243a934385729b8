// Hostile command lines, generated: any verb of the registry with options from its own definition,
// values drawn from full Unicode (controls, C1, bidi, separators, lone surrogates), strings up to
// ~1 MB, numbers at and past every limit, empty and repeated options, ids that exist and ids that do
// not. Whatever the outcome: a documented exit code (never 4, "a bug"), at most one stderr line and
// never a stack, no raw control or bidi character on any output, `--json` always an object, and a
// refused command (one error line on stderr) changes not one byte of the project.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliCommand } from "../src/cli/command.ts";
import { globalOptions } from "../src/cli/help.ts";
import { type CliIo, runCli } from "../src/cli/main.ts";
import { commands } from "../src/cli/registry.ts";
import { exportTaskLine } from "./support/expect.ts";
import { seed } from "./support/fc-seed.ts";
import { CONTROL, lines, picture, run, runJson, UNSAFE_OUTPUT } from "./support/hermetic.ts";

// ---------------------------------------------------------------------------------------------
// The project every generated command runs against (kept for the whole file: its state grows as
// generated writes land, which is the point: later commands meet what earlier ones made).

let root: string;
let ids: string[] = [];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "exarp-test-"));
  expect(run(root, ["init"]).code).toBe(0);
  const add = (args: string[]) => runJson(root, ["add", ...args]).task.id as string;
  const a = add(["schema", "-p", "high", "-t", "db"]);
  const b = add(["api", "--depends-on", a, "-e", "30"]);
  const c = add(["docs", "-d", "two\nlines"]);
  const d = add(["review me"]);
  runJson(root, ["claim", c, "--as", "agent:build", "--session", "s1"]);
  runJson(root, ["start", d]);
  runJson(root, ["review", d, "--as", "agent:build"]);
  runJson(root, ["comment", a, "note"]);
  ids = [a, b, c, d];
  mkdirSync(join(root, "sub"));
  writeFileSync(join(root, "file.txt"), "not a folder");
  writeFileSync(join(root, "garbage.jsonl"), "\u0000\u001b[2J not json\n");
  writeFileSync(join(root, "bad.jsonl"), '{"kind":"task","id":"T-x","title":""}\n');
  writeFileSync(
    join(root, "good.jsonl"),
    `${exportTaskLine("T-imp1", "todo", [])}\n${exportTaskLine("T-imp2", "todo", ["T-imp1"])}\n`,
  );
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------
// Generators.

const sizes = [1, 39, 40, 41, 99, 100, 101, 499, 500, 501, 1999, 2000, 2001, 63_999, 64_000, 64_001, 1_000_000];

/** Characters that must never act on a terminal, plus some that must keep working. */
const special = fc.constantFrom(
  "\u0000",
  "\u0007",
  "\u0008",
  "\u001b",
  "\u001b[31m",
  "\u001b]0;owned\u0007",
  "\r",
  "\r\n",
  "\n",
  "\t",
  "\u000b",
  "\u007f",
  "\u0085",
  "\u009b",
  "\u009d",
  "\u200e",
  "\u200f",
  "\u061c",
  "\u200d",
  "\u202a",
  "\u202e",
  "\u2066",
  "\u2069",
  "\u2028",
  "\u2029",
  "\ufeff",
  "\ud800",
  "\udfff",
  "😀",
  "é",
  "يا",
  " ",
  ",",
  "=",
  "-",
  "--",
  "#",
);

const hostileText = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: "binary", maxLength: 24 }) },
  {
    weight: 3,
    arbitrary: fc.array(fc.oneof(special, fc.string({ maxLength: 4 })), { maxLength: 6 }).map((p) => p.join("")),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom(...sizes), fc.option(special)).map(([n, c]) => "x".repeat(n) + (c ?? "")),
  },
  { weight: 1, arbitrary: fc.constant("") },
);

const LIMITS = [
  1, 255, 256, 1000, 1024, 64_000, 64_001, 86_400, 86_401, 100_000, 100_001, 604_800, 604_801, 1_000_000, 1_000_001,
];
const numberish = fc.oneof(
  fc.constantFrom(...LIMITS.flatMap((n) => [String(n - 1), String(n), String(n + 1), String(-n)])),
  fc.constantFrom(
    "0",
    "-0",
    "+5",
    " 5",
    "5 ",
    "1.5",
    "1e3",
    "0x10",
    "NaN",
    "Infinity",
    "9007199254740991",
    "9007199254740992",
    "99999999999999999999",
    "#3",
  ),
  fc.integer().map(String),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
);

const idLike = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...[0, 1, 2, 3].map((i) => () => ids[i] as string)).map((f) => f()) },
  { weight: 1, arbitrary: fc.constantFrom("T-nope", "T-imp1", "not an id", `T-${"a".repeat(64)}`, "t-SCHEMA", "-") },
  { weight: 1, arbitrary: hostileText },
);

/** Only names that stay inside the project folder (a hostile `-C ../..` or `--out /x` must not reach elsewhere). */
const contained = (prefix: string) =>
  hostileText.map((s) => `${prefix}${s.replace(/[/\\]/g, "_").replaceAll("\u0000", "_").slice(0, 200)}`);
const folder = fc.oneof(fc.constantFrom("sub", ".", "file.txt", "missing", ""), contained("nx-"));
const outFile = fc.oneof(
  fc.constantFrom("out.jsonl", "sub", "missing/x.jsonl", "file.txt/x", ""),
  contained("nx-out-"),
);
const importFile = fc.constantFrom("good.jsonl", "bad.jsonl", "garbage.jsonl", "missing.jsonl", "sub", "-", "");
/** `review --wait` would block for that many seconds: only values that cannot wait. */
const noWait = fc.oneof(
  fc.constantFrom("0", "-1", "604801", "999999999", "", "1.5", "soon"),
  hostileText.filter((s) => !/^\s*\d+\s*$/.test(s)),
);

const identity = fc.oneof(
  fc.constantFrom("agent:build", "agent:other", "user:ana", "user:bob", "subagent:explore", "agent:", "user:", ""),
  hostileText,
);

const NUMERIC = new Set(["estimate", "limit", "ttl", "cap", "budget", "after", "expect-version", "lease"]);
const ENUMS: Record<string, string[]> = {
  status: ["todo", "in_progress", "In Progress", "done", "review", "blocked", "cancelled", "finished"],
  priority: ["low", "medium", "high", "critical", "urgent", "HIGH"],
  format: ["text", "mermaid", "json"],
  role: ["build", "plan", "review", "boss"],
  clear: ["parent", "estimate", "assignee", "title"],
  can: ["*", "db", "api", "db,api", ""],
  tag: ["db", "api", "a,,b", "with space", ""],
  "add-tag": ["db", "new"],
  "rm-tag": ["db", "gone"],
  type: ["task.", "lease.", "task.status_changed", ""],
};

/** A value for option `name`: mostly the kind it expects, often something else entirely. */
function valueFor(name: string): fc.Arbitrary<string> {
  if (name === "root") return folder;
  if (name === "out") return outFile;
  if (name === "wait") return noWait;
  if (name === "as") return identity;
  if (name === "session") return fc.oneof(fc.constantFrom("s1", "ses_2", ""), hostileText);
  if (NUMERIC.has(name)) return fc.oneof({ weight: 3, arbitrary: numberish }, { weight: 1, arbitrary: hostileText });
  if (["parent", "depends-on", "task"].includes(name)) return idLike;
  const values = ENUMS[name];
  if (values)
    return fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...values) }, { weight: 1, arbitrary: hostileText });
  return fc.oneof({ weight: 3, arbitrary: hostileText }, { weight: 1, arbitrary: fc.constant("-") });
}

/** Positional arguments shaped like the verb's usage most of the time, anything at other times. */
function positionals(c: CliCommand): fc.Arbitrary<string[]> {
  const [min, max] = c.arity;
  const anything = fc.oneof(idLike, hostileText, numberish, fc.constant("-"));
  const shaped: Record<string, fc.Arbitrary<string[]>> = {
    add: fc.tuple(fc.oneof(hostileText, fc.constant("-"), fc.constant("a task"))),
    dep: fc.tuple(fc.constantFrom("add", "rm", "remove", "link", ""), idLike, idLike),
    comment: fc.tuple(idLike, fc.oneof(hostileText, fc.constant("-"))),
    undo: fc.array(fc.oneof(numberish, fc.constantFrom("1", "2", "#3", "999")), { maxLength: 1 }),
    history: fc.array(idLike, { maxLength: 1 }),
    import: fc.tuple(importFile),
  };
  const usual = shaped[c.name] ?? fc.array(idLike, { minLength: min, maxLength: max });
  // `import` reads what it is given: only files prepared here, never a path a generator made up.
  if (c.name === "import")
    return fc.oneof(
      usual,
      fc.constant<string[]>([]),
      fc.tuple(importFile, importFile).map((two) => [...two]),
    );
  return fc.oneof(
    { weight: 4, arbitrary: usual },
    { weight: 1, arbitrary: fc.array(anything, { maxLength: max + 1 }) },
  );
}

/**
 * The long-running servers (`mcp`, whose stdout is a protocol, `serve` and `run`, whose flags
 * test/serve-cli.test.ts and test/run-cli.test.ts check) and the demo (it seeds a folder of its own) are left out.
 */
const LEFT_OUT = new Set(["mcp", "serve", "run", "demo"]);
const VERBS = commands.filter((c) => !LEFT_OUT.has(c.name));

type Generated = { argv: string[]; stdin: string; verb: string };

/** One command line: options (some repeated, some unknown) around the verb and its arguments. */
const commandLine: fc.Arbitrary<Generated> = fc.constantFrom(...VERBS).chain((c) => {
  const options = Object.entries({ ...globalOptions, ...(c.options ?? {}) }).filter(([name]) => name !== "help");
  const option = fc.constantFrom(...options).chain(([name, o]) => {
    const flag = fc.constantFrom(`--${name}`, ...(o.short ? [`-${o.short}`] : []));
    if (o.type === "boolean") return flag.map((f) => [f]);
    return fc.oneof(
      { weight: 4, arbitrary: fc.tuple(flag, valueFor(name)).map(([f, v]) => [f, v]) },
      { weight: 1, arbitrary: valueFor(name).map((v) => [`--${name}=${v}`]) },
      { weight: 1, arbitrary: flag.map((f) => [f]) },
    );
  });
  const extra = fc.constantFrom(["--colour"], ["-Z"], ["--json"], ["--help"], ["--"], ["-"]);
  return fc
    .record({
      before: fc.array(
        option.filter((o) => ["--root", "-C", "--as", "--json"].some((g) => o[0]?.startsWith(g))),
        {
          maxLength: 1,
        },
      ),
      args: positionals(c),
      after: fc.array(fc.oneof({ weight: 6, arbitrary: option }, { weight: 1, arbitrary: extra }), { maxLength: 6 }),
      stdin: fc.oneof(hostileText, fc.constant("")),
    })
    .map(({ before, args, after, stdin }) => ({
      argv: [...before.flat(), c.name, ...args, ...after.flat()],
      stdin,
      verb: c.name,
    }));
});

/** Help, in every form, with a hostile topic now and then. */
const helpLine: fc.Arbitrary<Generated> = fc
  .oneof(
    fc
      .tuple(
        fc.array(fc.oneof(fc.constantFrom(...commands.map((c) => c.name)), hostileText), { maxLength: 1 }),
        fc.subarray(["--json", "--version", "-h"]),
      )
      .map(([topic, flags]) => ["help", ...topic, ...flags]),
    fc.subarray(["--json", "--version", "-h", "--help"]),
  )
  .map((argv) => ({ argv, stdin: "", verb: "help" }));

// ---------------------------------------------------------------------------------------------
// The invariants.

const READS = new Set([
  "list",
  "show",
  "ready",
  "next",
  "plan",
  "leases",
  "approvals",
  "prime",
  "history",
  "audit",
  "doctor",
  "export",
  "help",
]);
/** A command that must write nothing even when it succeeds (`export --out` writes its file, `ready --claim` claims). */
const isRead = (g: Generated) =>
  READS.has(g.verb) &&
  !(g.verb === "export" && g.argv.some((a) => /^(--out|-o)/.test(a))) &&
  !(g.verb === "ready" && g.argv.some((a) => /^--claim/.test(a)));
const STACK = /^\s+at .+:\d+:\d+\)?$/m;

/** The project as bytes: every file under it (the database, its log, the audit files, anything a command created). */
const project = () => picture(root, (rel) => rel.endsWith("-shm") || rel.endsWith("-wal"));

type Outcome = { code: number; stdout: string; stderr: string };

function checkOutcome(g: Generated, r: Outcome) {
  const what = `exarp ${JSON.stringify(g.argv).slice(0, 400)} → ${r.code}\nstdout: ${r.stdout.slice(0, 300)}\nstderr: ${r.stderr.slice(0, 300)}`;
  expect([0, 1, 2, 3, 5], what).toContain(r.code);
  // `--json` is the option only before `--` (after it, it is an argument).
  const end = g.argv.indexOf("--");
  const json = g.argv.slice(0, end < 0 ? undefined : end).includes("--json");
  const err = lines(r.stderr);
  expect(err.length, what).toBeLessThanOrEqual(1);
  expect(r.stderr, what).not.toMatch(STACK);
  expect(r.stdout, what).not.toMatch(STACK);
  // stderr is one line: nothing but its final newline may be a control character (not even a tab).
  expect(r.stderr.replace(/\n$/, ""), what).not.toMatch(CONTROL);
  expect(r.stderr, what).not.toMatch(UNSAFE_OUTPUT);
  expect(r.stdout, what).not.toMatch(UNSAFE_OUTPUT);
  if (err.length) {
    if (json) {
      const body = JSON.parse(err[0] as string);
      expect(body, what).toMatchObject({ error: { name: expect.any(String), message: expect.any(String) } });
      expect(typeof body.error.data, what).toBe("object");
    } else expect(err[0], what).toMatch(/^exarp: \S/);
  }
  if (json && r.stdout !== "") {
    // export writes JSONL (one object per line, its header first); everything else one object.
    const bodies = r.stdout.startsWith('{"kind":"exarp.export"') ? lines(r.stdout) : [r.stdout];
    for (const body of bodies) {
      const value = JSON.parse(body);
      expect(value !== null && typeof value === "object" && !Array.isArray(value), what).toBe(true);
    }
  }
  if (r.code !== 0 && !answered(g, r)) {
    // A refusal: exactly one error line, and nothing on stdout.
    expect(err, what).toHaveLength(1);
    expect(r.stdout, what).toBe("");
  }
}

/**
 * Commands that ran and answered "no" with exit 1 and no error: a claim someone else holds, nothing
 * ready to claim, doctor finding problems, a review decided against. They are answers, not
 * refusals: a claim that lost still persists the sweep of expired leases it made on the way.
 */
const ANSWERS = new Set(["claim", "ready", "doctor", "review"]);
const answered = (g: Generated, r: Outcome) =>
  r.code === 1 && r.stderr === "" && r.stdout !== "" && ANSWERS.has(g.verb);

/** A refused command: one that must have changed nothing. */
const refused = (g: Generated, r: Outcome) => r.code !== 0 && !answered(g, r);

/** Runs one generated command in this process, against the real project, through `runCli`. */
async function inProcess(g: Generated): Promise<Outcome> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    cwd: root,
    env: { EXARP_BUSY_TIMEOUT_MS: "200" },
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    stdin: async () => g.stdin,
  };
  const code = await runCli(g.argv, io);
  return { code, stdout, stderr };
}

const tally: Record<string, number> = {};

describe("hostile command lines", () => {
  it("in process (runCli on a real SQLite project): documented exit codes, one clean stderr line, a refusal writes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 12, arbitrary: commandLine }, { weight: 1, arbitrary: helpLine }),
        async (g) => {
          // Byte comparison is stable here: between two commands no connection is open, so the
          // database file holds everything (the last connection to close checkpoints its log and
          // removes it) and a rolled-back command leaves the file exactly as it found it.
          const before = project();
          const r = await inProcess(g);
          checkOutcome(g, r);
          tally[`exit ${r.code}`] = (tally[`exit ${r.code}`] ?? 0) + 1;
          if (refused(g, r) || isRead(g))
            expect(project(), `${JSON.stringify(g.argv).slice(0, 300)} → ${r.code}: ${r.stderr}`).toEqual(before);
        },
      ),
      { numRuns: 1500, seed: seed("in process"), endOnFailure: true },
    );
    console.log(`outcomes: ${JSON.stringify(tally)}`);
    // The generators reach every kind of outcome, or the property proves less than it claims.
    for (const code of [0, 1, 2, 3]) expect(tally[`exit ${code}`] ?? 0, `exit ${code}`).toBeGreaterThan(0);
    const doctor = run(root, ["doctor"]);
    expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
  });

  it("pins what the generators found: unwritable --out, --help under --json, --json after --", async () => {
    for (const out of ["sub", "missing/x.jsonl", "file.txt/x"]) {
      const before = project();
      const r = await inProcess({ argv: ["export", "--out", out], stdin: "", verb: "export" });
      expect(r.code, r.stderr).toBe(2);
      expect(lines(r.stderr)).toEqual([
        expect.stringMatching(new RegExp(`^exarp: cannot write ${join(root, out)}: E[A-Z]+$`)),
      ]);
      // No temporary file left beside the target either.
      expect(project()).toEqual(before);
    }
    const help = await inProcess({ argv: ["add", "--help", "--json"], stdin: "", verb: "add" });
    expect(help.code).toBe(0);
    expect(JSON.parse(help.stdout).command).toMatchObject({ name: "add", usage: "exarp add TITLE|-" });
    // After `--`, "--json" is a word like any other: a title here, and the answer is text.
    const titled = await inProcess({ argv: ["add", "-q", "--", "--json"], stdin: "", verb: "add" });
    expect(titled.code, titled.stderr).toBe(0);
    expect(titled.stdout).toMatch(/^T-\S+\n$/);
    const refused = await inProcess({ argv: ["show", "--", "--json"], stdin: "", verb: "show" });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^exarp: invalid input: /);
  });

  it("through real processes: the same invariants on real pipes", async () => {
    // An argument may not hold NUL, nor exceed the kernel's 128 KiB per argument: keep those to stdin.
    const fits = (g: Generated) => g.argv.every((a) => !a.includes("\u0000") && Buffer.byteLength(a) < 100_000);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 8, arbitrary: commandLine }, { weight: 1, arbitrary: helpLine }).filter(fits),
        async (g) => {
          const before = project();
          const r = run(root, g.argv, { input: g.stdin, env: { EXARP_BUSY_TIMEOUT_MS: "200" } });
          checkOutcome(g, r);
          if (refused(g, r) || isRead(g)) expect(project(), JSON.stringify(g.argv).slice(0, 300)).toEqual(before);
        },
      ),
      { numRuns: 30, seed: seed("processes"), endOnFailure: true },
    );
    const doctor = run(root, ["doctor"]);
    expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
  });
});
