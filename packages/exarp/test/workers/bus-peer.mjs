// One bus peer: subscribes to every topic, creates COUNT tasks once it reads "go", and prints what it
// received ({seq, origin}) once it has seen 2*COUNT creations or 10 s passed.
// Usage: node bus-peer.mjs ROOT NAME COUNT
import { createInterface } from "node:readline";
import { openProject } from "../../dist/index.js";

const [root, name, count] = process.argv.slice(2);
const exarp = openProject(root, { actor: { name: `agent:${name}`, session: null } });
const received = [];
let created = 0;
const done = new Promise((resolve) => {
  exarp.bus.subscribe("task.created", (m) => {
    received.push({ seq: m.seq, origin: m.origin });
    if (++created === 2 * Number(count)) resolve();
  });
  setTimeout(resolve, 10_000).unref();
});
process.stdout.write(`ready ${exarp.origin}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "go") break;
}
for (let i = 0; i < Number(count); i++) {
  exarp.tasks.create({ title: `${name} ${i}` });
  await new Promise((r) => setTimeout(r, 2));
}
await done;
process.stdout.write(`${JSON.stringify({ origin: exarp.origin, received })}\n`);
exarp.close();
