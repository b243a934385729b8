// Worker for bench/feed-latency.mjs: watches the change feed of the project at <root> from its head.
// argv: <root> [poll|notify]   (none: watchDir .exarp, the file watch; "poll": no watchDir, so the polling
// fallback alone wakes it; "notify": no watchDir, for a team-mode project woken by LISTEN/NOTIFY)
// Prints {"ready": true, head} once watching, then one line per event: {"seq", "type", "seen": Date.now()}.
// Closes the watcher and the project and exits when stdin ends.
import { join } from "node:path";
import { createInterface } from "node:readline";
import { openProject } from "../../dist/index.js";

const [root, mode] = process.argv.slice(2);
const exarp = openProject(root, { actor: { name: "agent:watcher", session: "watch" } });
const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
const head = exarp.feed.head();
const watcher = exarp.feed.watch(
  head,
  (events) => {
    const seen = Date.now();
    for (const e of events) send({ seq: e.seq, type: e.type, seen });
  },
  mode ? { keepAlive: true } : { watchDir: join(root, ".exarp"), keepAlive: true },
);
send({ ready: true, head });

createInterface({ input: process.stdin }).on("close", () => {
  watcher.close();
  exarp.close();
});
