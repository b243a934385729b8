// What the proof suites share: an environment that owes nothing to the machine, a picture of a folder
// tree to say "nothing was created or changed", and the bytes and rows that must survive a refusal.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import Database from "better-sqlite3";
import { CLI, type CliRun } from "./cli.ts";

/** One empty home folder for every child of this test file, removed when the file's process ends. */
const HOME = mkdtempSync(join(tmpdir(), "exarp-home-"));
process.on("exit", () => rmSync(HOME, { recursive: true, force: true }));

/**
 * Overrides for a child's environment: no `$USER`/`$LOGNAME`, no exarp variables, `$HOME` an empty
 * temp folder, git blind to the user's and the system's configuration. Undefined values are left
 * out of the child's environment by Node.
 */
export function hermeticEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of Object.keys(process.env)) if (key.startsWith("EXARP_")) env[key] = undefined;
  return {
    ...env,
    USER: undefined,
    LOGNAME: undefined,
    HOME,
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_NOSYSTEM: "1",
    ...extra,
  };
}

/** The full environment of a hermetic child: `process.env` with the overrides applied (unset keys dropped). */
export function childEnv(extra: NodeJS.ProcessEnv = {}): Record<string, string> {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...hermeticEnv(extra) };
  return Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined));
}

/** Runs the built CLI in `cwd` with a hermetic environment. */
export function run(
  cwd: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): CliRun {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    input: options.input ?? "",
    encoding: "utf8",
    env: childEnv(options.env),
    timeout: options.timeoutMs ?? 30_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Like `run`, but the command must succeed; returns its parsed `--json` answer. */
// biome-ignore lint/suspicious/noExplicitAny: tests read answers field by field
export function runJson<T = any>(cwd: string, args: string[], env?: NodeJS.ProcessEnv): T {
  const r = run(cwd, [...args, "--json"], { env });
  if (r.code !== 0) throw new Error(`exarp ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** A git command with no dependence on the user's configuration. */
export function git(cwd: string, args: string[]): string {
  const r = spawnSync("git", ["-c", "user.email=t@t", "-c", "user.name=t", "-c", "init.defaultBranch=main", ...args], {
    cwd,
    encoding: "utf8",
    env: childEnv(),
  });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

const sha = (bytes: Buffer | string) => createHash("sha256").update(bytes).digest("hex");

/**
 * Every entry under `dir` (relative path → what it is: a file's hash, a link's target, "dir").
 * Two equal pictures mean nothing was created, removed or changed.
 */
export function picture(dir: string, skip: (rel: string) => boolean = () => false): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (at: string) => {
    for (const name of readdirSync(at).sort()) {
      const path = join(at, name);
      const rel = relative(dir, path);
      if (skip(rel)) continue;
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) out[rel] = `link:${readlinkSync(path)}`;
      else if (stat.isDirectory()) {
        out[rel] = "dir";
        walk(path);
      } else out[rel] = `file:${sha(readFileSync(path))}`;
    }
  };
  walk(dir);
  return out;
}

/**
 * The bytes a refused command must not change: the database file, its write-ahead log and every
 * audit file (the `-shm` index is left out: it is SQLite's shared memory, which readers touch). The
 * last connection to close checkpoints the log into the database file and removes it, so the bytes
 * compared are those between two commands, when no connection is open.
 */
export function stateBytes(root: string): Record<string, string> {
  const dir = join(root, ".exarp");
  const out: Record<string, string> = {};
  for (const name of ["exarp.db", "exarp.db-wal"]) {
    const path = join(dir, name);
    const bytes = existsSync(path) ? readFileSync(path) : undefined;
    // A zero-byte log holds no frames: SQLite leaves one behind or removes it as connections come and go.
    out[name] = bytes?.length ? sha(bytes) : "absent";
  }
  for (const name of readdirSync(dir).sort()) {
    if (!name.startsWith("audit")) continue;
    const path = join(dir, name);
    out[name] = lstatSync(path).isDirectory()
      ? `dir:${Object.values(picture(path)).join(",")}`
      : sha(readFileSync(path));
  }
  return out;
}

/** Every row of every table of the project's database, read without writing (a logical picture). */
export function dump(root: string): Record<string, unknown[]> {
  const db = new Database(join(root, ".exarp", "exarp.db"), { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[];
    const out: Record<string, unknown[]> = {};
    for (const { name } of tables) out[name] = db.prepare(`SELECT * FROM "${name}" ORDER BY 1`).all();
    return out;
  } finally {
    db.close();
  }
}

/** The lines of stderr (without the final newline); `[]` when empty. */
export function lines(text: string): string[] {
  return text === "" ? [] : text.replace(/\n$/, "").split("\n");
}

/** Characters no text output may carry raw: C0 (except \n and \t), DEL, C1, line/paragraph separators, bidi controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the tests look for raw control characters
export const UNSAFE_OUTPUT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** Any C0 control character (newline and tab included): none may appear inside a one-line message. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the tests look for raw control characters
export const CONTROL = /[\u0000-\u001f]/u;
