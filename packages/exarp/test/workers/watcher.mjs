// Watches the change feed from another process and prints each event it sees as a JSON line
// {seq, origin, at}. Usage: node watcher.mjs ROOT MODE   (MODE: fswatch | poll | listen)
//   fswatch: a watch on .exarp/ (SQLite), the feed's poll an hour; poll: the feed polls every 50 ms;
//   listen: no file watch and the poll an hour, so only the store's wake-ups (PostgreSQL's LISTEN) deliver.
import { join } from "node:path";
import { openProject } from "../../dist/index.js";

const [root, mode] = process.argv.slice(2);
const exarp = openProject(root, { actor: { name: "watcher", session: null } });
const options =
  mode === "fswatch"
    ? { watchDir: join(root, ".exarp"), pollMs: 3_600_000 }
    : mode === "listen"
      ? { pollMs: 3_600_000 }
      : { pollMs: 50 };
exarp.feed.watch(
  exarp.feed.head(),
  (events) => {
    for (const e of events)
      process.stdout.write(`${JSON.stringify({ seq: e.seq, origin: e.origin, at: Date.now() })}\n`);
  },
  { ...options, keepAlive: true },
);
process.stdout.write("ready\n");
