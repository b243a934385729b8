// Worker for bench/events-load.mjs: the event hub (the bench's bundle of src/serve/events.ts) over the
// project at <root>, served by @hono/node-server on 127.0.0.1 at a free port, as `exarp serve` mounts it.
// argv: <root> <hub bundle path>
// Prints {"ready": true, port, head} once listening. stdin lines: "stats" -> {clients, dropped, head,
// rss, heapUsed, cpuMs} (cpuMs: user + system CPU of this process so far). Closes the hub, the server
// and the project and exits when stdin ends.
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { serve } from "@hono/node-server";
import { openProject } from "../../dist/index.js";

const [root, hubPath] = process.argv.slice(2);
const { createEventHub } = await import(pathToFileURL(hubPath).href);
const exarp = openProject(root, { actor: { name: "user:server", session: null } });
const hub = createEventHub(exarp, { watchDir: join(root, ".exarp") });
const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);

const server = serve({ fetch: (request) => hub.stream(request), hostname: "127.0.0.1", port: 0 }, (info) =>
  send({ ready: true, port: info.port, head: exarp.feed.head() }),
);

createInterface({ input: process.stdin })
  .on("line", (line) => {
    if (line.trim() !== "stats") return;
    const { rss, heapUsed } = process.memoryUsage();
    const cpu = process.cpuUsage();
    send({ ...hub.stats(), rss, heapUsed, cpuMs: (cpu.user + cpu.system) / 1000 });
  })
  .on("close", () => {
    hub.close();
    server.closeAllConnections();
    server.close(() => {
      exarp.close();
      process.exit(0);
    });
  });
