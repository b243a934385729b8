// Creates tasks as fast as it can, printing each id after its commit, until it is killed.
// Usage: node crash-writer.mjs ROOT
import { openProject } from "../../dist/index.js";

const exarp = openProject(process.argv[2], { actor: { name: "crasher", session: null } });
for (let i = 0; ; i++) {
  const task = exarp.tasks.create({ title: `crash ${i}`, description: "x".repeat(i % 500) });
  process.stdout.write(`${task.id}\n`);
}
