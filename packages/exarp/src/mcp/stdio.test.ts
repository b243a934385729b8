// MCP's stdio framing as exarp reads and writes it: one JSON message per line, whatever the chunks.
import { PassThrough, Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { stdioTransport } from "./stdio.ts";

function pipe() {
  const input = new PassThrough();
  const written: string[] = [];
  const output = new Writable({
    write(chunk, _encoding, done) {
      written.push(String(chunk));
      done();
    },
  });
  const transport = stdioTransport(input, output);
  const received: unknown[] = [];
  const errors: string[] = [];
  let closed = 0;
  transport.onmessage = (message) => received.push(message);
  transport.onerror = (error) => errors.push(error.message);
  transport.onclose = () => {
    closed++;
  };
  return { input, output, written, transport, received, errors, closed: () => closed };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("mcp stdio transport", () => {
  it("reads one message per line, across and within chunks, with \\r\\n endings and multi-byte characters split", async () => {
    const p = pipe();
    await p.transport.start();
    const line = Buffer.from(`${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "x", params: { t: "é👩‍💻" } })}\r\n`);
    const cut = line.indexOf(0xc3) + 1; // inside the two bytes of é
    p.input.write(line.subarray(0, cut));
    await tick();
    expect(p.received).toEqual([]);
    p.input.write(
      Buffer.concat([line.subarray(cut), Buffer.from('{"jsonrpc":"2.0","method":"a"}\n{"jsonrpc":"2.0",')]),
    );
    p.input.write('"method":"b"}\n');
    await tick();
    expect(p.received).toEqual([
      { jsonrpc: "2.0", id: 1, method: "x", params: { t: "é👩‍💻" } },
      { jsonrpc: "2.0", method: "a" },
      { jsonrpc: "2.0", method: "b" },
    ]);
    expect(p.errors).toEqual([]);
  });

  it("reports a line that is not JSON and reads on", async () => {
    const p = pipe();
    await p.transport.start();
    p.input.write('{"jsonrpc":\n\n[1,\n{"jsonrpc":"2.0","method":"after"}\n');
    await tick();
    expect(p.errors).toHaveLength(3);
    expect(p.errors.every((e) => e.startsWith("unreadable message: "))).toBe(true);
    expect(p.received).toEqual([{ jsonrpc: "2.0", method: "after" }]);
  });

  it("closes the connection on a line longer than 10 MB, and reads nothing more", async () => {
    const p = pipe();
    await p.transport.start();
    p.input.write(Buffer.alloc(6 * 1024 * 1024, 0x61));
    await tick();
    expect(p.closed()).toBe(0);
    p.input.write(Buffer.alloc(6 * 1024 * 1024, 0x61));
    await tick();
    expect(p.errors).toEqual([`a message is longer than ${10 * 1024 * 1024} bytes`]);
    expect(p.closed()).toBe(1);
    p.input.write('\n{"jsonrpc":"2.0","method":"x"}\n');
    await tick();
    expect(p.received).toEqual([]);
    expect(p.input.listenerCount("data")).toBe(0);
  });

  it("writes each message as one line, waits for a full pipe to drain, closes once, and starts once", async () => {
    const p = pipe();
    await p.transport.start();
    await expect(p.transport.start()).rejects.toThrow(/already started/);
    await p.transport.send({ jsonrpc: "2.0", id: 1, result: { text: "a\nb" } });
    expect(p.written).toEqual(['{"jsonrpc":"2.0","id":1,"result":{"text":"a\\nb"}}\n']);

    let drained = false;
    const slow = new Writable({ highWaterMark: 4, write: (_chunk, _encoding, done) => setTimeout(done, 10) });
    const t = stdioTransport(new PassThrough(), slow);
    const sending = t.send({ jsonrpc: "2.0", method: "notifications/resources/updated", params: { uri: "u" } });
    void sending.then(() => {
      drained = true;
    });
    await tick();
    expect(drained).toBe(false);
    await sending;
    expect(drained).toBe(true);

    await p.transport.close();
    await p.transport.close();
    expect(p.closed()).toBe(1);
    expect(p.input.isPaused()).toBe(true);
  });
});
