// Races for leases: for each stdin line "claim <taskId>" it claims as agent:<name>, printing {taskId, acquired}
// (and {error: "Name: message"} when the claim failed instead of answering).
// Usage: node claimer.mjs ROOT NAME
import { createInterface } from "node:readline";
import { openProject } from "../../dist/index.js";

const [root, name] = process.argv.slice(2);
const exarp = openProject(root, { actor: { name: `agent:${name}`, session: `ses_${name}` } });
process.stdout.write("ready\n");
for await (const line of createInterface({ input: process.stdin })) {
  const [verb, taskId] = line.split(" ");
  if (verb !== "claim") break;
  try {
    const result = exarp.leases.claim({ taskId });
    process.stdout.write(`${JSON.stringify({ taskId, acquired: result.acquired })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ taskId, acquired: false, error: `${error.name}: ${error.message}` })}\n`);
  }
}
exarp.close();
