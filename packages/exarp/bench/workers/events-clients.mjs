// Worker for bench/events-load.mjs: <count> event-stream clients in one process, plain node:http (no
// EventSource, no JSON parsing: light enough that one process keeps up with many streams).
// argv: <port> <count> <cursor> <expected> <base> <token>
// Every client connects with Last-Event-ID: <cursor> and must receive exactly seqs cursor+1 ..
// cursor+expected, in order, each once, each `data:` line the JSON of its own seq. Prints
// {"connected": true} once every client has its response headers, then, when every client has all
// its events (or failed), {"done": true, errors, received: [[...]]}: per client, the receive time of
// each event, in hundredths of a millisecond after <base> (performance.timeOrigin + performance.now()).
import { request } from "node:http";
import { performance } from "node:perf_hooks";

const [port, count, cursor, expected, base] = process.argv.slice(2, 7).map(Number);
const authorization = `Bearer ${process.argv[7]}`;
const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
const now = () => performance.timeOrigin + performance.now();
const errors = [];
const received = [];
let answered = 0;
let finished = 0;

function client(index) {
  const times = [];
  received[index] = times;
  let next = cursor + 1;
  let pending = "";
  let settled = false;
  /** Ends this client: complete (no argument) or failed. */
  const settle = (failure) => {
    if (settled) return;
    settled = true;
    if (failure) errors.push(`client ${index}: ${failure}`);
    req.destroy();
    if (++finished === count) report();
  };
  let answeredHere = false;
  const answer = () => {
    if (answeredHere) return;
    answeredHere = true;
    if (++answered === count) send({ connected: true, errors });
  };
  const req = request(
    {
      host: "127.0.0.1",
      port,
      path: "/api/events",
      headers: { "Last-Event-ID": String(cursor), Authorization: authorization },
    },
    (res) => {
      answer();
      if (res.statusCode !== 200) return settle(`status ${res.statusCode}`);
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        const at = Math.round((now() - base) * 100);
        pending += chunk;
        const blocks = pending.split("\n\n");
        pending = blocks.pop();
        for (const block of blocks) {
          if (!block.startsWith("id: ")) continue; // retry, comments
          const seq = Number(block.slice(4, block.indexOf("\n")));
          if (seq !== next) return settle(`expected seq ${next}, got ${seq}`);
          if (!block.includes(`\ndata: {"seq":${seq},`)) return settle(`seq ${seq}: malformed data line`);
          times.push(at);
          next++;
        }
        if (next > cursor + expected) settle();
      });
      res.on("end", () => settle(`stream ended after ${next - cursor - 1} events`));
    },
  );
  req.on("error", (error) => {
    answer();
    settle(error.message);
  });
  req.end();
}

function report() {
  // Exits once the (large) line is written: a pipe is written asynchronously.
  process.stdout.write(`${JSON.stringify({ done: true, errors, received })}\n`, () => process.exit(0));
}

for (let i = 0; i < count; i++) client(i);
