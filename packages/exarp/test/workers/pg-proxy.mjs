// A TCP proxy in front of PostgreSQL that can lose what a real network or pooler loses, for the
// connection-loss tests. It reads the server's messages (type byte, int32 length) and forwards them
// whole, except:
//   "drop-notifications on|off"  NotificationResponse messages ('A') are not forwarded (as a pooler
//                                that does not carry LISTEN would); each drop prints {"dropped": n}.
//   "cut-commit"                 the next answer completing a COMMIT ('C' "COMMIT") is not forwarded:
//                                both sockets are destroyed instead, so the COMMIT was applied and its
//                                answer lost; prints {"cut": true}.
//   "refuse on|off"              new connections are closed at once (the server unreachable for a while).
// Commands come as stdin lines; "ok <command>" answers each once it applies. Prints {"port": N} once
// listening on 127.0.0.1. Usage: node pg-proxy.mjs TARGET_HOST TARGET_PORT
import { connect, createServer } from "node:net";
import { createInterface } from "node:readline";

const [host, port] = process.argv.slice(2);
const say = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
let dropNotifications = false;
let cutCommit = false;
let dropped = 0;
let refuse = false;

const server = createServer((client) => {
  if (refuse) {
    client.destroy();
    return;
  }
  const upstream = connect(Number(port), host);
  let pending = Buffer.alloc(0);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on("data", (chunk) => upstream.write(chunk));
  client.on("error", close);
  client.on("close", close);
  upstream.on("error", close);
  upstream.on("close", close);
  upstream.on("data", (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    const out = [];
    while (pending.length >= 5) {
      const length = pending.readInt32BE(1);
      if (pending.length < 1 + length) break;
      const message = pending.subarray(0, 1 + length);
      pending = pending.subarray(1 + length);
      const type = String.fromCharCode(message[0]);
      if (type === "A" && dropNotifications) {
        say({ dropped: ++dropped });
        continue;
      }
      if (type === "C" && cutCommit && message.subarray(5, 11).toString() === "COMMIT") {
        cutCommit = false;
        if (out.length) client.write(Buffer.concat(out));
        close();
        say({ cut: true });
        return;
      }
      out.push(message);
    }
    if (out.length) client.write(Buffer.concat(out));
  });
});
server.listen(0, "127.0.0.1", () => say({ port: server.address().port }));

for await (const line of createInterface({ input: process.stdin })) {
  if (line === "drop-notifications on") dropNotifications = true;
  else if (line === "drop-notifications off") dropNotifications = false;
  else if (line === "cut-commit") cutCommit = true;
  else if (line === "refuse on") refuse = true;
  else if (line === "refuse off") refuse = false;
  else continue;
  say({ ok: line });
}
server.close();
process.exit(0);
