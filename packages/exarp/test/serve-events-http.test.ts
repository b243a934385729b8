// The event stream over real HTTP (@hono/node-server on 127.0.0.1): real disconnects, a client that
// never reads, and events committed by other processes (the built CLI).
import { connect } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Exarp } from "../src/app/exarp.ts";
import { initProject } from "../src/app/project.ts";
import { createEventHub, type EventHubOptions } from "../src/serve/events.ts";
import { CLI, runNode } from "./support/cli.ts";
import { until } from "./support/expect.ts";
import { hermeticEnv } from "./support/hermetic.ts";
import { openStream, type SseStream, serveHub } from "./support/sse.ts";
import { tempDir } from "./support/temp.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function served(options: EventHubOptions = {}) {
  const root = tempDir();
  const exarp = initProject(root, { actor: { name: "user:tester", session: null } });
  cleanups.push(() => exarp.close());
  const hub = createEventHub(exarp, { watchDir: join(root, ".exarp"), ...options });
  const server = await serveHub(hub);
  cleanups.push(() => server.close());
  const open = async (query = "", headers: Record<string, string> = {}): Promise<SseStream> => {
    const stream = await openStream(`${server.url}${query}`, headers);
    cleanups.push(() => stream.close());
    return stream;
  };
  return { root, exarp, hub, server, open };
}

const add = (exarp: Exarp, n: number, prefix = "task") =>
  Array.from({ length: n }, (_, i) => exarp.tasks.create({ title: `${prefix} ${i}` }).id);

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("event stream over HTTP", () => {
  it("delivers live, notices a real disconnect, and resumes from Last-Event-ID with exactly the missed events", async () => {
    const { exarp, hub, open } = await served();
    add(exarp, 1);
    const first = await open();
    expect(first.response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    add(exarp, 3);
    await first.take(3);
    await first.close();
    await until(() => hub.stats().clients === 0);
    add(exarp, 4, "missed");
    const again = await open("", { "Last-Event-ID": String(first.ids().at(-1)) });
    await again.take(4);
    add(exarp, 1, "live");
    await again.take(5);
    expect(first.comments).toEqual(["head 1"]);
    expect([...first.ids(), ...again.ids()]).toEqual(range(2, 9));
  });

  it("answers a bad cursor with a 400 JSON error", async () => {
    const { server } = await served();
    const response = await fetch(`${server.url}?after=x`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { name: string } }).error.name).toBe("InvalidInput");
  });

  it("drops a client that stops reading, while a fast one keeps receiving", async () => {
    const { exarp, hub, server, open } = await served({ maxBacklogBytes: 64 * 1024, heartbeatMs: 50 });
    const [taskId] = add(exarp, 1);
    const fast = await open();
    // A raw connection that sends its request and never reads a byte.
    const slow = connect(server.port, "127.0.0.1");
    cleanups.push(() => slow.destroy());
    await new Promise((resolve) => slow.once("connect", resolve));
    slow.pause();
    slow.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: close\r\n\r\n`);
    await until(() => hub.stats().clients === 2);
    // Up to 24 MB of events: more than the socket buffers and the cap together hold.
    const body = "x".repeat(60_000);
    for (let i = 0; i < 400 && hub.stats().dropped === 0; i++) {
      exarp.tasks.comment({ taskId: taskId as string, body });
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await until(() => hub.stats().dropped === 1);
    expect(hub.stats().clients).toBe(1);
    const sent = exarp.feed.head() - 1;
    exarp.tasks.comment({ taskId: taskId as string, body: "after the drop" });
    await fast.take(sent + 1);
    expect(fast.ids()).toEqual(range(2, 2 + sent));
    // Reading at last, the slow client gets what its socket held, in order, and then the end.
    let received = "";
    slow.setEncoding("utf8");
    slow.on("data", (chunk: string) => {
      received += chunk;
    });
    slow.resume();
    await new Promise((resolve) => slow.once("end", resolve));
    const ids = [...received.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids.length).toBeLessThan(sent);
    expect(ids).toEqual(range(2, 1 + ids.length));
  });

  it("streams what other processes commit: the built CLI, several at once", async () => {
    const { root, open } = await served();
    const stream = await open();
    await until(() => stream.comments.length > 0);
    const runs = ["one", "two", "three"].map((title) =>
      runNode(CLI, ["-C", root, "add", `from the cli: ${title}`], hermeticEnv({ EXARP_AGENT: "agent:cli" })),
    );
    for (const run of runs) expect((await run.done).code).toBe(0);
    await stream.take(3);
    expect(stream.ids()).toEqual([1, 2, 3]);
    const events = stream.events();
    expect(events.map((e) => [e.type, e.actor])).toEqual(Array(3).fill(["task.created", "agent:cli"]));
    expect(events.map((e) => (e.payload.task as { title: string }).title).sort()).toEqual([
      "from the cli: one",
      "from the cli: three",
      "from the cli: two",
    ]);
  });

  it("close() ends every open HTTP stream cleanly", async () => {
    const { exarp, hub, open } = await served();
    const streams = [await open(), await open("?after=0")];
    add(exarp, 2);
    for (const s of streams) await s.take(2);
    hub.close();
    for (const s of streams) await s.end();
    expect(streams.map((s) => [s.ids(), s.failure()])).toEqual([
      [[1, 2], undefined],
      [[1, 2], undefined],
    ]);
  });
});
