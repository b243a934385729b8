// A separate process making conflicting writes: read a counter from a task's title, write +1 with
// expectedVersion. Prints {landed, conflicts} as JSON. Usage: node writer.mjs ROOT TASK_IDS WRITES
import { openProject } from "../../dist/index.js";

const [root, ids, count] = process.argv.slice(2);
const tasks = ids.split(",");
const exarp = openProject(root, { actor: { name: `writer-${process.pid}`, session: null } });
let landed = 0;
let conflicts = 0;
for (let i = 0; i < Number(count); i++) {
  const id = tasks[i % tasks.length];
  const task = exarp.tasks.get(id);
  const n = Number(task.title.split("=")[1]);
  try {
    exarp.tasks.edit({ id, title: `n=${n + 1}`, expectedVersion: task.version });
    landed++;
  } catch (error) {
    if (error.name !== "VersionConflict") throw error;
    conflicts++;
  }
}
exarp.close();
process.stdout.write(JSON.stringify({ landed, conflicts }));
