import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { until } from "./expect.ts";

/** The built CLI (tests run after `npm run build`). */
export const CLI = fileURLToPath(new URL("../../dist/bin/exarp.js", import.meta.url));

export type CliRun = { code: number; stdout: string; stderr: string };

/** Runs `exarp …` as a real child process in `cwd`. */
export function exarp(cwd: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): CliRun {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    input: options.input,
    encoding: "utf8",
    env: { ...process.env, EXARP_AGENT: "", EXARP_SESSION: "", EXARP_PROJECT_ROOT: "", ...options.env },
    timeout: 30_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `exarp … --json` and parses stdout; throws with stderr when it fails. */
export function exarpJson<T = unknown>(cwd: string, args: string[], env?: NodeJS.ProcessEnv): T {
  const r = exarp(cwd, [...args, "--json"], { env });
  if (r.code !== 0) throw new Error(`exarp ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** What a child process writes to stdout and stderr, collected as text as it comes. */
export function collectOutput(child: ChildProcess): { stdout: string; stderr: string } {
  const output = { stdout: "", stderr: "" };
  child.stdout?.on("data", (d) => {
    output.stdout += d;
  });
  child.stderr?.on("data", (d) => {
    output.stderr += d;
  });
  return output;
}

/** Starts a node script as a child process (stdin piped); resolves with its output when it exits. */
export function runNode(script: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string) {
  const child = spawn(process.execPath, [script, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const output = collectOutput(child);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => child.on("exit", (code, signal) => resolve({ code, signal, ...output })),
  );
  return { child, done, output: () => output.stdout };
}

/** The server's URL once `exarp serve --port 0` printed it (its first line on stdout). */
export async function listening(s: ReturnType<typeof runNode>): Promise<string> {
  const URL_LINE = /^exarp serve: (http:\/\/127\.0\.0\.1:\d+\/)$/m;
  await until(() => URL_LINE.test(s.output()) || s.child.exitCode !== null, 20_000);
  const match = URL_LINE.exec(s.output());
  if (!match) throw new Error(`exarp serve printed no URL: ${s.output()}`);
  return match[1] as string;
}
