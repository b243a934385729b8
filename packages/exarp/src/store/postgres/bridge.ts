import { createRequire } from "node:module";
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import type { SqlValue } from "../driver.ts";
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

/** A request sent without waiting; reading `changes` waits for its answer. */
type Deferred = { rowCount?: number; readonly changes: number };

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

/** An answer; to a batch, each of its requests' answers in order. */
type Reply = ({ ok: true; replies?: Reply[] } & BridgeResult) | { ok: false; error: BridgeErrorData };
/** How many requests sent without waiting go out together at most. */
const BATCH_LIMIT = 256;
type BridgeErrorData = { message: string; code?: string; lost: boolean; partial?: unknown[][] };
/**
 * The server's failure as an error of this thread, without a stack: the frames would name only the
 * bridge (the caller's own error, if any, is made by whoever translates this one), and capturing
 * them costs more than the rest of a settled claim's answer.
 */
const bridgeError = (data: BridgeErrorData) => {
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
 * A synchronous face on node-postgres: each request goes to a worker thread and this thread waits
 * for the answer (Atomics.wait), so the store's transactions stay synchronous, as over SQLite. Wake-ups
 * (other processes' commits) arrive on the event loop; the change counter and the clock offset are
 * shared memory, read without a message.
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
  const state = new Int32Array(workerData.shared, 0, 4);
  workerData.port.postMessage({ ok: false, error: { message: "PostgreSQL worker: " + (error && error.message), lost: true } });
  Atomics.add(state, 0, 1);
  Atomics.notify(state, 0);
}`;

export function openBridge(config: BridgeConfig): Bridge {
  const shared = new SharedArrayBuffer(32);
  const state = new Int32Array(shared, 0, 4);
  const offset = new Float64Array(shared, 16, 1);
  const listeners = new Set<() => void>();
  const driverPath = require.resolve("pg");
  let closed = false;

  /** A worker and its reply port; replaced whole when it stops answering (a late answer is never read). */
  type Thread = { worker: Worker; replies: MessagePort; dead?: string };
  const spawn = (): Thread => {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ...workerSettings(config), port: port2, shared, driverPath },
      transferList: [port2],
    });
    const thread: Thread = { worker, replies: port1 };
    worker.unref();
    worker.on("message", () => {
      for (const listener of listeners) listener();
    });
    worker.on("error", (error) => {
      thread.dead = error.message;
    });
    return thread;
  };
  const retire = (thread: Thread) => {
    thread.worker.terminate();
    thread.replies.close();
  };

  /** The next answer of `thread`, in order; throws when it does not come in time. */
  const next = (thread: Thread): Reply => {
    const deadline = Date.now() + config.timeoutMs;
    for (;;) {
      const seen = Atomics.load(state, 0);
      const received = receiveMessageOnPort(thread.replies);
      if (received) return received.message as Reply;
      const left = deadline - Date.now();
      if (thread.dead || left <= 0) {
        retire(thread);
        if (current === thread) current = undefined;
        posted.length = 0;
        takePending();
        const why = thread.dead ?? `no answer within ${Math.round(config.timeoutMs / 1000)} s`;
        throw new BridgeError(`PostgreSQL: ${why}`, undefined, true);
      }
      Atomics.wait(state, 0, seen, Math.min(left, 250));
    }
  };
  const answer = (reply: Reply): BridgeResult => {
    if (!reply.ok) throw bridgeError(reply.error);
    return reply;
  };
  /** A working thread: the first, or a new one after the last stopped answering. */
  const start = (): Thread => {
    const thread = spawn();
    try {
      answer(next(thread));
    } catch (error) {
      retire(thread);
      throw error;
    }
    if (following) thread.worker.postMessage("follow");
    return thread;
  };

  /**
   * Requests sent without waiting travel together: they wait in `pending` until the next request
   * that waits (they go out with it, in one message, answered by one) or until there are
   * BATCH_LIMIT of them. `posted`: the batches sent whose answer is not read yet, oldest first.
   */
  let pending: { requests: object[]; handles: Deferred[] } = { requests: [], handles: [] };
  const posted: Deferred[][] = [];
  const takePending = () => {
    const taken = pending;
    pending = { requests: [], handles: [] };
    return taken;
  };
  /** Gives each handle its answer from a batch's reply; the first failure among them, if any. */
  const settle = (handles: Deferred[], reply: Reply): BridgeError | undefined => {
    if (!reply.ok) return bridgeError(reply.error);
    let failed: BridgeError | undefined;
    handles.forEach((handle, i) => {
      const answer = reply.replies?.[i];
      if (answer?.ok) handle.rowCount = answer.rowCount;
      else failed ??= answer ? bridgeError(answer.error) : new BridgeError("PostgreSQL: no answer", undefined, true);
    });
    return failed;
  };
  /** Reads every batch answer still owed; the first failure among them is thrown, after all are read. */
  const readPosted = (failed?: BridgeError) => {
    while (posted.length > 0) failed ??= settle(posted.shift() as Deferred[], next(current as Thread));
    if (failed) throw failed;
  };
  /** Sends what is pending and reads every deferred answer; throws the first failure among them. */
  const drain = () => {
    const { requests, handles } = takePending();
    if (handles.length > 0) {
      post({ op: "batch", requests });
      posted.push(handles);
    }
    readPosted();
  };
  /** Whether the worker follows other connections' commits (asked once, kept over a new thread). */
  let following = false;
  const follow = () => {
    if (following || !current) return;
    following = true;
    current.worker.postMessage("follow");
  };
  let current: Thread | undefined;
  current = start();
  const post = (message: object) => {
    if (closed) throw new BridgeError("the PostgreSQL connection is closed", undefined, true);
    current ??= start();
    current.replies.postMessage(message);
  };
  /** Sends `message` with the pending requests before it, and waits for its answer. */
  const send = (message: object): BridgeResult => {
    const { requests, handles } = takePending();
    post(handles.length > 0 ? { op: "batch", requests: [...requests, message] } : message);
    // Every answer is read, in order, even after a failure: the next request must read its own.
    let failed: BridgeError | undefined;
    try {
      readPosted();
    } catch (error) {
      if (!current) throw error; // the worker stopped answering: nothing more will come
      failed = error as BridgeError;
    }
    const reply = next(current as Thread);
    if (handles.length === 0) {
      if (failed) throw failed;
      return answer(reply);
    }
    failed ??= settle(handles, reply);
    if (failed) throw failed;
    const last = reply.ok ? reply.replies?.[handles.length] : undefined;
    return answer(last ?? reply);
  };

  return {
    query: (request) => send({ op: "query", ...request }),
    defer(request) {
      if (closed) throw new BridgeError("the PostgreSQL connection is closed", undefined, true);
      const handle: Deferred = {
        get changes() {
          if (handle.rowCount === undefined) drain();
          return handle.rowCount ?? 0;
        },
      };
      pending.requests.push({ op: "query", ...request });
      pending.handles.push(handle);
      if (pending.handles.length >= BATCH_LIMIT) {
        const batch = takePending();
        post({ op: "batch", requests: batch.requests });
        posted.push(batch.handles);
      }
      return handle;
    },
    drain,
    simple: (text, flags = {}) => send({ op: "simple", text, ...flags }),
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
      if (current) {
        try {
          send({ op: "close" });
        } catch {
          // Closing a connection that is already gone.
        }
        retire(current);
      }
      closed = true;
      current = undefined;
      listeners.clear();
    },
  };
}

/** What the worker needs from the configuration (plain data: it is copied to the thread). */
const workerSettings = (config: BridgeConfig) => ({
  config: config.connection,
  setup: config.setup,
  prepare: config.prepare,
  channel: config.channel,
  headQuery: config.headQuery,
  pollMs: config.pollMs,
});
