// The hub driven in process, as the server adapter calls it (Request in, streaming Response out), over
// a real project. Over real HTTP, with other processes writing: test/serve-events-*.test.ts.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { until } from "../../test/support/expect.ts";
import { hubStream, type SseStream } from "../../test/support/sse.ts";
import { tempDir } from "../../test/support/temp.ts";
import type { Exarp } from "../app/exarp.ts";
import { initProject } from "../app/project.ts";
import { createEventHub, type EventHubOptions } from "./events.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function project(root = tempDir(), name = "user:tester") {
  const exarp = initProject(root, { actor: { name, session: null } });
  cleanups.push(() => exarp.close());
  return { root, exarp };
}

function hubOver(root: string, exarp: Exarp, options: EventHubOptions = {}) {
  const hub = createEventHub(exarp, { watchDir: join(root, ".exarp"), ...options });
  cleanups.push(() => hub.close());
  const open = (query = "", headers: Record<string, string> = {}): SseStream => {
    const stream = hubStream(hub, query, headers);
    cleanups.push(() => stream.close());
    return stream;
  };
  return { hub, open };
}

function setup(options: EventHubOptions = {}) {
  const { root, exarp } = project();
  return { root, exarp, ...hubOver(root, exarp, options) };
}

const add = (exarp: Exarp, n: number, prefix = "task") =>
  Array.from({ length: n }, (_, i) => exarp.tasks.create({ title: `${prefix} ${i}` }).id);

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const idsIn = (text: string) => [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));

const request = (query: string, headers: Record<string, string> = {}) =>
  new Request(`http://127.0.0.1/api/events${query}`, { headers });

type ErrorBody = { error: { name: string; message: string; data: { fields?: unknown } } };

describe("event hub", () => {
  it("streams committed events live: id is the seq, data one line of JSON, after a `: head` comment", async () => {
    const { exarp, open } = setup();
    add(exarp, 2, "before");
    const stream = open();
    expect(stream.response.status).toBe(200);
    expect(Object.fromEntries(stream.response.headers)).toEqual({
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    });
    await until(() => stream.comments.length > 0);
    expect(stream.raw()).toBe("retry: 1000\n: head 2\n\n");
    expect(stream.retry()).toBe(1000);

    const [id] = add(exarp, 1, "live");
    exarp.tasks.setStatus({ id: id as string, to: "in_progress" });
    const messages = await stream.take(2);
    expect(messages.map((m) => [m.id, m.event])).toEqual([
      ["3", undefined],
      ["4", undefined],
    ]);
    expect(stream.events()).toEqual(
      exarp.feed
        .eventsSince(2)
        .map(({ seq, type, payload, actor, session, time }) => ({ seq, type, payload, actor, session, time })),
    );
    expect(stream.events()[0]).toMatchObject({ type: "task.created", actor: "user:tester", session: null });
    expect(stream.raw()).toContain(`\n\nid: 3\ndata: {"seq":3,"type":"task.created",`);
  });

  it("resumes with Last-Event-ID after a disconnect: exactly the missed events, then live ones", async () => {
    const { exarp, hub, open } = setup();
    const first = open("?after=0");
    add(exarp, 3);
    await first.take(3);
    await first.close();
    expect(hub.stats().clients).toBe(0);
    add(exarp, 4, "missed");
    const again = open("", { "Last-Event-ID": "3" });
    await again.take(4);
    add(exarp, 1, "live");
    await again.take(5);
    expect(again.comments).toEqual([]);
    expect([...first.ids(), ...again.ids()]).toEqual(range(1, 8));
    expect(again.events().map((e) => e.payload.task)).toMatchObject(
      ["missed 0", "missed 1", "missed 2", "missed 3", "live 0"].map((title) => ({ title })),
    );
  });

  it("replays from ?after=SEQ in pages, and a reconnect's Last-Event-ID wins over the URL's after", async () => {
    const { exarp, open } = setup({ replayLimit: 2 });
    add(exarp, 7);
    const fromUrl = open("?after=4");
    await fromUrl.take(3);
    expect(fromUrl.ids()).toEqual([5, 6, 7]);
    const reconnected = open("?after=1", { "Last-Event-ID": "5" });
    await reconnected.take(2);
    add(exarp, 1);
    await reconnected.take(3);
    expect(reconnected.ids()).toEqual([6, 7, 8]);
    const all = open("?after=0");
    await all.take(8);
    expect(all.ids()).toEqual(range(1, 8));
  });

  it("takes a cursor the hub has not fanned out yet (another connection's commit) and sends nothing twice", async () => {
    const { root, exarp } = project();
    const { exarp: other } = project(root, "agent:other");
    const { hub, open } = hubOver(root, exarp);
    add(other, 3); // the hub learns of these when its watcher wakes
    expect(hub.stats().head).toBe(0);
    const ahead = open("?after=2");
    const live = open();
    expect(live.response.status).toBe(200);
    add(exarp, 1);
    await ahead.take(2);
    await live.take(1);
    expect(ahead.ids()).toEqual([3, 4]);
    expect(live.comments).toEqual(["head 3"]);
    expect(live.ids()).toEqual([4]);
  });

  it("refuses a bad cursor or parameter with 400 InvalidInput, naming it, and opens no stream", async () => {
    const { exarp, hub } = setup();
    add(exarp, 2);
    const cases: [string, Record<string, string>, string][] = [
      ["?after=-1", {}, "after"],
      ["?after=abc", {}, "after"],
      ["?after=1.5", {}, "after"],
      ["?after=1e1", {}, "after"],
      ["?after=01", {}, "after"],
      ["?after=%201", {}, "after"],
      ["?after=", {}, "after"],
      ["?after=0x1", {}, "after"],
      ["?after=9007199254740993", {}, "after"],
      ["?after=3", {}, "after"],
      ["?after=1&after=2", {}, "after"],
      ["?since=1", {}, "since"],
      ["", { "Last-Event-ID": "x" }, "Last-Event-ID"],
      ["", { "Last-Event-ID": "-0" }, "Last-Event-ID"],
      ["", { "Last-Event-ID": "99" }, "Last-Event-ID"],
      ["?after=1", { "Last-Event-ID": "1;2" }, "Last-Event-ID"],
      ["?after=zz", { "Last-Event-ID": "1" }, "after"],
    ];
    for (const [query, headers, path] of cases) {
      const response = hub.stream(request(query, headers));
      expect(response.status, `${query} ${JSON.stringify(headers)}`).toBe(400);
      expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
      const body = (await response.json()) as ErrorBody;
      expect(body.error.name).toBe("InvalidInput");
      expect(body.error.message).toMatch(new RegExp(`^invalid input: ${path}: `));
      expect(body.error.data.fields).toEqual([{ path, message: expect.any(String) }]);
    }
    const past = (await hub.stream(request("?after=3")).json()) as ErrorBody;
    expect(past.error.message).toBe("invalid input: after: 3 is past the newest event (2): it is from another project");
    expect(hub.stats().clients).toBe(0);
  });

  it("treats an empty Last-Event-ID as none (EventSource never sends one): live from now", async () => {
    const { exarp, open } = setup();
    add(exarp, 2);
    const stream = open("", { "Last-Event-ID": "" });
    await until(() => stream.comments.length > 0);
    expect(stream.comments).toEqual(["head 2"]);
  });

  it("carries hostile text in payloads as data only: no forged field, message or line break", async () => {
    const { exarp, open } = setup();
    const [taskId] = add(exarp, 1);
    const hostile = [
      "a\r\nid: 99\r\ndata: {}\r\n\r\n",
      "b\n\nid: 98\nevent: forged\ndata: x\n\n",
      "c\rretry: 1\r\r",
      "d\u2028e\u2029f\u0085g",
      "h\u0000:\u001b[31m",
    ];
    const stream = open("?after=1");
    // Appended below the services' input checks, as an older version or an import may have: still safe.
    exarp.store.transact({ actor: "user:tester", session: null, origin: exarp.origin, time: 1 }, (tx) =>
      tx.append(
        hostile.map((body, i) => ({
          type: "comment.added" as const,
          payload: { taskId: taskId as string, commentId: `c-hostile${i}`, body },
        })),
      ),
    );
    await stream.take(hostile.length);
    expect(stream.ids()).toEqual(range(2, 1 + hostile.length));
    expect(stream.messages.map((m) => m.event)).toEqual(hostile.map(() => undefined));
    expect(stream.events().map((e) => e.payload.body)).toEqual(hostile);
    expect(stream.retry()).toBe(1000);
    expect(stream.raw()).not.toMatch(/[\r\u0085\u2028\u2029]/u);
  });

  it("sends a heartbeat comment every heartbeatMs", async () => {
    const { open } = setup({ heartbeatMs: 30 });
    const stream = open();
    await until(() => stream.comments.filter((c) => c === "heartbeat").length >= 3, 5_000);
    expect(stream.messages).toEqual([]);
    expect(stream.raw()).toMatch(/^retry: 1000\n: head 0\n\n(: heartbeat\n\n)+$/);
  });

  it("lets a client more than the cap behind catch up from the log: a burst of commits drops no reader, slow or fast", async () => {
    const { exarp, hub, open } = setup({ maxBacklogBytes: 4096, heartbeatMs: 40 });
    const [taskId] = add(exarp, 1);
    const fast = open();
    const slow = (hub.stream(request("?after=1")).body as ReadableStream<Uint8Array>).getReader();
    const slowText: string[] = [];
    const decoder = new TextDecoder();
    // One chunk every 10 ms: steady, far slower than the commits, and never a whole heartbeat without a read.
    const reading = (async () => {
      for (let r = await slow.read(); !r.done; r = await slow.read()) {
        slowText.push(decoder.decode(r.value));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    await until(() => fast.comments.length > 0);
    // Each transaction is one wake-up of the hub, ~25 times the cap: every client is behind at once.
    for (let burst = 0; burst < 3; burst++)
      exarp.store.transact({ actor: "user:tester", session: null, origin: exarp.origin, time: 1 }, (tx) =>
        tx.append(
          range(1, 400).map((i) => ({
            type: "comment.added" as const,
            payload: { taskId: taskId as string, commentId: `c-${burst}-${i}`, body: `burst ${burst} comment ${i}` },
          })),
        ),
      );
    const head = exarp.feed.head();
    await fast.take(head - 1);
    await until(() => idsIn(slowText.join("")).at(-1) === head, 30_000);
    expect(fast.ids()).toEqual(range(2, head));
    expect(idsIn(slowText.join(""))).toEqual(range(2, head));
    expect(hub.stats()).toEqual({ clients: 2, dropped: 0, head });
    await slow.cancel();
    await reading;
  });

  it("cuts off a client that reads nothing for a heartbeat while bytes wait, frees it, and keeps serving the others", async () => {
    const { exarp, hub, open } = setup({ maxBacklogBytes: 4096, heartbeatMs: 40 });
    const fast = open();
    const never = hub.stream(request("")); // nobody ever reads this one
    const ids = add(exarp, 40);
    await fast.take(40);
    await until(() => hub.stats().dropped === 1, 5_000);
    expect(hub.stats()).toEqual({ clients: 1, dropped: 1, head: 40 });
    // Its backlog was let go at once: read now, it holds nothing and has ended.
    expect(await new Response(never.body).text()).toBe("");
    exarp.tasks.comment({ taskId: ids[0] as string, body: "still live" });
    await fast.take(41);
    expect(fast.ids()).toEqual(range(1, 41));
    expect(hub.stats().dropped).toBe(1);
  });

  it("forgets a client that goes away (signal aborted, or stream cancelled)", async () => {
    const { exarp, hub, open } = setup();
    const aborted = open();
    const cancelled = hub.stream(request(""));
    expect(hub.stats().clients).toBe(2);
    await aborted.close();
    expect(hub.stats().clients).toBe(1);
    await (cancelled.body as ReadableStream).cancel();
    expect(hub.stats().clients).toBe(0);
    add(exarp, 3);
    await until(() => hub.stats().head === 3);
    expect(hub.stats().dropped).toBe(0);
    // A request whose client had gone before it was answered is never counted.
    const gone = hub.stream(new Request("http://127.0.0.1/api/events", { signal: AbortSignal.abort() }));
    expect(gone.status).toBe(200);
    expect(hub.stats().clients).toBe(0);
  });

  it("answers 503 StreamUnavailable with Retry-After past maxClients", async () => {
    const { hub, open } = setup({ maxClients: 1 });
    open();
    const refused = hub.stream(request(""));
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(((await refused.json()) as ErrorBody).error.name).toBe("StreamUnavailable");
    expect(hub.stats().clients).toBe(1);
  });

  it("close() ends every stream after what it queued, and stops watching; later requests get 503", async () => {
    const { exarp, hub, open } = setup();
    const streams = [open(), open("?after=0")];
    add(exarp, 1);
    await until(() => hub.stats().head === 1);
    hub.close();
    for (const s of streams) await s.end();
    expect(streams.map((s) => [s.ids(), s.failure()])).toEqual([
      [[1], undefined],
      [[1], undefined],
    ]);
    expect(hub.stats().clients).toBe(0);
    add(exarp, 1);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(hub.stats().head).toBe(1);
    const after = hub.stream(request(""));
    expect(after.status).toBe(503);
    expect(((await after.json()) as ErrorBody).error.name).toBe("StreamUnavailable");
  });
});
