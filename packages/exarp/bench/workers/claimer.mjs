// Worker for bench/claims.mjs: one agent (`agent:w<i>`, session `s<i>`) over the shared project (SQLite, or
// PostgreSQL when the project's .exarp/config.json names one). argv: <root> <i> [follow]
// stdin lines:  "claim <taskId>"  -> {"taskId", "acquired", "ms", "cpuMs", "requests"}  (ms: time inside
//                                    leases.claim; cpuMs: this process's CPU time in it, all threads)
//               "next"            -> {"claimed": [ids...], "ms", "requests"}    (claimNext until nothing is left)
//               "ping"            -> {"pong": true}                             (round-trip baseline, no store)
// requests: messages this process sent to its PostgreSQL bridge worker during the call (each one statement
// or statement batch on the server; 0 over SQLite), counted from outside exarp by wrapping
// MessagePort.postMessage.
// Prints {"ready": true} once the project is open; closes it and exits when stdin ends.
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { MessagePort } from "node:worker_threads";
import { openProject } from "../../dist/index.js";

let requests = 0;
const post = MessagePort.prototype.postMessage;
MessagePort.prototype.postMessage = function (message, ...rest) {
  if (message && typeof message === "object" && "op" in message) requests++;
  return post.call(this, message, ...rest);
};

const [root, index, follow] = process.argv.slice(2);
const exarp = openProject(root, { actor: { name: `agent:w${index}`, session: `s${index}` } });
// "follow": the worker also follows the change feed, as an agent's OpenCode plugin does (on PostgreSQL its
// connection then LISTENs, and every commit's NOTIFY wakes it).
const watcher = follow === "follow" ? exarp.feed.watch(exarp.feed.head(), () => undefined) : undefined;
const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
const describe = (error) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
send({ ready: true, pid: process.pid });

// Each line handled as it arrives (a "line" listener: an async iterator over the lines costs a promise
// and a microtask turn per line, which in a round of 32 processes shows in the figures).
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const [command, taskId] = line.trim().split(/\s+/);
  if (command === "ping") {
    send({ pong: true });
  } else if (command === "claim") {
    const before = requests;
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    const spent = () => {
      const cpu = process.cpuUsage(cpuBefore);
      return { ms: performance.now() - start, cpuMs: (cpu.user + cpu.system) / 1000, requests: requests - before };
    };
    try {
      const result = exarp.leases.claim({ taskId });
      send({ taskId, acquired: result.acquired, ...spent() });
    } catch (error) {
      send({ taskId, acquired: false, ...spent(), error: describe(error) });
    }
  } else if (command === "next") {
    const before = requests;
    const start = performance.now();
    const claimed = [];
    const errors = [];
    for (;;) {
      try {
        const result = exarp.leases.claimNext();
        if (!result.acquired) break;
        claimed.push(result.task.id);
      } catch (error) {
        errors.push(describe(error));
        if (errors.length >= 5) break;
      }
    }
    send({ claimed, errors, ms: performance.now() - start, requests: requests - before });
  }
});
lines.on("close", () => {
  watcher?.close();
  exarp.close();
});
