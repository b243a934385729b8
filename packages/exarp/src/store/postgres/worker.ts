/**
 * The PostgreSQL side of the bridge, run in a worker thread (see bridge.ts). Its source is sent to
 * the worker as text (`pgWorker.toString()`), so it may use nothing from outside its own body: it
 * loads node-postgres by the path the main thread resolved, with the `load` it is given (the
 * worker's own `require`: a bare `require` here would be renamed by bundlers), and talks over
 * `workerData`.
 *
 * It holds two connections. The command connection runs what the main thread asks, in order and
 * pipelined (requests the main thread did not wait for go out together), and is never silently
 * replaced inside a transaction: once it is lost, every request of
 * that transaction fails as lost, so a command is applied whole or not at all. The listening
 * connection, opened once the main thread follows commits, LISTENs for them, polls the newest seq as
 * a fallback (poolers may drop LISTEN) and re-measures the database clock; each change bumps a shared
 * counter and wakes the main thread's loop.
 */
export function pgWorker(load: (id: string) => unknown): void {
  // biome-ignore lint/suspicious/noExplicitAny: node-postgres is loaded at run time, untyped here
  type Any = any;
  const { parentPort, workerData } = load("node:worker_threads") as Any;
  // Failures leave this thread as message and code only: no one reads a stack here, and capturing
  // one for every refused statement (a claim settled before BEGIN fails on purpose) costs about as
  // much as parsing the rest of the answer.
  Error.stackTraceLimit = 0;
  const loaded = load(workerData.driverPath) as Any;
  const pg = loaded.default ?? loaded;
  const port = workerData.port;
  const state = new Int32Array(workerData.shared, 0, 4); // 0: answers posted, 1: changes seen, 2: listening
  const offset = new Float64Array(workerData.shared, 16, 1); // database clock − this clock, ms
  const asNumber = (value: string | null) => (value === null ? null : Number(value));
  // int8 (counts, seq, times) and numeric as numbers: exarp's values stay far below 2^53.
  const types = {
    getTypeParser: (oid: number, format: string) =>
      oid === 20 || oid === 1700 ? asNumber : pg.types.getTypeParser(oid, format),
  };
  const config = { ...workerData.config, types };

  let command: Any; // the command connection, undefined once lost
  let preparedOn: Any; // the command connection the `prepare` statements were run on
  let connecting: Promise<Any> | undefined;
  let lostInTransaction = false;

  const reply = (message: unknown) => {
    port.postMessage(message);
    Atomics.add(state, 0, 1);
    Atomics.notify(state, 0);
  };
  const failure = (error: Any, lost: boolean, partial?: unknown[][]) => ({
    ok: false,
    error: {
      message: String(error?.message ?? error),
      code: typeof error?.code === "string" ? error.code : undefined,
      lost,
      partial,
    },
  });
  /**
   * A text of statements, run by the simple protocol. Its answer is every statement's rows; when one
   * fails, the failure carries the rows the statements before it returned (`partial`: one list per
   * statement that returned rows, in order), read from node-postgres' row events.
   */
  const simple = (text: string) =>
    new Promise((resolve, reject) => {
      const partial: unknown[][] = [];
      let last: unknown;
      const query = new pg.Query({ text }, undefined, (error: Any, result: Any) => {
        if (error) {
          error.partial = partial;
          reject(error);
        } else resolve(result);
      });
      query.on("row", (row: unknown, result: unknown) => {
        if (result !== last) partial.push([]);
        last = result;
        partial[partial.length - 1]?.push(row);
      });
      command.query(query);
    });
  const isLost = (error: Any) =>
    !command ||
    /Connection terminated|connection (is )?closed|ECONNRESET|EPIPE|ECONNREFUSED|not queryable/i.test(
      String(error?.message),
    ) ||
    ["57P01", "57P02", "57P03", "08000", "08003", "08006", "ECONNRESET", "EPIPE", "ECONNREFUSED"].includes(error?.code);

  async function connect(): Promise<Any> {
    // Pipelined: a request is sent at once, before the answers to earlier ones are back (each has
    // its own Sync, so the server still runs them one after another, in order).
    const client = new pg.Client({ ...config, pipeline: true });
    client.on("error", () => {
      if (command === client) command = undefined;
    });
    client.on("end", () => {
      if (command === client) command = undefined;
    });
    await client.connect();
    // One round trip: the settings as one text of statements.
    if (workerData.setup.length) await client.query((workerData.setup as string[]).join("; "));
    return client;
  }

  async function handle(request: Any): Promise<unknown> {
    if (request.op === "close") {
      await command?.end().catch(() => undefined);
      await listener?.end().catch(() => undefined);
      return { ok: true, rows: [], rowCount: 0 };
    }
    if (request.begin) lostInTransaction = false;
    if (request.tx && !request.begin && (lostInTransaction || !command)) {
      lostInTransaction = true;
      return failure(new Error("the connection to PostgreSQL was lost during the command"), true);
    }
    try {
      if (!command) {
        connecting ??= connect().finally(() => {
          connecting = undefined;
        });
        command = await connecting;
      }
    } catch (error) {
      return failure(error, true);
    }
    // The statements this request EXECUTEs are prepared first on a connection that has not run them
    // (sent just ahead of it: requests go out in the order asked, without waiting for answers).
    const preparing = request.prepared && preparedOn !== command ? simple(workerData.prepare) : undefined;
    if (preparing) preparedOn = command;
    const ask = async () =>
      request.op === "simple"
        ? simple(request.text)
        : command.query({ name: request.name, text: request.text, values: request.params, rowMode: request.rowMode });
    const asked = ask();
    if (preparing) {
      try {
        await preparing;
      } catch (error) {
        // Some of the statements may exist on the connection and some not: it is given up, and the
        // next request prepares them on a new one.
        asked.catch(() => undefined);
        const lost = isLost(error);
        if (lost && request.tx) lostInTransaction = true;
        command?.end().catch(() => undefined);
        command = undefined;
        preparedOn = undefined;
        return failure(error, lost);
      }
    }
    try {
      const result = await asked;
      // A multi-statement text answers with one result per statement: the last one is the answer.
      const all = Array.isArray(result) ? result : [result];
      const last = all[all.length - 1];
      return {
        ok: true,
        rows: last?.rows ?? [],
        rowCount: last?.rowCount ?? 0,
        results: request.op === "simple" ? all.map((r: Any) => r.rows ?? []) : undefined,
      };
    } catch (error) {
      const lost = isLost(error);
      if (lost && request.tx) lostInTransaction = true;
      if (lost) command = undefined;
      return failure(error, lost, (error as Any)?.partial);
    }
  }

  let queue: Promise<unknown> = Promise.resolve();
  port.on("message", (request: Any) => {
    // Sent to the server at once, answered in the order asked; a batch (requests the main thread
    // did not wait for, and maybe one it waits for, last) is answered by one message.
    if (request.op === "batch") {
      const answers = (request.requests as Any[]).map(handle);
      queue = queue
        .then(() => Promise.all(answers))
        .then((replies) => reply({ ok: true, rows: [], rowCount: 0, replies }));
    } else {
      const answer = handle(request);
      queue = queue.then(() => answer).then(reply);
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
  connect().then(
    (client) => {
      command = client;
      return measureClock(client).then(
        () => reply({ ok: true, rows: [], rowCount: 0 }),
        (error) => reply(failure(error, true)),
      );
    },
    (error) => reply(failure(error, true)),
  );
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
