import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

/**
 * A guard between the runner and the `opencode serve` it starts: it starts OpenCode in a process
 * group of its own and ends that group when its stdin closes, which happens however the runner
 * ends, `kill -9` included (the kernel closes the pipe). So the server never outlives the runner.
 */
const GUARD = `
const { spawn } = require("node:child_process");
const [bin, ...args] = process.argv.slice(1);
const child = spawn(bin, args, { stdio: ["ignore", "inherit", "inherit"], detached: true });
let ending = false;
const end = () => {
  if (ending) return;
  ending = true;
  try { process.kill(-child.pid, "SIGTERM"); } catch {}
  setTimeout(() => { try { process.kill(-child.pid, "SIGKILL"); } catch {} process.exit(0); }, 3000).unref();
};
child.on("error", (e) => { process.stderr.write("cannot start " + bin + ": " + e.message + "\\n"); process.exit(127); });
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
process.stdin.on("end", end);
process.stdin.on("error", end);
process.stdin.resume();
process.on("SIGTERM", end);
process.on("SIGINT", end);
`;

export type StartedOpenCode = { url: string; pid: number; stop(): Promise<void> };

/** A port nothing listens on now (OpenCode's `--port 0` takes 4096 whenever that one is free). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts `opencode serve` in `directory` on 127.0.0.1, behind the guard; resolves with its URL. */
export async function startOpenCode(options: {
  bin: string;
  directory: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}): Promise<StartedOpenCode> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    ["-e", GUARD, options.bin, "serve", "--port", String(port), "--hostname", "127.0.0.1"],
    { cwd: options.directory, env: options.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] },
  );
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`opencode serve printed no address within ${options.timeoutMs ?? 60_000} ms:\n${output}`)),
      options.timeoutMs ?? 60_000,
    );
    const onData = (data: Buffer) => {
      output = (output + data.toString()).slice(-4000);
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve((match[1] as string).replace(/\/$/, ""));
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`opencode serve ended (exit ${code}) before it listened:\n${output.trim()}`));
    });
  });
  // Keep reading its output so a full pipe never stalls it; nothing of it is needed past the address.
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    url,
    pid: child.pid as number,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.stdin?.end();
      }),
  };
}
