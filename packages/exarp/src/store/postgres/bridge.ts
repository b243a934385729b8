import { writeSync } from "node:fs";
import { createRequire } from "node:module";
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import type { SqlValue } from "../driver.ts";
import { Answer, createParser, encodeQuery, encodeSimple, type FailureData } from "./wire.ts";
import { pgWorker } from "./worker.ts";

const require = createRequire(import.meta.url);

/** How the worker connects (node-postgres client settings) and what it runs on each new connection. */
export type BridgeConfig = {
  connection: Record<string, unknown>;
  /** Statements run on every new command connection (search_path, timeouts). */
  setup: string[];
  /**
   * Statements (PREPARE) that requests flagged `prepared` EXECUTE: run on a command connection
   * before the first such request, not at connect (the tables they name may not exist yet then).
   */
  prepare?: string;
  /** The LISTEN channel, an SQL identifier. */
  channel: string;
  /** Answers one row with the newest seq as `head` (the polling fallback). */
  headQuery: string;
  /** How often the listening connection polls the head and re-measures the clock. */
  pollMs: number;
  /** How long a request may take before the bridge gives up on the server. */
  timeoutMs: number;
};

export type BridgeResult = {
  rows: unknown[];
  rowCount: number;
  /** With `simple`: the rows of each statement, in order. */
  results?: unknown[][];
};

/** A failure the server (or the way to it) reported; `lost` when the connection went away. */
export class BridgeError extends Error {
  readonly code: string | undefined;
  readonly lost: boolean;
  /** Of a failed text of statements: the rows of each statement before the failure that returned any. */
  readonly partial: unknown[][];
  constructor(message: string, code: string | undefined, lost: boolean, partial: unknown[][] = []) {
    super(message);
    this.name = "BridgeError";
    this.code = code;
    this.lost = lost;
    this.partial = partial;
  }
}

/** How many requests sent without waiting are written together at most. */
const BATCH_LIMIT = 256;
/**
 * The server's failure as an error of this thread, without a stack: the frames would name only the
 * bridge (the caller's own error, if any, is made by whoever translates this one), and capturing
 * them costs more than the rest of a settled claim's answer.
 */
const bridgeError = (data: FailureData) => {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new BridgeError(data.message, data.code, data.lost, data.partial);
  } finally {
    Error.stackTraceLimit = limit;
  }
};

export type QueryRequest = {
  text: string;
  params?: SqlValue[];
  /** A prepared statement's name, the same for the same text (prepared once per connection). */
  name?: string;
  rowMode?: "array";
  /** Part of the open transaction: refused as lost if the connection was replaced since it began. */
  tx?: boolean;
  /** Starts a transaction. */
  begin?: boolean;
};

/** What a `simple` request is: part of a transaction, its start, a user of the `prepare` statements. */
export type SimpleFlags = Pick<QueryRequest, "tx" | "begin"> & { prepared?: boolean };

/**
 * A synchronous face on PostgreSQL: this thread writes each request's bytes and waits (Atomics.wait)
 * for the answer, which a worker thread reads off the socket and passes on as bytes, so the store's
 * transactions stay synchronous, as over SQLite. Wake-ups (other processes' commits) arrive on the
 * event loop; the change counter and the clock offset are shared memory, read without a message.
 */
export type Bridge = {
  query(request: QueryRequest): BridgeResult;
  /**
   * Sends a statement without waiting for it (inside a transaction: its failure aborts the
   * transaction anyway). The next request, or `drain`, reads its answer and throws its failure.
   */
  defer(request: QueryRequest): { readonly changes: number };
  /** Waits for every deferred answer; throws the first failure among them. */
  drain(): void;
  /** Runs a text of one or more statements without parameters (simple protocol); answers the last. */
  simple(text: string, flags?: SimpleFlags): BridgeResult;
  /** Grows whenever another connection may have committed (a notification, the poll, a reconnect). */
  changes(): number;
  /** The database clock minus this machine's, in ms, re-measured every poll. */
  clockOffset(): number;
  /** Calls `listener` on this thread's event loop after each wake-up. */
  onChange(listener: () => void): () => void;
  close(): void;
};

/**
 * The worker's program: pgWorker with the worker's own `require`; a failure while it starts (the
 * driver missing, say) is answered like any other, at once, rather than found at the timeout.
 */
const WORKER_SOURCE = `const { workerData } = require("node:worker_threads");
try {
  (${pgWorker.toString()})(require);
} catch (error) {
  const state = new Int32Array(workerData.shared, 0, 8);
  workerData.port.postMessage({ t: "failed", error: { message: "PostgreSQL worker: " + (error && error.message) } });
  Atomics.add(state, 0, 1);
  Atomics.notify(state, 0);
}`;

/** What the worker tells this thread. */
type WorkerMessage =
  | { t: "lost"; gen: number; error: { message: string; code?: string } }
  | { t: "connected"; gen: number; fd?: number }
  | { t: "failed"; error: { message: string; code?: string } }
  | { t: "closed" };

/** A worker and its reply port; replaced whole when it stops answering (a late answer is never read). */
type Thread = {
  worker: Worker;
  replies: MessagePort;
  dead?: string;
  /** The answers' bytes (see worker.ts), and the positions written, read, and whether the worker waits for room. */
  ring: Uint8Array;
  positions: Int32Array;
};
/** The size of each worker's ring of answers' bytes (a power of two). */
const RING_BYTES = 1 << 18;

/** The command connection as this thread knows it: which statements it has prepared, how to write to it. */
type Connection = {
  gen: number;
  /** The socket's descriptor, written to from this thread (absent: writes go through the worker). */
  fd?: number;
  parser: ReturnType<typeof createParser>;
  parsed: Set<string>;
  /** Whether the `prepare` statements were sent on it. */
  prepared: boolean;
  /** Bytes are queued in the worker: later ones follow them there until the answers catch up. */
  viaWorker: boolean;
};

/** A request written (or about to be), until its answer is complete. */
type Pending = {
  answer: Answer;
  tx?: boolean;
  /** Of a request sent without waiting: where its count goes. */
  handle?: { rowCount?: number };
  /** Of the `prepare` statements sent ahead of a request: that request (it fails with them). */
  ahead?: Pending;
  /** The failure to answer with instead of its own (the statements ahead of it failed). */
  failedAhead?: FailureData;
};

const lostFailure = (message: string): FailureData => ({ message, lost: true });

export function openBridge(config: BridgeConfig): Bridge {
  const shared = new SharedArrayBuffer(40);
  const state = new Int32Array(shared, 0, 8); // see worker.ts
  const offset = new Float64Array(shared, 32, 1);
  const listeners = new Set<() => void>();
  const driverPath = require.resolve("pg");
  let closed = false;
  let thread: Thread | undefined;
  let conn: Connection | undefined;
  /** The worker's answer to the last `connect`. */
  let connectReply: WorkerMessage | undefined;
  let closedReply = false;
  /** The connection the open transaction began on; whether a request of it was lost. */
  let txGen: number | undefined;
  let lostInTx = false;
  /** Answers the server owes, in the order asked. */
  const owed: Pending[] = [];
  /** Requests sent without waiting that are not written yet. */
  let unsent: { bytes: Buffer[]; pending: Pending[] } = { bytes: [], pending: [] };
  /** The first failure among answers to requests sent without waiting, until it is thrown. */
  let deferredFailure: BridgeError | undefined;
  /** Whether the worker follows other connections' commits (asked once, kept over a new thread). */
  let following = false;

  const spawn = (): Thread => {
    const { port1, port2 } = new MessageChannel();
    // Its own ring: a worker given up may still write to the one it had.
    const ring = new SharedArrayBuffer(RING_BYTES);
    const positions = new SharedArrayBuffer(12);
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ...workerSettings(config), port: port2, shared, driverPath, ring, positions },
      transferList: [port2],
    });
    const spawned: Thread = {
      worker,
      replies: port1,
      ring: new Uint8Array(ring),
      positions: new Int32Array(positions),
    };
    worker.unref();
    worker.on("message", () => {
      for (const listener of listeners) listener();
    });
    worker.on("error", (error) => {
      spawned.dead = error.message;
    });
    if (following) worker.postMessage("follow");
    return spawned;
  };

  /** Ends the connection this thread knew: every answer it owed fails as lost. */
  const lose = (failure: FailureData) => {
    if (conn) thread?.replies.postMessage({ op: "drop", gen: conn.gen });
    conn = undefined;
    // Those not written yet were written for that connection (its prepared statements): lost too.
    const unwritten = unsent.pending;
    unsent = { bytes: [], pending: [] };
    for (const pending of [...owed.splice(0), ...unwritten]) {
      pending.answer.failure = failure;
      pending.answer.done = true;
      settle(pending);
    }
  };
  /** What a complete answer does: a count handed over, a failure kept, a broken connection given up. */
  const settle = (pending: Pending) => {
    const { answer } = pending;
    if (pending.ahead && answer.failure) {
      pending.ahead.failedAhead = answer.failure;
      return;
    }
    const failure = pending.failedAhead ?? answer.failure;
    if (failure && answer.parsing) conn?.parsed.delete(answer.parsing);
    if (failure?.lost && pending.tx) lostInTx = true;
    if (pending.handle) {
      if (failure) deferredFailure ??= bridgeError(failure);
      else pending.handle.rowCount = answer.rowCount;
    }
    if (owed.length === 0 && conn) conn.viaWorker = false;
    // Some of the `prepare` statements may exist on the connection and some not; after a failure
    // the server reports as final, the server closes it anyway.
    if (pending.failedAhead || answer.failure?.lost) lose(failure as FailureData);
  };
  /** The int32 (big-endian) at position `at` of the ring. */
  const int32At = (ring: Uint8Array, at: number): number => {
    let value = 0;
    for (let i = 0; i < 4; i++) value = (value << 8) | (ring[((at + i) >>> 0) % RING_BYTES] as number);
    return value;
  };
  /** `length` bytes of the ring from position `at`, copied (the worker reuses the space). */
  const copyOut = (ring: Uint8Array, at: number, length: number): Buffer => {
    const start = (at >>> 0) % RING_BYTES;
    if (start + length <= RING_BYTES) return Buffer.from(ring.subarray(start, start + length));
    const bytes = Buffer.allocUnsafe(length);
    bytes.set(ring.subarray(start));
    bytes.set(ring.subarray(0, length - (RING_BYTES - start)), RING_BYTES - start);
    return bytes;
  };
  /** Parses the records the worker put in the ring, those of the connection this thread knows. */
  const readRing = () => {
    const active = thread;
    if (!active) return;
    const { positions, ring } = active;
    let read = Atomics.load(positions, 1);
    while (read !== Atomics.load(positions, 0)) {
      const gen = int32At(ring, read);
      const length = int32At(ring, read + 4);
      const bytes = copyOut(ring, read + 8, length);
      read = (read + 8 + length) | 0;
      Atomics.store(positions, 1, read);
      parse(gen, bytes);
    }
    if (Atomics.load(positions, 2) === 1) {
      Atomics.store(positions, 2, 0);
      active.replies.postMessage({ op: "room" });
    }
  };
  const parse = (gen: number, bytes: Buffer) => {
    {
      const connection = conn;
      if (connection?.gen !== gen) return;
      // The parser makes each failure the server reports an Error: without a stack, it costs a
      // tenth of what capturing one would (no one reads it: see bridgeError).
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 0;
      try {
        connection.parser.parse(bytes, (parsed) => {
          const head = owed[0];
          // Only the owed answers count (the server's last words before it closes a connection do not).
          if (conn !== connection || !head?.answer.take(parsed)) return;
          owed.shift();
          settle(head);
        });
      } finally {
        Error.stackTraceLimit = limit;
      }
    }
  };
  const receive = (message: WorkerMessage) => {
    if (message.t === "lost") {
      // What the connection said before it went comes first.
      readRing();
      if (conn?.gen === message.gen) lose({ ...message.error, lost: true });
    } else if (message.t === "closed") closedReply = true;
    else connectReply = message;
  };

  /** Reads what the worker has sent already (answers' bytes, a connection lost while idle); true if anything. */
  const receiveWaiting = (): boolean => {
    const active = thread;
    if (!active) return false;
    let any = Atomics.load(active.positions, 0) !== Atomics.load(active.positions, 1);
    readRing();
    for (let received = receiveMessageOnPort(active.replies); received; ) {
      any = true;
      receive(received.message as WorkerMessage);
      received = thread === active ? receiveMessageOnPort(active.replies) : undefined;
    }
    return any;
  };
  /** Reads the worker's messages until `done`; a worker that falls silent is given up. */
  const waitUntil = (done: () => boolean) => {
    let deadline = Date.now() + config.timeoutMs;
    for (;;) {
      const active = thread as Thread;
      const seen = Atomics.load(state, 0);
      if (receiveWaiting()) deadline = Date.now() + config.timeoutMs;
      if (done()) return;
      const left = deadline - Date.now();
      if (active.dead || left <= 0) {
        const why = active.dead ?? `no answer within ${Math.round(config.timeoutMs / 1000)} s`;
        abandon();
        throw new BridgeError(`PostgreSQL: ${why}`, undefined, true);
      }
      Atomics.wait(state, 0, seen, Math.min(left, 250));
    }
  };
  /** Gives up the worker: a new one (and connection) is made for the next request. */
  const abandon = () => {
    if (owed.some((p) => p.tx) || unsent.pending.some((p) => p.tx)) lostInTx = true;
    thread?.worker.terminate();
    thread?.replies.close();
    thread = undefined;
    conn = undefined;
    owed.length = 0;
    unsent = { bytes: [], pending: [] };
    deferredFailure = undefined;
  };

  /** The command connection, opened (with a new worker if need be) when there is none. */
  const connect = (): Connection => {
    if (conn) return conn;
    connectReply = undefined;
    if (thread) thread.replies.postMessage({ op: "connect" });
    else thread = spawn();
    waitUntil(() => connectReply !== undefined);
    const reply = connectReply as unknown as WorkerMessage;
    if (reply.t !== "connected") {
      if (reply.t === "failed") throw bridgeError({ ...reply.error, lost: true });
      throw bridgeError(lostFailure("PostgreSQL: no connection"));
    }
    conn = {
      gen: reply.gen,
      fd: reply.fd,
      parser: createParser(),
      parsed: new Set(),
      prepared: false,
      viaWorker: false,
    };
    return conn;
  };

  /** Writes `bytes` on `connection`: from this thread where it may, else by the worker. */
  const write = (connection: Connection, bytes: Buffer) => {
    let rest = bytes;
    if (connection.fd !== undefined && !connection.viaWorker && Atomics.compareExchange(state, 4, 0, 1) === 0) {
      try {
        // The worker clears the number before the socket closes, and waits for this write to end.
        while (rest.length > 0 && Atomics.load(state, 5) === connection.gen) {
          rest = rest.subarray(writeSync(connection.fd, rest));
        }
      } catch {
        // Full (EAGAIN) or broken: the worker writes the rest, or finds the connection lost.
      } finally {
        Atomics.store(state, 4, 0);
        Atomics.notify(state, 4);
      }
    }
    if (rest.length === 0) return;
    connection.viaWorker = true;
    const copy = new Uint8Array(rest);
    thread?.replies.postMessage({ op: "write", gen: connection.gen, bytes: copy }, [copy.buffer]);
  };
  const flush = () => {
    const { bytes, pending } = unsent;
    unsent = { bytes: [], pending: [] };
    if (pending.length === 0) return;
    owed.push(...pending);
    write(conn as Connection, bytes.length === 1 ? (bytes[0] as Buffer) : Buffer.concat(bytes));
  };

  /**
   * Adds a request to the unsent ones: refused as lost when it belongs to a transaction whose
   * connection is gone, since a command is applied whole or not at all.
   */
  const enqueue = (
    encode: (connection: Connection, pending: Pending) => Buffer,
    flags: SimpleFlags,
    rowMode?: "array",
  ): Pending => {
    if (closed) throw new BridgeError("the PostgreSQL connection is closed", undefined, true);
    receiveWaiting();
    if (flags.begin) lostInTx = false;
    else if (flags.tx && (lostInTx || !conn || (txGen !== undefined && conn.gen !== txGen))) {
      lostInTx = true;
      // Failures of the transaction's earlier requests are this one's too: none is left for the next.
      deferredFailure = undefined;
      throw bridgeError(lostFailure("the connection to PostgreSQL was lost during the command"));
    }
    let connection: Connection;
    try {
      connection = connect();
    } catch (error) {
      deferredFailure = undefined;
      throw error;
    }
    if (flags.begin) txGen = connection.gen;
    const pending: Pending = { answer: new Answer(rowMode), tx: flags.tx };
    if (flags.prepared && config.prepare && !connection.prepared) {
      connection.prepared = true;
      unsent.bytes.push(encodeSimple(config.prepare));
      unsent.pending.push({ answer: new Answer(), ahead: pending });
    }
    unsent.bytes.push(encode(connection, pending));
    unsent.pending.push(pending);
    return pending;
  };
  const encodeRequest = (request: QueryRequest) => (connection: Connection, pending: Pending) => {
    const parsed = request.name !== undefined && connection.parsed.has(request.name);
    if (request.name !== undefined && !parsed) {
      connection.parsed.add(request.name);
      pending.answer.parsing = request.name;
    }
    return encodeQuery(request, parsed);
  };
  const takeDeferredFailure = () => {
    const failed = deferredFailure;
    deferredFailure = undefined;
    return failed;
  };
  /** Writes what is unsent, waits for the answer of `pending` (and so of all before it). */
  const answerOf = (pending: Pending): BridgeResult => {
    flush();
    waitUntil(() => pending.answer.done);
    const failed = takeDeferredFailure();
    if (failed) throw failed;
    const failure = pending.failedAhead ?? pending.answer.failure;
    if (failure) throw bridgeError(failure);
    return pending.answer.answered();
  };
  const drain = () => {
    if (thread && (unsent.pending.length > 0 || owed.length > 0)) {
      const last = (unsent.pending.at(-1) ?? owed.at(-1)) as Pending;
      flush();
      waitUntil(() => last.answer.done);
    }
    const failed = takeDeferredFailure();
    if (failed) throw failed;
  };
  const follow = () => {
    if (following) return;
    following = true;
    thread?.worker.postMessage("follow");
  };

  // The first connection, at once: a server that cannot be reached is known when the project opens.
  try {
    connect();
  } catch (error) {
    abandon();
    throw error;
  }

  return {
    query: (request) => answerOf(enqueue(encodeRequest(request), request, request.rowMode)),
    defer(request) {
      const handle: { rowCount?: number; readonly changes: number } = {
        get changes() {
          if (handle.rowCount === undefined) drain();
          return handle.rowCount ?? 0;
        },
      };
      try {
        enqueue(encodeRequest(request), request).handle = handle;
      } catch (error) {
        deferredFailure ??= error as BridgeError;
        return handle;
      }
      if (unsent.pending.length >= BATCH_LIMIT) flush();
      return handle;
    },
    drain,
    simple: (text, flags = {}) => answerOf(enqueue(() => encodeSimple(text), flags)),
    changes() {
      follow();
      return Atomics.load(state, 1);
    },
    clockOffset: () => offset[0] as number,
    onChange(listener) {
      follow();
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      if (closed) return;
      closed = true;
      if (thread) {
        try {
          closedReply = false;
          thread.replies.postMessage({ op: "close" });
          waitUntil(() => closedReply);
        } catch {
          // Closing a connection that is already gone.
        }
        abandon();
      }
      listeners.clear();
    },
  };
}

/** What the worker needs from the configuration (plain data: it is copied to the thread). */
const workerSettings = (config: BridgeConfig) => ({
  config: config.connection,
  setup: config.setup,
  channel: config.channel,
  headQuery: config.headQuery,
  pollMs: config.pollMs,
});
