// What only the PostgreSQL store does, against the real server (vitest's postgres project, the cluster
// with-postgres.mjs starts): the driver; Busy on the write lock while reads answer; one gapless, chained
// log from writers on many connections; a connection lost mid-command or mid-COMMIT (Unavailable, nothing
// or everything applied, never half); the schemas, servers and credentials it refuses; the server's clock;
// LISTEN wake-ups, and the catch-up by cursor when the listener dies or notifications are dropped on the way.
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import fc from "fast-check";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { runNode } from "../../../test/support/cli.ts";
import { freshPgUrl, holdPgWriteLock } from "../../../test/support/exarp.ts";
import { failure, until } from "../../../test/support/expect.ts";
import { seed } from "../../../test/support/fc-seed.ts";
import { startCluster } from "../../../test/support/postgres.ts";
import { createExarp } from "../../app/exarp.ts";
import type { StoredEvent } from "../../event/catalog.ts";
import { verifyChain } from "../../event/verify-chain.ts";
import { createFeed } from "../../feed/feed.ts";
import { eventPages } from "../pages.ts";
import type { Store } from "../store.ts";
import { driverOf } from "../store.ts";
import { literal } from "./begin.ts";
import { openPgStore } from "./open.ts";

const meta = { actor: "tester", session: null, origin: "o-pgtest", time: 1 };
const PROXY = fileURLToPath(new URL("../../../test/workers/pg-proxy.mjs", import.meta.url));
const THREAD_WRITER = fileURLToPath(new URL("../../../test/workers/pg-thread-writer.mjs", import.meta.url));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A project with one task, on a fresh schema (always PostgreSQL, whatever EXARP_TEST_BACKEND says: this
 * file is PostgreSQL's own). `store` connects with `url`, tagged (application_name) so that its
 * connections can be told apart; `plain` is the project's URL without the tag, for other connections.
 */
function project(tag: string) {
  const plain = freshPgUrl();
  const url = new URL(plain);
  url.searchParams.set("application_name", `exarp_${tag}_${process.pid}`);
  const store = openPgStore(url.href, { create: true });
  const exarp = createExarp({ store, actor: { name: "user:ana", session: null } });
  const task = exarp.tasks.create({ title: "first" });
  return { plain, url: url.href, tag: `exarp_${tag}_${process.pid}`, store, exarp, taskId: task.id };
}

const comment = (taskId: string, body: string) =>
  ({ type: "comment.added", payload: { taskId, commentId: `c-${body.replace(/\W/g, "")}`, body } }) as const;

/** The command connection's server process: the one this store's requests run on. */
const commandPid = (store: Store) =>
  (driverOf(store).prepare<{ pid: number }>("SELECT pg_backend_pid() AS pid").get() as { pid: number }).pid;

/** The server processes of connections tagged `tag` (application_name) other than `except`. */
function pidsOf(admin: Store, tag: string, except: number): number[] {
  return driverOf(admin)
    .prepare<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = ? AND pid <> ? ORDER BY pid")
    .all(tag, except)
    .map((r) => r.pid);
}

/** Ends server process `pid` and waits (up to 5 s) until it is gone. */
function terminate(admin: Store, pid: number): void {
  const row = driverOf(admin).prepare<{ ok: boolean }>("SELECT pg_terminate_backend(?::int, 5000) AS ok").get(pid);
  expect(row?.ok, `pg_terminate_backend(${pid})`).toBe(true);
}

/** The log is whole: seq 1..n without a gap, every hash chained. */
function expectWholeLog(store: Store, events: number) {
  expect(store.maxSeq()).toBe(events);
  expect(store.listEvents({ limit: 100_000 }).map((e) => e.seq)).toEqual(
    Array.from({ length: events }, (_, i) => i + 1),
  );
  expect(verifyChain(eventPages(store, 0))).toEqual({ events, problems: [] });
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The proxy of test/workers/pg-proxy.mjs in front of the test server; `url` is the project's URL through it. */
async function proxy(projectUrl: string) {
  const target = new URL(projectUrl);
  const run = runNode(PROXY, [target.hostname, target.port || "5432"]);
  await until(() => run.output().includes('"port"'), 10_000);
  const port = JSON.parse(run.output().split("\n")[0] as string).port as number;
  const through = new URL(projectUrl);
  through.port = String(port);
  const said = () =>
    run
      .output()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  return {
    url: through.href,
    said,
    async send(command: string) {
      run.child.stdin.write(`${command}\n`);
      await until(() => said().some((m) => m.ok === command), 10_000);
    },
    async stop() {
      run.child.stdin.end();
      await run.done;
    },
  };
}

/** Resolves with the time of the next wake-up `store` reports (onExternalChange). */
const nextWake = (store: Store) =>
  new Promise<number>((resolve) => {
    const stop = store.onExternalChange(() => {
      stop();
      resolve(Date.now());
    });
  });

/** Waits until `store`'s listening connection is up: it reports one wake-up when it (re)connects. */
async function listening(store: Store) {
  await until(() => store.dataVersion() > 0, 10_000);
}

describe("PostgreSQL store", () => {
  it("runs on node-postgres: backend postgres, the URL shown with its schema and never a password", () => {
    const url = new URL(freshPgUrl());
    url.password = "not-needed";
    const store = openPgStore(url.href, { create: true });
    try {
      expect(store.backend).toBe("postgres");
      expect(driverOf(store).name).toBe("node-postgres");
      expect(driverOf(store).dialect).toBe("postgres");
      expect(store.path).not.toContain("not-needed");
      expect(store.path).toContain(`schema=${url.searchParams.get("schema")}`);
      const row = driverOf(store)
        .prepare<{ app: string; schema: string }>(
          "SELECT current_setting('application_name') AS app, current_schema() AS schema",
        )
        .get();
      expect(row).toEqual({ app: "exarp", schema: url.searchParams.get("schema") });
    } finally {
      store.close();
    }
  });

  it("a write waits lock_timeout for another connection's write lock, then is Busy and writes nothing; reads answer at once", () => {
    const { plain, store, exarp, taskId } = project("busy");
    const release = holdPgWriteLock(plain);
    const quick = openPgStore(plain, { busyTimeoutMs: 300 });
    try {
      const started = performance.now();
      const error = failure(() => quick.transact(meta, (tx) => tx.append([comment(taskId, "blocked")])));
      const waited = performance.now() - started;
      expect(error.name).toBe("Busy");
      expect(error.message).toBe("busy: another process is writing; retried for 300 ms");
      expect(waited).toBeGreaterThanOrEqual(290);
      expect(waited).toBeLessThan(3000);
      // Reads, on both connections, answer while the lock is held.
      for (const s of [quick, store]) {
        const start = performance.now();
        expect(s.maxSeq()).toBe(1);
        expect(s.listTasks({}).map((t) => t.title)).toEqual(["first"]);
        expect(s.listEvents().map((e) => e.type)).toEqual(["task.created"]);
        expect(performance.now() - start).toBeLessThan(200);
      }
    } finally {
      release();
    }
    quick.transact(meta, (tx) => tx.append([comment(taskId, "after")]));
    expect(store.listEvents().map((e) => e.seq)).toEqual([1, 2]);
    quick.close();
    exarp.close();
  });

  it("writers in six threads of one process and in this thread, each store its own connection: a gapless log, an intact chain, commands whole", async () => {
    const { url, store, exarp } = project("threads");
    const threads = Array.from(
      { length: 6 },
      (_, i) =>
        new Promise<{ commands: number; busy: number }>((resolve, reject) => {
          const worker = new Worker(THREAD_WRITER, { workerData: { url, name: `t${i}`, commands: 15 } });
          worker.once("message", resolve);
          worker.once("error", reject);
        }),
    );
    // This thread writes too, between its awaits, on its own two stores.
    const other = openPgStore(url);
    const mine = createExarp({ store: other, actor: { name: "user:bo", session: null } });
    let own = 0;
    const done = Promise.all(threads);
    let finished = false;
    const stop = () => {
      finished = true;
    };
    done.then(stop, stop);
    while (!finished && own < 200) {
      (own % 2 ? mine : exarp).tasks.create({ title: `main ${own++}` });
      await sleep(1);
    }
    const results = await done;
    // Each round is three commands: create (1 event), claim (lease + status: 2 events), comment (1 event).
    const events = 1 + own + results.length * 15 * 4;
    expectWholeLog(store, events);
    // Every command's events are consecutive: no command interleaved with another.
    const byCommand = new Map<number, StoredEvent[]>();
    for (const e of store.listEvents({ limit: 100_000 }))
      byCommand.set(e.command, [...(byCommand.get(e.command) ?? []), e]);
    for (const [command, list] of byCommand) {
      expect(list.map((e) => e.seq)).toEqual(list.map((_, k) => command + k));
      expect(new Set(list.map((e) => `${e.actor}/${e.origin}`)).size).toBe(1);
    }
    console.log(
      `one process, 8 connections: ${events} events, ${byCommand.size} commands, Busy retried ${results.reduce((n, r) => n + r.busy, 0)} times`,
    );
    mine.close();
    exarp.close();
  });

  it("a connection lost between two statements of a command: Unavailable, nothing of it in the log; the next command reconnects", () => {
    const { plain, store, exarp, taskId } = project("lost");
    const admin = openPgStore(plain);
    try {
      for (const when of ["between two appends", "before a read", "right after BEGIN"] as const) {
        const before = store.maxSeq();
        const pid = commandPid(store);
        const error = failure(() =>
          store.transact(meta, (tx) => {
            if (when === "right after BEGIN") terminate(admin, pid);
            tx.append([comment(taskId, `${when} one`)]);
            if (when === "between two appends") terminate(admin, pid);
            if (when === "before a read") {
              terminate(admin, pid);
              tx.task(taskId);
            }
            tx.append([comment(taskId, `${when} two`)]);
          }),
        );
        expect(error.name, when).toBe("Unavailable");
        expect(error.message, when).toMatch(/^cannot reach the database at postgres:\/\/.*; retry when it is back$/);
        // Nothing of the command: not on this connection's successor, not on another connection.
        expect(admin.maxSeq(), when).toBe(before);
        expect(
          admin.listEvents().some((e) => JSON.stringify(e.payload).includes(when)),
          when,
        ).toBe(false);
        // The same store carries on, on a new connection.
        store.transact(meta, (tx) => tx.append([comment(taskId, `${when} after`)]));
        expect(commandPid(store)).not.toBe(pid);
        expect(admin.maxSeq(), when).toBe(before + 1);
      }
      expectWholeLog(admin, 4);
    } finally {
      admin.close();
      exarp.close();
    }
  });

  it("a connection lost at COMMIT: lost before it, Unavailable and nothing applied; its answer lost after it applied, the command stands (or, the server out of reach, Unavailable saying it cannot know)", async () => {
    const { plain, exarp, taskId, url } = project("commit");
    const admin = openPgStore(plain);
    const through = await proxy(url);
    const store = openPgStore(through.url);
    try {
      // Lost just before COMMIT (a participant runs last, holding the lock): the log says it was not applied.
      const pid = commandPid(store);
      const stop = store.participate(() => {
        terminate(admin, pid);
        return undefined;
      });
      const error = failure(() => store.transact(meta, (tx) => tx.append([comment(taskId, "never")])));
      stop();
      expect(error.name).toBe("Unavailable");
      expect(error.message).toContain("the connection broke before the commit; nothing was applied");
      expect(admin.maxSeq()).toBe(1);

      // The COMMIT applied, and the connection died before its answer came back: checked against the log.
      await through.send("cut-commit");
      const heard: StoredEvent[] = [];
      store.onCommit((events) => heard.push(...events));
      const before = commandPid(store);
      const { events } = store.transact(meta, (tx) => tx.append([comment(taskId, "applied")]));
      await until(() => through.said().some((m) => m.cut === true), 5000);
      // The connection that carried the COMMIT is gone; the answer came from the log, on a new one.
      expect(commandPid(store)).not.toBe(before);
      expect(events.map((e) => e.seq)).toEqual([2]);
      expect(heard.map((e) => e.seq)).toEqual([2]);
      expect(admin.listEvents().map((e) => e.seq)).toEqual([1, 2]);
      expect(admin.listEvents().at(-1)?.payload).toMatchObject({ body: "applied" });
      // Once, and the store goes on.
      store.transact(meta, (tx) => tx.append([comment(taskId, "next")]));
      expectWholeLog(admin, 3);

      // The answer lost and the server out of reach when the store asks the log: it says it cannot know.
      await through.send("cut-commit");
      await through.send("refuse on");
      const unknown = failure(() => store.transact(meta, (tx) => tx.append([comment(taskId, "unknown")])));
      expect(unknown.name).toBe("Unavailable");
      expect(unknown.message).toContain(
        "the connection broke during the commit of seq 4; whether it was applied is unknown",
      );
      await through.send("refuse off");
      // It was applied (the COMMIT reached the server); the store, reconnected, sees it and goes on.
      expect(store.maxSeq()).toBe(4);
      store.transact(meta, (tx) => tx.append([comment(taskId, "after unknown")]));
      expectWholeLog(admin, 5);
    } finally {
      store.close();
      await through.stop();
      admin.close();
      exarp.close();
    }
  });

  it("refuses a schema holding someone else's tables, an unknown database and an unknown role: StorageError, saying which", () => {
    const url = new URL(freshPgUrl());
    const schema = url.searchParams.get("schema") as string;
    const admin = openPgStore(freshPgUrl(), { create: true });
    try {
      driverOf(admin).exec(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.invoices (id int)`);
      for (const create of [true, false]) {
        const error = failure(() => openPgStore(url.href, { create }));
        expect(error.name).toBe("StorageError");
        expect(error.message).toContain(`schema ${schema} holds tables that are not an exarp project`);
      }
      // Not touched: still just the one foreign table.
      const tables = driverOf(admin)
        .prepare<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = ?")
        .all(schema);
      expect(tables).toEqual([{ name: "invoices" }]);
    } finally {
      admin.close();
    }
    const noDatabase = new URL(url.href);
    noDatabase.pathname = "/no_such_database";
    const noRole = new URL(url.href);
    noRole.username = "no_such_role";
    for (const [wrong, said] of [
      [noDatabase, 'database "no_such_database" does not exist'],
      [noRole, 'role "no_such_role" does not exist'],
    ] as const) {
      const started = performance.now();
      const error = failure(() => openPgStore(wrong.href, { create: true }));
      expect(error.name, said).toBe("StorageError");
      expect(error.message).toContain(said);
      // No password would help either: no hint about giving one.
      expect(error.message).not.toContain("password");
      expect(performance.now() - started).toBeLessThan(5000);
    }
  });

  it("an unreachable server is Unavailable, quickly (a closed port on 127.0.0.1)", async () => {
    const url = new URL(freshPgUrl());
    url.port = String(await closedPort());
    const started = performance.now();
    const error = failure(() => openPgStore(url.href, { create: true }));
    const ms = performance.now() - started;
    expect(error.name).toBe("Unavailable");
    expect(error.message).toMatch(
      /^cannot reach the database at postgres:\/\/.*ECONNREFUSED.*; retry when it is back$/,
    );
    expect(ms).toBeLessThan(5000);
  });

  it("a wrong password is a StorageError that says how to give one; the right one, given as an option, opens", async () => {
    const cluster = await startCluster();
    try {
      const admin = openPgStore(`${cluster.url}?schema=admin`, { create: true });
      driverOf(admin).exec(
        "CREATE ROLE exarp_pw LOGIN PASSWORD 'right-one'; GRANT CREATE ON DATABASE postgres TO exarp_pw",
      );
      // Passwords from now on for that role over TCP (the superuser keeps trust, to end the cluster).
      const hba = join(cluster.dataDir, "pg_hba.conf");
      writeFileSync(
        hba,
        `host all postgres 127.0.0.1/32 trust\nhost all exarp_pw 127.0.0.1/32 scram-sha-256\n${readFileSync(hba, "utf8")}`,
      );
      driverOf(admin).exec("SELECT pg_reload_conf()");
      admin.close();
      const url = new URL(`${cluster.url}?schema=team`);
      url.username = "exarp_pw";
      url.password = "wrong-one";
      const error = failure(() => openPgStore(url.href, { create: true }));
      expect(error.name).toBe("StorageError");
      expect(error.message).toContain('password authentication failed for user "exarp_pw"');
      expect(error.message).toContain("PGPASSWORD");
      expect(error.message).not.toContain("wrong-one");
      url.password = "";
      const store = openPgStore(url.href, { create: true, password: "right-one" });
      expect(store.maxSeq()).toBe(0);
      store.close();
    } finally {
      await cluster.stop();
    }
  });

  it("the store's clock is the server's (within a few ms), measured by the store itself", () => {
    const store = openPgStore(freshPgUrl(), { create: true });
    try {
      for (let i = 0; i < 5; i++) {
        const before = store.clock.now();
        const server = driverOf(store)
          .prepare<{ now: number }>("SELECT (extract(epoch from clock_timestamp()) * 1000)::float8 AS now")
          .get()?.now as number;
        const after = store.clock.now();
        expect(server).toBeGreaterThanOrEqual(before - 5);
        expect(server).toBeLessThanOrEqual(after + 5);
      }
      // The same machine here: the offset is near zero (team-machines.test.ts skews a process's clock).
      expect(Math.abs(store.clock.now() - Date.now())).toBeLessThan(50);
    } finally {
      store.close();
    }
  });

  it("LISTEN wakes another store soon after a commit, well before its poll would", async () => {
    const { plain, store, exarp, taskId } = project("listen");
    const other = openPgStore(plain, { pollMs: 60_000 });
    try {
      await listening(other);
      const latencies: number[] = [];
      for (let i = 0; i < 5; i++) {
        const woken = nextWake(other);
        const sent = Date.now();
        store.transact(meta, (tx) => tx.append([comment(taskId, `ping ${i}`)]));
        latencies.push((await woken) - sent);
        expect(other.maxSeq()).toBe(2 + i);
      }
      console.log(`LISTEN wake-up of another store: ${latencies.join(", ")} ms`);
      expect(Math.max(...latencies)).toBeLessThan(1000);
    } finally {
      other.close();
      exarp.close();
    }
  });

  it("the listener killed while others commit: it reconnects, and the feed catches up by cursor, losing no event", async () => {
    const { plain, store, exarp, taskId, url, tag } = project("relisten");
    const admin = openPgStore(plain);
    // The watched store's connections carry a tag of their own; the poll is an hour away (the store's
    // and the feed's), so only a wake-up can deliver.
    const watchedUrl = new URL(url);
    watchedUrl.searchParams.set("application_name", `${tag}_w`);
    const watched = openPgStore(watchedUrl.href, { pollMs: 3_600_000 });
    const seen: number[] = [];
    const watcher = createFeed(watched).watch(
      0,
      (events) => {
        for (const e of events) seen.push(e.seq);
      },
      { pollMs: 3_600_000 },
    );
    try {
      await listening(watched);
      await until(() => seen.length === 1);
      const killed: number[] = [];
      for (let round = 0; round < 3; round++) {
        // The listening connection: the watched store's other one (its LISTEN, then its polls).
        let listeners: number[] = [];
        await until(() => {
          listeners = pidsOf(admin, `${tag}_w`, commandPid(watched));
          return listeners.length === 1;
        }, 10_000);
        const listener = listeners[0] as number;
        terminate(admin, listener);
        killed.push(listener);
        // Commits while nobody listens for `watched`: no notification can reach it.
        for (let i = 0; i < 3; i++) store.transact(meta, (tx) => tx.append([comment(taskId, `r${round} ${i}`)]));
        const head = store.maxSeq();
        await until(() => seen.at(-1) === head, 10_000);
      }
      expect(seen).toEqual(Array.from({ length: store.maxSeq() }, (_, i) => i + 1));
      expect(new Set(killed).size).toBe(3);
    } finally {
      watcher.close();
      watched.close();
      admin.close();
      exarp.close();
    }
  });

  it("notifications dropped on the way (a proxy that drops them): the poll notices every commit, the cursor loses none", async () => {
    const { store, exarp, taskId, url } = project("poll");
    const through = await proxy(url);
    await through.send("drop-notifications on");
    const watched = openPgStore(through.url, { pollMs: 200 });
    const seen: { seq: number; at: number }[] = [];
    const watcher = createFeed(watched).watch(
      0,
      (events) => {
        for (const e of events) seen.push({ seq: e.seq, at: Date.now() });
      },
      { pollMs: 3_600_000 },
    );
    try {
      await until(() => seen.length === 1, 10_000);
      const latencies: number[] = [];
      for (let round = 0; round < 4; round++) {
        const sent = Date.now();
        for (let i = 0; i < 1 + round; i++)
          store.transact(meta, (tx) => tx.append([comment(taskId, `p${round} ${i}`)]));
        const head = store.maxSeq();
        await until(() => seen.at(-1)?.seq === head, 10_000);
        latencies.push((seen.at(-1)?.at as number) - sent);
      }
      console.log(`notifications dropped, the poll (200 ms) delivered after ${latencies.join(", ")} ms`);
      // Every notification was dropped on the way, yet every event arrived, in order, once.
      await until(() => through.said().filter((m) => "dropped" in m).length >= 10, 5000);
      expect(seen.map((s) => s.seq)).toEqual(Array.from({ length: store.maxSeq() }, (_, i) => i + 1));
      expect(Math.max(...latencies)).toBeLessThan(2000);
    } finally {
      watcher.close();
      watched.close();
      await through.stop();
      exarp.close();
    }
  });

  it("a write's first request EXECUTEs statements prepared once per connection: again on a new one, also after a failed prepare; a column another binary adds changes nothing", () => {
    const { plain, store, exarp, taskId } = project("prepared");
    const admin = openPgStore(plain);
    const other = createExarp({ store: openPgStore(plain), actor: { name: "agent:other", session: "s2" } });
    const prepared = () =>
      driverOf(store)
        .prepare<{ name: string }>(
          "SELECT name FROM pg_prepared_statements WHERE name LIKE 'exarp_begin_%' ORDER BY name",
        )
        .all()
        .map((r) => r.name);
    try {
      for (let i = 0; i < 3; i++) exarp.tasks.comment({ taskId, body: `note ${i}` });
      const names = prepared();
      expect(names).toContain("exarp_begin_claim_go");
      expect(new Set(names).size).toBe(names.length);
      // A later schema adds columns: the prepared statements name theirs, so their answers keep their shape.
      driverOf(admin).exec("ALTER TABLE leases ADD COLUMN note text; ALTER TABLE tasks ADD COLUMN note text");
      expect(other.leases.claim({ taskId }).acquired).toBe(true);
      const lost = exarp.leases.claim({ taskId });
      expect(lost).toMatchObject({ acquired: false, holder: { agent: "agent:other", session: "s2" } });
      // The connection's statements cannot be prepared (a table they name is gone): the write fails and
      // changes nothing; once the table is back, the next write prepares them on a new connection.
      const before = admin.maxSeq();
      driverOf(admin).exec("ALTER TABLE leases RENAME TO leases_away");
      terminate(admin, commandPid(store));
      const refused = failure(() => exarp.tasks.comment({ taskId, body: "refused" }));
      expect(refused.name).toBe("StorageError");
      expect(refused.message).toMatch(/relation "leases" does not exist.*exarp doctor/);
      driverOf(admin).exec("ALTER TABLE leases_away RENAME TO leases");
      expect(admin.maxSeq()).toBe(before);
      exarp.tasks.comment({ taskId, body: "after" });
      expect(prepared()).toEqual(names);
      expect(exarp.leases.claim({ taskId })).toMatchObject({ acquired: false, holder: { agent: "agent:other" } });
      expectWholeLog(admin, before + 1);
    } finally {
      other.close();
      admin.close();
      exarp.close();
    }
  });

  it("answers many times the bridge's ring and requests many times a socket's buffer go whole, in order; values of every stored type come back as sent", () => {
    const store = openPgStore(freshPgUrl(), { create: true });
    try {
      const db = driverOf(store);
      // ~3.8 MB of answer: the worker's ring (256 KiB) fills and empties many times over.
      const rows = db
        .prepare<{ i: number; s: string }>("SELECT i, repeat(md5(i::text), 40) AS s FROM generate_series(1, ?::int) i")
        .all(3000);
      expect(rows.map((r) => r.i)).toEqual(Array.from({ length: 3000 }, (_, k) => k + 1));
      expect(rows.every((r) => r.s.length === 1280)).toBe(true);
      // A 12 MB parameter: more than the socket takes at once, so part of it goes through the worker.
      const big = "é".repeat(6_000_000);
      expect(db.prepare<{ n: number }>("SELECT length(?::text) AS n").get(big)?.n).toBe(6_000_000);
      // And the requests after it are answered in their turn.
      for (let k = 0; k < 50; k++) expect(db.prepare<{ k: number }>("SELECT ?::int AS k").get(k)?.k).toBe(k);
      const bytes = Buffer.from([0, 1, 2, 254, 255]);
      const typed = db
        .prepare<Record<string, unknown>>(
          `SELECT ?::int8 AS big, ?::numeric AS num, ?::float8 AS real, ?::bool AS yes, ?::text AS text,
            ?::bytea AS bytes, ?::jsonb AS json, NULL::text AS nothing`,
        )
        .get(2 ** 53 - 1, 12.5, 0.1, 1, "ünï\u{1F600}'\"", bytes, '{"a":[1,"x"]}');
      expect(typed).toEqual({
        big: 2 ** 53 - 1,
        num: 12.5,
        real: 0.1,
        yes: true,
        text: "ünï\u{1F600}'\"",
        bytes,
        json: { a: [1, "x"] },
        nothing: null,
      });
      expect(db.prepare("SELECT 1 AS a, 2 AS b").values()).toEqual([[1, 2]]);
    } finally {
      store.close();
    }
  });

  it("values written into a write's first request as literals come back from the server exactly as given, whatever the text", async () => {
    const { plain, store } = project("literal");
    const u = new URL(plain);
    u.searchParams.delete("schema");
    const client = new pg.Client({ connectionString: u.href });
    await client.connect();
    try {
      // The simple protocol, as the first request of a write is sent; standard_conforming_strings as exarp sets it.
      await client.query("SET standard_conforming_strings = on");
      await fc.assert(
        fc.asyncProperty(
          fc.string({ unit: "binary", maxLength: 40 }).filter((s) => !s.includes("\0")),
          async (text) => {
            const { rows } = await client.query(
              `SELECT ${literal(text)} AS v, ${literal(text.length)} AS n, ${literal(null)} AS z`,
            );
            expect(rows[0]).toEqual({ v: text, n: text.length, z: null });
          },
        ),
        { seed: seed("begin literal"), numRuns: 300 },
      );
      expect(() => literal("a\0b")).toThrow(/NUL/);
      expect(() => literal(1.5)).toThrow(/integer/);
    } finally {
      await client.end();
      store.close();
    }
  });
});
