// Worker for bench/events-load.mjs: one writer process (`agent:writer<i>`) over the project at <root>.
// argv: <root> <index> <writes>
// Prints {"ready": true}; on the stdin line "go" creates <writes> tasks as fast as it can, each its own
// transaction (retried while another writer holds the lock), then prints {"done": true, busy, ms,
// commits: [[seq, committedAt], ...]}: committedAt is taken right after COMMIT (performance.timeOrigin +
// performance.now(), comparable across processes). Closes the project and exits when stdin ends.
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { Busy, openProject } from "../../dist/index.js";

const [root, index, writes] = process.argv.slice(2);
const exarp = openProject(root, { actor: { name: `agent:writer${index}`, session: null } });
const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
const now = () => performance.timeOrigin + performance.now();
const commits = [];
exarp.store.onCommit((events) => {
  const at = now();
  for (const e of events) commits.push([e.seq, at]);
});
send({ ready: true });

const input = createInterface({ input: process.stdin });
input.on("line", (line) => {
  if (line.trim() !== "go") return;
  const start = performance.now();
  let busy = 0;
  for (let i = 0; i < Number(writes); i++) {
    for (;;) {
      try {
        exarp.tasks.create({ title: `writer ${index} #${i}` });
        break;
      } catch (error) {
        if (!Busy.is(error)) throw error;
        busy++;
      }
    }
  }
  send({ done: true, busy, ms: performance.now() - start, commits });
});
input.on("close", () => exarp.close());
