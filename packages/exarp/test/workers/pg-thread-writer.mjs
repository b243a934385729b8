// A writer run as a worker thread (several in one process, each its own store, i.e. its own
// connections): COMMANDS rounds of create a task, claim it (two events in one command), comment on it.
// Busy is retried. Posts {name, commands, busy} when done. workerData: {url, name, commands}
import { parentPort, workerData } from "node:worker_threads";
import { createExarp } from "../../dist/index.js";
import { openPgStore } from "../../dist/store/postgres/open.js";

const { url, name, commands } = workerData;
const store = openPgStore(url, { busyTimeoutMs: 10_000 });
const exarp = createExarp({ store, actor: { name: `agent:${name}`, session: `s_${name}` } });
let busy = 0;
const retry = (fn) => {
  for (;;) {
    try {
      return fn();
    } catch (error) {
      if (error.name !== "Busy") throw error;
      busy++;
    }
  }
};
for (let i = 0; i < commands; i++) {
  const task = retry(() => exarp.tasks.create({ title: `${name} ${i}` }));
  retry(() => exarp.leases.claim({ taskId: task.id }));
  retry(() => exarp.tasks.comment({ taskId: task.id, body: `${name} was here` }));
}
exarp.close();
parentPort.postMessage({ name, commands: commands * 3, busy });
