// The schedule's I/O: where each scheduler keeps a user's files, reading and writing them (whole,
// never through a symbolic link), running the scheduler's commands and editing the crontab.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  accessSync,
  closeSync,
  constants,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { homedir } from "node:os";
import { delimiter, isAbsolute, join } from "node:path";
import { DiskFull, Refused, StorageError } from "../errors-catalog.ts";
import type { Command } from "./activation.ts";
import type { Platform, ScheduleFile } from "./jobs.ts";
import type { Current } from "./plan.ts";

const code = (error: unknown) => (error as NodeJS.ErrnoException).code ?? String(error);

const home = (env: NodeJS.ProcessEnv) => (env.HOME && isAbsolute(env.HOME) ? env.HOME : env.USERPROFILE || homedir());

/** The folder a platform's scheduler reads a user's definitions from (none for cron: the crontab). */
export function scheduleDir(platform: Platform, env: NodeJS.ProcessEnv): string | undefined {
  if (platform === "linux") {
    const config =
      env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(home(env), ".config");
    return join(config, "systemd", "user");
  }
  if (platform === "macos") return join(home(env), "Library", "LaunchAgents");
  if (platform === "windows") {
    const local =
      env.LOCALAPPDATA && isAbsolute(env.LOCALAPPDATA) ? env.LOCALAPPDATA : join(home(env), "AppData", "Local");
    return join(local, "exarp", "schedule");
  }
  return undefined;
}

/** Where launchd writes what the jobs print. */
export const logDir = (env: NodeJS.ProcessEnv) => join(home(env), "Library", "Logs");

const onPath = (name: string, env: NodeJS.ProcessEnv) =>
  (env.PATH ?? "").split(delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

/** The scheduler of this machine: launchd, Task Scheduler, a systemd user timer where systemctl is, else cron. */
export function detectPlatform(os: NodeJS.Platform, env: NodeJS.ProcessEnv): Platform {
  if (os === "darwin") return "macos";
  if (os === "win32") return "windows";
  return onPath("systemctl", env) ? "linux" : "cron";
}

const BOM = Buffer.from([0xff, 0xfe]);

const decode = (bytes: Buffer) =>
  bytes.subarray(0, 2).equals(BOM) ? bytes.subarray(2).toString("utf16le") : bytes.toString("utf8");

const encode = (file: ScheduleFile) =>
  file.encoding === "utf16le"
    ? Buffer.concat([BOM, Buffer.from(file.text, "utf16le")])
    : Buffer.from(file.text, "utf8");

/** This project's files in `dir` (names starting with `prefix`, ending with one of `extensions`). */
export function readFolder(dir: string, prefix: string, extensions: readonly string[]): Map<string, Current> {
  const found = new Map<string, Current>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if (code(error) === "ENOENT") return found;
    throw new StorageError({ path: dir, reason: `cannot list it (${code(error)})` });
  }
  for (const name of names.sort()) {
    if (!name.startsWith(prefix) || !extensions.some((e) => name.endsWith(e))) continue;
    const path = join(dir, name);
    try {
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) found.set(name, { unusable: "is a symbolic link; exarp writes only regular files" });
      else if (!stat.isFile()) found.set(name, { unusable: "is not a regular file" });
      else found.set(name, { text: decode(readFileSync(path)) });
    } catch (error) {
      found.set(name, { unusable: `cannot be read (${code(error)})` });
    }
  }
  return found;
}

/** Writes a file whole: beside it first, flushed, then renamed over it. */
export function writeFile(dir: string, file: ScheduleFile): void {
  const path = join(dir, file.name);
  const temp = join(dir, `.${file.name}.exarp-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    mkdirSync(dir, { recursive: true });
    const fd = openSync(temp, "wx", 0o644);
    try {
      writeSync(fd, encode(file));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    if (code(error) === "ENOSPC" || code(error) === "EDQUOT") throw new DiskFull({ path });
    throw new StorageError({ path, reason: `cannot write it (${code(error)})` });
  }
}

/** Deletes a file of the schedule's (one already gone is fine). */
export function deleteFile(dir: string, name: string): void {
  try {
    rmSync(join(dir, name), { force: true });
  } catch (error) {
    throw new StorageError({ path: join(dir, name), reason: `cannot remove it (${code(error)})` });
  }
}

/** Why a command failed, in one line; undefined when it succeeded. */
export function runCommand(command: Command, env: NodeJS.ProcessEnv, input?: string): string | undefined {
  const [program, ...args] = command.argv as [string, ...string[]];
  const r = spawnSync(program, args, {
    env,
    input,
    encoding: "utf8",
    timeout: 30_000,
    stdio: ["pipe", "pipe", "pipe"],
  });
  if (r.error)
    return code(r.error) === "ENOENT" ? `${program} is not installed (not on PATH)` : `${program}: ${r.error.message}`;
  if (r.status === 0) return undefined;
  const line = `${r.stderr}\n${r.stdout}`.split("\n").find((l) => l.trim() !== "");
  return `${program} exited with ${r.status ?? r.signal}${line ? `: ${line.trim()}` : ""}`;
}

/** The user's crontab (empty when there is none yet). */
export function readCrontab(env: NodeJS.ProcessEnv): string {
  const r = spawnSync("crontab", ["-l"], { env, encoding: "utf8", timeout: 30_000 });
  if (r.error)
    throw new Refused({
      reason:
        code(r.error) === "ENOENT"
          ? "crontab is not installed (not on PATH): install cron, or choose another --platform"
          : `crontab -l: ${r.error.message}`,
    });
  if (r.status === 0) return r.stdout;
  if (/no crontab/i.test(r.stderr)) return "";
  throw new StorageError({ path: "crontab", reason: `crontab -l exited with ${r.status}: ${r.stderr.trim()}` });
}

/** Replaces the user's crontab with `text` (`crontab -`). */
export function writeCrontab(text: string, env: NodeJS.ProcessEnv): void {
  const failed = runCommand({ argv: ["crontab", "-"] }, env, text);
  if (failed) throw new StorageError({ path: "crontab", reason: failed });
}
