// Starting `exarp run` from inside OpenCode: the exarp command line, found beside the project or the
// plugin, runs detached against this OpenCode server, its output in .exarp/runner.log and its pid in
// .exarp/runner.pid. One runner per project at a time: a recorded pid that is alive refuses a second.
import { spawn } from "node:child_process";
import { closeSync, constants, existsSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";

/** The most sessions a runner started from the plugin may run at once (`/run N`, exarp_run's max). */
export const MAX_RUNNER_SESSIONS = 64;

/** How to run the exarp command line: a command and the arguments before exarp's own. */
export type CliLaunch = { command: string; args: string[] };

/** Where the command line was looked for, and what the filesystem answers (injected for tests). */
export type CliSearch = {
  /** Folders to walk up from, looking for node_modules/exarp. */
  from: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  isFile?: (path: string) => boolean;
  readText?: (path: string) => string;
};

const isFileOnDisk = (path: string) => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

const onPath = (name: string, env: CliSearch["env"], isFile: (path: string) => boolean) => {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir && isFile(join(dir, name))) return join(dir, name);
  }
  return undefined;
};

/** The bin of an exarp package at `dir`, if that is one. */
function exarpBin(dir: string, isFile: (path: string) => boolean, readText: (path: string) => string) {
  const manifest = join(dir, "package.json");
  if (!isFile(manifest)) return undefined;
  try {
    const pkg = JSON.parse(readText(manifest)) as { name?: unknown; bin?: unknown };
    if (pkg.name !== "exarp") return undefined;
    const bin = typeof pkg.bin === "string" ? pkg.bin : (pkg.bin as { exarp?: unknown } | undefined)?.exarp;
    return typeof bin === "string" && isFile(join(dir, bin)) ? join(dir, bin) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The exarp command line: EXARP_CLI (a script run with node, or an executable), else the bin of an
 * `exarp` package in a node_modules above one of the folders (run with node from PATH), else `exarp`
 * on PATH. Undefined when there is none; "no-node" when the script is there but node is not.
 */
export function locateCli(search: CliSearch): CliLaunch | "no-node" | undefined {
  const isFile = search.isFile ?? isFileOnDisk;
  const readText = search.readText ?? ((path: string) => readFileSync(path, "utf8"));
  const script = (path: string): CliLaunch | "no-node" => {
    const node = onPath("node", search.env, isFile);
    return node ? { command: node, args: [path] } : "no-node";
  };
  const explicit = search.env.EXARP_CLI;
  if (explicit && isFile(explicit))
    return /\.[cm]?js$/.test(explicit) ? script(explicit) : { command: explicit, args: [] };
  for (const start of search.from) {
    for (let dir = start; ; dir = dirname(dir)) {
      const bin = exarpBin(join(dir, "node_modules", "exarp"), isFile, readText);
      if (bin) return script(bin);
      if (dirname(dir) === dir) break;
    }
  }
  const installed = onPath("exarp", search.env, isFile);
  return installed ? { command: installed, args: [] } : undefined;
}

/**
 * The runner's arguments: against this OpenCode server (none: the runner starts its own), until
 * nothing is ready, at most `max` sessions at once.
 */
export function runnerArgs(root: string, serverUrl: string | undefined, max?: number, reportTo?: string): string[] {
  // The session that asked hears of each finished task, through this server (a runner's own server has no such session).
  const url = serverUrl ? ["--url", serverUrl, ...(reportTo ? ["--report-to", reportTo] : [])] : [];
  return ["-C", root, "run", ...url, "--until-idle", ...(max ? ["--max", String(max)] : [])];
}

/** Starts a detached process writing to `logFile`; answers its pid (undefined when it did not start). */
export type Spawner = (
  command: string,
  args: string[],
  options: { cwd: string; logFile: string },
) => number | undefined;

/** Opening the log for a new run: replaced, never through a symlink. */
const LOG_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | (constants.O_NOFOLLOW ?? 0);

/** The real spawner: detached, in its own process group, output to the log file, never waited on. */
export const spawnDetached: Spawner = (command, args, { cwd, logFile }) => {
  const out = openSync(logFile, LOG_FLAGS, 0o600);
  try {
    const child = spawn(command, args, { cwd, detached: true, stdio: ["ignore", out, out], env: process.env });
    child.on("error", () => undefined);
    child.unref();
    return child.pid;
  } finally {
    closeSync(out);
  }
};

/** Whether a process is alive (signal 0 checks without signalling; EPERM: alive, someone else's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export type LaunchRequest = {
  root: string;
  /** This OpenCode server, when another process can reach it. */
  serverUrl: string | undefined;
  max?: number;
  /** The OpenCode session that asked: told of each finished task. */
  reportTo?: string;
  cli: () => CliLaunch | "no-node" | undefined;
  spawn?: Spawner;
  alive?: (pid: number) => boolean;
};

export type LaunchResult =
  | { outcome: "started"; pid: number; argv: string[]; log: string }
  | { outcome: "running"; pid: number; log: string }
  | { outcome: "no-cli" | "no-node" }
  | { outcome: "failed"; message: string };

/** Where a project's runner records its pid and output. */
export const runnerFiles = (root: string) => ({
  pid: join(root, ".exarp", "runner.pid"),
  log: join(root, ".exarp", "runner.log"),
});

const recordedPid = (path: string): number | undefined => {
  try {
    const pid = Number(readFileSync(path, "utf8").trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Takes the pid file for a new runner: created exclusively, so of two starts at once one wins; a
 * file left by a runner that is gone (or unreadable) is replaced.
 */
function takePidFile(path: string, alive: (pid: number) => boolean): number | { running: number } {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      return openSync(path, "wx", 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const pid = recordedPid(path);
      if (pid !== undefined && alive(pid)) return { running: pid };
      unlinkSync(path);
    }
  }
  throw new Error(`${path} keeps reappearing`);
}

/** Starts `exarp run` for the project unless one runs already; answers at once with what happened. */
export function launchRunner(request: LaunchRequest): LaunchResult {
  const files = runnerFiles(request.root);
  const alive = request.alive ?? processAlive;
  if (!existsSync(dirname(files.pid))) return { outcome: "failed", message: `${dirname(files.pid)} does not exist` };
  const cli = request.cli();
  if (cli === undefined) return { outcome: "no-cli" };
  if (cli === "no-node") return { outcome: "no-node" };
  let fd: number | { running: number };
  try {
    fd = takePidFile(files.pid, alive);
  } catch (error) {
    return { outcome: "failed", message: error instanceof Error ? error.message : String(error) };
  }
  if (typeof fd !== "number") return { outcome: "running", pid: fd.running, log: files.log };
  const argv = [...cli.args, ...runnerArgs(request.root, request.serverUrl, request.max, request.reportTo)];
  let pid: number | undefined;
  let failure: string | undefined;
  try {
    pid = (request.spawn ?? spawnDetached)(cli.command, argv, { cwd: request.root, logFile: files.log });
    if (pid === undefined) failure = `${cli.command} did not start`;
    else writeSync(fd, `${pid}\n`);
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  }
  closeSync(fd);
  if (failure !== undefined || pid === undefined) {
    unlinkSync(files.pid);
    return { outcome: "failed", message: failure ?? "the runner did not start" };
  }
  return { outcome: "started", pid, argv: [cli.command, ...argv], log: files.log };
}
