// The event stream under the issue's load, as a test: `exarp serve`'s server on 127.0.0.1 with 200
// stream clients (a viewer token each request) and 8 writer processes × 500 writes. The bench checks
// that every client receives every event exactly once, in order, and that no client is dropped; it
// exits 1 otherwise. Its figures (latency, memory) are printed by `npm run bench`, not judged here.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const BENCH = fileURLToPath(new URL("../bench/events-load.mjs", import.meta.url));

type Row = { name: string; [field: string]: number | string };

describe("the event stream under load", () => {
  it("delivers 4,000 events from 8 writer processes to each of 200 clients, once each and in order", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [BENCH, "--json", "--timeout", "240"], {
      timeout: 270_000,
      maxBuffer: 16 * 2 ** 20,
    });
    const results = (JSON.parse(stdout.trim().split("\n").at(-1) as string) as { results: Row[] }).results;
    const row = (name: string) => results.find((r) => r.name === name) as Row;
    expect(row("events-load delivery")).toMatchObject({ complete_clients: 200, deliveries: 200 * 4000 });
    expect(row("events-load server")).toMatchObject({ dropped: 0 });
  }, 300_000);
});
