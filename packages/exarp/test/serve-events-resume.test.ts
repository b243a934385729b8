// The resume rule of the event stream: whatever is committed while a client replays, and wherever it
// disconnects, what a reconnecting client receives is the log, in order, once.
import { join } from "node:path";
import { setImmediate as tick } from "node:timers/promises";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import type { Exarp } from "../src/app/exarp.ts";
import { initProject } from "../src/app/project.ts";
import { createEventHub, type EventHub } from "../src/serve/events.ts";
import { until } from "./support/expect.ts";
import { seed } from "./support/fc-seed.ts";
import { openStream, serveHub } from "./support/sse.ts";
import { tempDir } from "./support/temp.ts";

const cleanups: (() => unknown)[] = [];
const cleanUp = async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
};
afterEach(cleanUp);

/** Who commits: the hub's own connection (its commit listener wakes the feed), another connection (the feed's watch does), or one command of two events. */
type Writer = "own" | "other" | "linked";

/**
 * A project, a second connection writing to it, and a hub replaying `replayLimit` events per chunk
 * and holding at most `maxBacklogBytes` for a client (past it, the client catches up from the log).
 */
function setup(replayLimit: number, maxBacklogBytes?: number) {
  const root = tempDir();
  const exarp = initProject(root, { actor: { name: "user:tester", session: null } });
  const other = initProject(root, { actor: { name: "agent:other", session: null } });
  const hub = createEventHub(exarp, { watchDir: join(root, ".exarp"), replayLimit, maxBacklogBytes });
  cleanups.push(
    () => exarp.close(),
    () => other.close(),
    () => hub.close(),
  );
  let last: string | undefined;
  const commit = (writer: Writer) => {
    const by: Exarp = writer === "other" ? other : exarp;
    last = by.tasks.create({ title: writer, dependsOn: writer === "linked" && last ? [last] : [] }).id;
  };
  return { exarp, hub, commit, head: () => exarp.feed.head() };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const idsIn = (text: string) => [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));

/**
 * A client read chunk by chunk, in process, so the test decides when the hub's stream is pulled:
 * replay pages are read only when asked for, and live batches land between them.
 */
function pulledClient(hub: EventHub, cursor: number) {
  const abort = new AbortController();
  const request = new Request("http://127.0.0.1/api/events", {
    headers: { "Last-Event-ID": String(cursor) },
    signal: abort.signal,
  });
  const reader = (hub.stream(request).body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const received: number[] = [];
  let pending: ReturnType<typeof reader.read> | undefined;
  return {
    received,
    /** Reads one chunk if one comes before the next turn of the event loop; false when none did. */
    async read(): Promise<boolean> {
      pending ??= reader.read();
      const result = await Promise.race([pending, tick().then(() => undefined)]);
      if (!result) return false;
      pending = undefined;
      if (result.value) received.push(...idsIn(decoder.decode(result.value)));
      return !result.done;
    },
    disconnect() {
      abort.abort();
    },
  };
}

describe("event stream resume", () => {
  it("over HTTP: a long replay raced by commits from this process and another connection, with disconnects", async () => {
    const { hub, commit, head } = setup(1);
    const server = await serveHub(hub);
    cleanups.push(() => server.close());
    for (let i = 0; i < 600; i++) commit(i % 3 === 0 ? "other" : "own");
    const received: number[] = [];
    const writers = ["own", "other", "linked"] as const;
    for (let round = 0; round < 3; round++) {
      const cursor = received.at(-1) ?? 0;
      const stream = await openStream(server.url, { "Last-Event-ID": String(cursor) });
      for (let i = 0; i < 60; i++) {
        commit(writers[i % 3] as Writer);
        await tick();
      }
      await stream.take(Math.min(200, head() - cursor));
      await stream.close();
      received.push(...stream.ids());
    }
    const cursor = received.at(-1) ?? 0;
    const tail = await openStream(server.url, { "Last-Event-ID": String(cursor) });
    cleanups.push(() => tail.close());
    await tail.take(head() - cursor);
    expect([...received, ...tail.ids()]).toEqual(range(1, head()));
  });

  it("property: for random commits, reads, disconnect points and backlog caps, the reconnecting client receives exactly 1..head in order", async () => {
    const action = fc.oneof(
      { weight: 3, arbitrary: fc.record({ commit: fc.constantFrom<Writer>("own", "other", "linked") }) },
      { weight: 2, arbitrary: fc.record({ settle: fc.constant(true) }) },
      { weight: 2, arbitrary: fc.record({ read: fc.integer({ min: 1, max: 3 }) }) },
      { weight: 1, arbitrary: fc.record({ reconnect: fc.constant(true) }) },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<Writer>("own", "other", "linked"), { maxLength: 10 }),
        fc.array(action, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 4 }),
        // None (every live batch waits in the log), about two events' worth, or the default (never reached).
        fc.constantFrom(1, 600, undefined),
        async (history, actions, replayLimit, maxBacklogBytes) => {
          const { hub, commit, head } = setup(replayLimit, maxBacklogBytes);
          /** Waits until the hub has fanned out everything committed (other connections' writes included). */
          const settle = () => until(() => hub.stats().head === head(), 5_000);
          try {
            // Fanned out before the first client connects: it starts by replaying them.
            for (const w of history) commit(w);
            await settle();
            const received: number[] = [];
            let client = pulledClient(hub, 0);
            const reconnect = () => {
              client.disconnect();
              received.push(...client.received);
              client = pulledClient(hub, received.at(-1) ?? 0);
            };
            for (const a of actions) {
              if ("commit" in a) commit(a.commit);
              else if ("settle" in a) await settle();
              else if ("read" in a) for (let i = 0; i < a.read; i++) await client.read();
              else reconnect();
            }
            await settle();
            reconnect();
            const last = () => client.received.at(-1) ?? received.at(-1) ?? 0;
            for (let i = 0; i < 10_000 && last() < head(); i++) await client.read();
            client.disconnect();
            received.push(...client.received);
            expect(received).toEqual(range(1, head()));
          } finally {
            await cleanUp();
          }
        },
      ),
      { numRuns: 100, seed: seed("event stream resume") },
    );
  });
});
