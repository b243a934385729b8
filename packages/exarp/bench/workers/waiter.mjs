// Worker for bench/feed-latency.mjs: asks for approvals and waits for the decisions.
// stdin lines: "wait <taskId>" -> at once {"taskId", "requested": true} (the task is in review, the
//              request committed), then when it settles {"taskId", "outcome", "resolved": Date.now()}.
// Acts as agent:waiter (not the approver). Closes the project and exits when stdin ends.
import { createInterface } from "node:readline";
import { openProject } from "../../dist/index.js";

const TIMEOUT_MS = Number(process.env.BENCH_APPROVAL_TIMEOUT_MS ?? 10_000);
const [root] = process.argv.slice(2);
const exarp = openProject(root, { actor: { name: "agent:waiter", session: "wait" } });
const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
const describe = (error) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
send({ ready: true });

let open = 0;
let ended = false;
const maybeClose = () => {
  if (ended && open === 0) exarp.close();
};
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const [command, taskId] = line.trim().split(/\s+/);
  if (command !== "wait") return;
  let waiting;
  try {
    waiting = exarp.approvals.request({ taskId, timeoutMs: TIMEOUT_MS });
  } catch (error) {
    send({ taskId, requested: false, error: describe(error) });
    return;
  }
  open++;
  send({ taskId, requested: true });
  waiting.then(
    (outcome) => {
      const resolved = Date.now();
      open--;
      send({ taskId, outcome: outcome.outcome, by: outcome.by, resolved });
      maybeClose();
    },
    (error) => {
      open--;
      send({ taskId, outcome: "error", error: describe(error), resolved: Date.now() });
      maybeClose();
    },
  );
});
lines.on("close", () => {
  ended = true;
  maybeClose();
});
