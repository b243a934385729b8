/**
 * The PostgreSQL side of the bridge, run in a worker thread (see bridge.ts). Its source is sent to
 * the worker as text (`pgWorker.toString()`), so it may use nothing from outside its own body: it
 * loads node-postgres by the path the main thread resolved, with the `load` it is given (the
 * worker's own `require`: a bare `require` here would be renamed by bundlers), and talks over
 * `workerData`.
 *
 * It holds two connections. The command connection is opened by node-postgres (TLS, passwords,
 * the settings) and then handed over: from then on this thread only moves bytes. What the main
 * thread writes (wire.ts encodes it) goes to the server, and what the server answers goes back in
 * chunks the main thread parses, so a request costs this thread a read and a message, not a parse.
 * Where the socket is a plain one, the main thread writes to it itself (the `fd` it is told), under
 * a shared lock that this thread takes before the socket is closed, so the main thread never writes
 * to a descriptor that was closed (and maybe reused). A connection lost is reported, never
 * replaced on its own: the main thread asks for a new one (`connect`), and knows which statements
 * the new one has prepared. The listening connection, opened once the main thread follows
 * commits, LISTENs for them, polls the newest seq as a fallback (poolers may drop LISTEN) and
 * re-measures the database clock; each change bumps a shared counter and wakes the main thread's loop.
 */
export function pgWorker(load: (id: string) => unknown): void {
  // biome-ignore lint/suspicious/noExplicitAny: node-postgres is loaded at run time, untyped here
  type Any = any;
  const { parentPort, workerData } = load("node:worker_threads") as Any;
  // Failures leave this thread as message and code only: no one reads a stack here.
  Error.stackTraceLimit = 0;
  const loaded = load(workerData.driverPath) as Any;
  const pg = loaded.default ?? loaded;
  const port = workerData.port;
  // 0: messages and records posted, 1: changes seen, 2: listening, 3: clock measured, 4: the main
  // thread is writing to the command socket, 5: the connection whose socket it may write to (0: none)
  const state = new Int32Array(workerData.shared, 0, 8);
  const offset = new Float64Array(workerData.shared, 32, 1); // database clock − this clock, ms
  const config = workerData.config;

  const post = (message: unknown) => {
    port.postMessage(message);
    Atomics.add(state, 0, 1);
    Atomics.notify(state, 0);
  };

  // The answers' bytes go to the main thread through a ring of shared memory, as records of the
  // connection's number, a length and the bytes (a chunk split where it does not fit). Positions
  // count bytes written and read, modulo 2^32 (the ring's size is a power of two). When the ring is
  // full, chunks wait here until the main thread has read some and says so ("room").
  const ring = new Uint8Array(workerData.ring);
  const positions = new Int32Array(workerData.positions); // 0: written, 1: read, 2: this thread waits for room
  const header = new DataView(new ArrayBuffer(8));
  const queued: { gen: number; chunk: Uint8Array }[] = [];
  const copyIn = (at: number, bytes: Uint8Array) => {
    const start = (at >>> 0) % ring.length;
    const first = Math.min(bytes.length, ring.length - start);
    ring.set(bytes.subarray(0, first), start);
    if (first < bytes.length) ring.set(bytes.subarray(first), 0);
  };
  const flushQueued = () => {
    while (queued.length > 0) {
      const item = queued[0] as { gen: number; chunk: Uint8Array };
      const written = Atomics.load(positions, 0);
      const free = ring.length - ((written - Atomics.load(positions, 1)) >>> 0);
      const length = Math.min(item.chunk.length, free - 8);
      if (length <= 0) {
        Atomics.store(positions, 2, 1);
        // The main thread may have read in the meantime: asked again before waiting for "room".
        if (ring.length - ((written - Atomics.load(positions, 1)) >>> 0) > 8) continue;
        return;
      }
      header.setInt32(0, item.gen);
      header.setInt32(4, length);
      copyIn(written, new Uint8Array(header.buffer));
      copyIn(written + 8, item.chunk.subarray(0, length));
      Atomics.store(positions, 0, (written + 8 + length) | 0);
      if (length === item.chunk.length) queued.shift();
      else item.chunk = item.chunk.subarray(length);
      Atomics.add(state, 0, 1);
      Atomics.notify(state, 0);
    }
    for (const then of waitingForQueued.splice(0)) then();
  };
  const waitingForQueued: (() => void)[] = [];
  const afterQueued = (then: () => void) => {
    if (queued.length === 0) then();
    else waitingForQueued.push(then);
  };
  const put = (gen: number, chunk: Uint8Array) => {
    queued.push({ gen, chunk });
    if (queued.length === 1) flushQueued();
  };
  const failure = (error: Any) => ({ message: String(error?.message ?? error), code: error?.code });

  /** The command connection: its number, its socket once handed over. */
  let command: { gen: number; client: Any; stream: Any } | undefined;
  let generation = 0;

  /** Stops the main thread's direct writes to `stream` before node closes its descriptor. */
  const guardClose = (stream: Any, gen: number) => {
    const destroy = stream._destroy;
    stream._destroy = function (error: unknown, callback: unknown) {
      if (Atomics.load(state, 5) === gen) {
        Atomics.store(state, 5, 0);
        while (Atomics.load(state, 4) !== 0) Atomics.wait(state, 4, 1, 5);
      }
      return destroy.call(this, error, callback);
    };
  };

  async function connect(): Promise<void> {
    const client = new pg.Client(workerData.config);
    client.on("error", () => undefined);
    await client.connect();
    // One round trip: the settings as one text of statements, and the database clock.
    if (workerData.setup.length) await client.query((workerData.setup as string[]).join("; "));
    await measureClock(client);
    const gen = ++generation;
    const stream = client.connection.stream;
    // node-postgres reads no more of this socket: its answers are the main thread's to parse.
    stream.removeAllListeners("data");
    let lost = false;
    const gone = (error?: Any) => {
      if (lost) return;
      lost = true;
      if (command?.gen === gen) command = undefined;
      // After the bytes that came before it (the answer to a COMMIT, say), which may still wait for room.
      afterQueued(() =>
        post({ t: "lost", gen, error: failure(error ?? new Error("Connection terminated unexpectedly")) }),
      );
    };
    stream.on("data", (chunk: Uint8Array) => put(gen, chunk));
    stream.on("error", gone);
    stream.on("close", () => gone());
    stream.on("end", () => gone());
    const fd = !stream.encrypted && typeof stream._handle?.fd === "number" ? stream._handle.fd : -1;
    if (fd >= 0) {
      guardClose(stream, gen);
      Atomics.store(state, 5, gen);
    }
    command = { gen, client, stream };
    post({ t: "connected", gen, fd: fd >= 0 ? fd : undefined });
  }
  const connectCommand = () => connect().catch((error) => post({ t: "failed", error: failure(error) }));

  port.on("message", (request: Any) => {
    const current = command;
    if (request.op === "room") {
      Atomics.store(positions, 2, 0);
      flushQueued();
    } else if (request.op === "write") {
      if (current && current.gen === request.gen) current.stream.write(request.bytes);
      else post({ t: "lost", gen: request.gen, error: failure(new Error("Connection terminated")) });
    } else if (request.op === "connect") {
      void connectCommand();
    } else if (request.op === "drop") {
      if (current && current.gen === request.gen) current.stream.destroy();
    } else if (request.op === "close") {
      const ending = [current?.client.end(), listener?.end()].map((p) => p?.catch(() => undefined));
      command = undefined;
      // A server that no longer answers does not hold the close up for long.
      const bounded = new Promise((resolve) => setTimeout(resolve, 1_000).unref());
      void Promise.race([Promise.all(ending), bounded]).then(() => post({ t: "closed" }));
    }
  });

  // The listening connection: wake-ups, the polling fallback and the database clock.
  let listener: Any;
  let head = -1;
  const changed = () => {
    Atomics.add(state, 1, 1);
    parentPort.postMessage("changed");
  };
  async function measureClock(client: Any) {
    const before = Date.now();
    const { rows } = await client.query("SELECT (extract(epoch from clock_timestamp()) * 1000)::float8 AS now");
    const after = Date.now();
    Atomics.store(state, 3, 1);
    offset[0] = Number(rows[0].now) - (before + after) / 2;
  }
  async function poll(client: Any) {
    const { rows } = await client.query(workerData.headQuery);
    const now = Number(rows[0]?.head ?? 0);
    if (now !== head) {
      head = now;
      changed();
    }
  }
  async function listen(): Promise<void> {
    let retryMs = 100;
    for (;;) {
      try {
        const client = new pg.Client(config);
        const ended = new Promise((resolve) => {
          client.on("error", resolve);
          client.on("end", resolve);
        });
        await client.connect();
        client.on("notification", changed);
        await client.query(`LISTEN ${workerData.channel}`);
        Atomics.store(state, 2, 1);
        listener = client;
        retryMs = 100;
        // Events committed while no one listened are found by the cursor: wake the reader once.
        changed();
        await measureClock(client);
        const tick = setInterval(() => {
          poll(client)
            .then(() => measureClock(client))
            .catch(() => client.end().catch(() => undefined));
        }, workerData.pollMs);
        await ended;
        clearInterval(tick);
      } catch {
        // Not reachable yet: retried below with a growing pause.
      }
      Atomics.store(state, 2, 0);
      listener = undefined;
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      retryMs = Math.min(retryMs * 2, 5_000);
    }
  }

  // Ready once the command connection works (or the reason it does not is known).
  void connectCommand();
  // Following other connections' commits starts when the main thread first asks (a one-shot
  // command never does, and saves the second connection).
  let following = false;
  parentPort.on("message", (message: Any) => {
    if (message === "follow" && !following) {
      following = true;
      void listen();
    }
  });
}
