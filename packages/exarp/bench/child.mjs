// Line-protocol child processes for the multi-process benches: spawn a worker script, send it lines,
// await its JSON answers one by one.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/**
 * Spawns `node workers/<script> ...args`. The worker answers with one JSON object per stdout line;
 * `next()` resolves with the next one (in order), `send(line)` writes a line to its stdin.
 * A worker that exits early rejects every pending and future `next()`.
 */
export function spawnWorker(script, args = [], { name = script } = {}) {
  const path = fileURLToPath(new URL(`workers/${script}`, import.meta.url));
  const child = spawn(process.execPath, [path, ...args.map(String)], { stdio: ["pipe", "pipe", "inherit"] });
  const queued = [];
  const waiting = [];
  let failure;
  createInterface({ input: child.stdout }).on("line", (line) => {
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      process.stderr.write(`[${name}] ${line}\n`);
      return;
    }
    const w = waiting.shift();
    if (w) w.resolve(message);
    else queued.push(message);
  });
  // "close", not "exit": a worker may exit before its last line is read from the pipe.
  child.on("close", (code, signal) => {
    failure = new Error(`${name} exited (${code ?? signal})`);
    for (const w of waiting.splice(0)) w.reject(failure);
  });
  return {
    child,
    send(line) {
      child.stdin.write(`${line}\n`);
    },
    next() {
      if (queued.length) return Promise.resolve(queued.shift());
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    /** Closes stdin (the worker's cue to close its project and exit) and waits for the exit. */
    stop() {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.stdin.end();
      });
    },
  };
}
