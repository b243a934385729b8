// Worker for bench/events-load.mjs: `exarp serve`'s server (the bench's bundle of src/serve/server.ts:
// authentication, the event hub, the routes) over the project at <root>, on 127.0.0.1 at a free port.
// argv: <root> <server bundle path>
// Makes a viewer token and prints {"ready": true, port, head, secret} once listening. stdin lines:
// "stats" -> {clients, dropped, head, rss, heapUsed, cpuMs} (cpuMs: user + system CPU of this process
// so far). Closes the server and the project and exits when stdin ends.
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { openProject } from "../../dist/index.js";

const [root, serverPath] = process.argv.slice(2);
const { startServer } = await import(pathToFileURL(serverPath).href);
const exarp = openProject(root, { actor: { name: "user:server", session: null } });
const { secret } = exarp.tokens.create({ scope: "viewer", name: "load" });
const server = await startServer(exarp, { port: 0, watchDir: join(root, ".exarp"), log: () => undefined });
const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
send({ ready: true, port: server.port, head: exarp.feed.head(), secret });

createInterface({ input: process.stdin })
  .on("line", (line) => {
    if (line.trim() !== "stats") return;
    const { rss, heapUsed } = process.memoryUsage();
    const cpu = process.cpuUsage();
    send({ ...server.events.stats(), rss, heapUsed, cpuMs: (cpu.user + cpu.system) / 1000 });
  })
  .on("close", async () => {
    await server.close();
    exarp.close();
    process.exit(0);
  });
