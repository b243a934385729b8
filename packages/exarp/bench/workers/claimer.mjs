// Worker for bench/claims.mjs: one agent (`agent:w<i>`, session `s<i>`) over the shared project.
// stdin lines:  "claim <taskId>"  -> {"taskId", "acquired", "ms"}        (ms: time inside leases.claim)
//               "next"            -> {"claimed": [ids...], "ms"}          (claimNext until nothing is left)
//               "ping"            -> {"pong": true}                       (round-trip baseline, no SQLite)
// Prints {"ready": true} once the project is open; closes it and exits when stdin ends.
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { openProject } from "../../dist/index.js";

const [root, index] = process.argv.slice(2);
const exarp = openProject(root, { actor: { name: `agent:w${index}`, session: `s${index}` } });
const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
const describe = (error) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
send({ ready: true, pid: process.pid });

for await (const line of createInterface({ input: process.stdin })) {
  const [command, taskId] = line.trim().split(/\s+/);
  if (command === "ping") {
    send({ pong: true });
  } else if (command === "claim") {
    const start = performance.now();
    try {
      const result = exarp.leases.claim({ taskId });
      send({ taskId, acquired: result.acquired, ms: performance.now() - start });
    } catch (error) {
      send({ taskId, acquired: false, ms: performance.now() - start, error: describe(error) });
    }
  } else if (command === "next") {
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
    send({ claimed, errors, ms: performance.now() - start });
  }
}
exarp.close();
