#!/usr/bin/env node
// The `exarp` command as installed (dist/bin/exarp.js, CommonJS: Node starts a CommonJS script
// ~6 ms sooner than an ES module, whose loader it then never sets up). It compiles the command line
// (dist/bin/cli.js, one CommonJS script, and dist/bin/zod.js, loaded when a verb first validates
// input) with V8's code cache, then runs it: compiling that JavaScript is most of what a command
// costs over a bare `node`, and Node 20 has no module.enableCompileCache (22.1+).
//
// The cache lives with the code it caches, in the package's node_modules/.cache/exarp/ (the folder
// tools keep caches in), so it is trusted exactly as far as the code beside it and leaves nothing in
// the user's home or temporary folders. The first run of a verb that finds no cache for its script,
// its build and this Node writes one: V8 then holds every function that run compiled, so the next
// runs of that verb compile none of them. A cache V8 refuses (another Node, other flags) costs the
// compile it would have saved and is written again; one that cannot be written (a read-only
// install) is simply not kept. NODE_DISABLE_COMPILE_CACHE=1 (Node's own switch) turns it off.
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";

type Exports = Record<string, unknown>;
type Cli = { main(argv: string[]): Promise<number> };

/** What runs a script's top level: CommonJS's own wrapper, on the same line so stack lines stay true. */
const HEAD = "(function (exports, require, module, __filename, __dirname) {";
const TAIL = "\n})";

/** When a process still running writes the caches it lacked. */
const WRITE_AFTER_MS = 3000;

const bin = dirname(fileURLToPath(import.meta.url));
const folder = join(bin, "..", "..", "node_modules", ".cache", "exarp");
const enabled = !process.versions.bun && process.env.NODE_DISABLE_COMPILE_CACHE !== "1";
const argv = process.argv.slice(2);

/** 32-bit FNV-1a, in base 36: a short name for a build of a script under one Node, with nothing to load. */
function fnv(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}

/** The first word that is neither an option nor a global option's value: `list` in `-C dir list -a`. */
function verb(): string {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") return "other";
    if (["-C", "--root", "--as", "--session"].includes(arg)) i++;
    else if (!arg.startsWith("-")) return /^[a-z][a-z-]{0,23}$/.test(arg) ? arg : "other";
  }
  return "none";
}

/**
 * Replaces one cache file whole (a temporary file renamed, so a concurrent run reads one or the
 * other) and removes what `stem` names for other builds or another Node.
 */
function writeCache(stem: string, file: string, data: Buffer): void {
  const path = join(folder, file);
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(folder, { recursive: true });
    writeFileSync(temporary, data);
    renameSync(temporary, path);
    for (const old of readdirSync(folder)) if (old.startsWith(stem) && old !== file) unlinkSync(join(folder, old));
  } catch {
    // A read-only install, a full disk, or another run pruning at the same time: the next run compiles again.
  }
}

/** Runs one CommonJS script of dist/bin/ with the code cache of this verb, and returns its exports. */
function load(name: string): Exports {
  const file = join(bin, name);
  const source = readFileSync(file, "utf8");
  let cache: { stem: string; file: string; data: Buffer | undefined } | undefined;
  if (enabled) {
    // V8 itself checks little (the source's length, its version and flags): the build and Node name the file.
    const { size, mtimeMs } = statSync(file);
    const build = [size, mtimeMs, process.version, process.arch, process.execArgv.join(" "), process.env.NODE_OPTIONS];
    const stem = `${verb()}-${name}-`;
    const cacheFile = `${stem}${fnv(build.join("\0"))}.cache`;
    let data: Buffer | undefined;
    try {
      data = readFileSync(join(folder, cacheFile));
    } catch {
      data = undefined;
    }
    cache = { stem, file: cacheFile, data };
  }
  const script = new Script(`${HEAD}${source}${TAIL}`, { filename: file, cachedData: cache?.data });
  if (cache && (cache.data === undefined || script.cachedDataRejected)) {
    const { stem, file: cacheFile } = cache;
    let written = false;
    const write = () => {
      if (written) return;
      written = true;
      writeCache(stem, cacheFile, script.createCachedData());
    };
    // At exit V8 holds every function this run compiled: the next run of this verb finds them all. A
    // server (`exarp mcp`) may never exit normally (a client ends it with a signal): it writes a few
    // seconds in, once it has answered the calls that start a session.
    process.once("exit", write);
    setTimeout(write, WRITE_AFTER_MS).unref();
  }
  const module = { exports: {} as Exports };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(module.exports, module.exports, scriptRequire, module, file, bin);
  return module.exports;
}

const nodeRequire = createRequire(join(bin, "cli.js"));
let zod: Exports | undefined;
/** The scripts' `require`: zod is the script beside them (built by scripts/build.mjs), the rest Node's. */
function scriptRequire(id: string): unknown {
  if (id !== "zod") return nodeRequire(id);
  zod ??= load("zod.js");
  return zod;
}
scriptRequire.resolve = nodeRequire.resolve;

(load("cli.js") as unknown as Cli).main(argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Only a bug gets here (the command line answers every error itself): exit code 4, as for one.
    process.stderr.write(`exarp: internal error: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 4;
  },
);
