// Watches the change feed from another process and prints each event it sees as a JSON line
// {seq, origin, at}. Usage: node watcher.mjs ROOT MODE   (MODE: fswatch | poll)
import { join } from "node:path";
import { openProject } from "../../dist/index.js";

const [root, mode] = process.argv.slice(2);
const exarp = openProject(root, { actor: { name: "watcher", session: null } });
const options = mode === "fswatch" ? { watchDir: join(root, ".exarp"), pollMs: 3_600_000 } : { pollMs: 50 };
exarp.feed.watch(
  exarp.feed.head(),
  (events) => {
    for (const e of events)
      process.stdout.write(`${JSON.stringify({ seq: e.seq, origin: e.origin, at: Date.now() })}\n`);
  },
  { ...options, keepAlive: true },
);
process.stdout.write("ready\n");
