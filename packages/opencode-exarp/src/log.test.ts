// The plugin's log lines also reach exarp's structured log when EXARP_LOG asks for one: the same
// text, as `exarp.plugin` records, at the level it gave OpenCode's log. Runs under Node and Bun.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initProject } from "exarp";
import { afterEach, describe, expect, it } from "vitest";
import { recordingClient } from "../test/support/client.ts";
import { ExarpPlugin } from "./plugin.ts";
import { userText } from "./text.ts";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), "exarp-plugin-log-"));
  made.push(dir);
  return dir;
}

/** The plugin started on `dir` with EXARP_LOG set to `log` (the plugin reads its process's environment). */
async function start(dir: string, log: string) {
  const { client, logs } = recordingClient();
  const before = process.env.EXARP_LOG;
  process.env.EXARP_LOG = log;
  try {
    const hooks = await ExarpPlugin({
      client,
      directory: dir,
      worktree: dir,
      project: {},
      serverUrl: new URL("http://localhost"),
      $: {},
    } as never);
    await hooks.dispose?.();
  } finally {
    if (before === undefined) delete process.env.EXARP_LOG;
    else process.env.EXARP_LOG = before;
  }
  await new Promise((r) => setTimeout(r, 10));
  return logs;
}

const records = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));

describe("the plugin's structured log", () => {
  it("records what it tells OpenCode's log, as exarp.plugin", async () => {
    const dir = folder();
    initProject(dir, { actor: { name: "user:ana", session: null } }).close();
    const log = join(folder(), "plugin.log");
    const told = await start(dir, log);
    expect(told).toEqual([userText.ready(dir)]);
    expect(records(log)).toEqual([
      expect.objectContaining({
        severityText: "INFO",
        severityNumber: 9,
        body: userText.ready(dir),
        scope: { name: "exarp.plugin" },
        resource: expect.objectContaining({ "service.name": "exarp" }),
      }),
    ]);
  });

  it("records an unusable project at ERROR", async () => {
    const dir = folder();
    mkdirSync(join(dir, ".exarp"));
    writeFileSync(join(dir, ".exarp", "exarp.db"), "not a database");
    const log = join(folder(), "plugin.log");
    const told = await start(dir, log);
    const [record] = records(log);
    expect(record).toMatchObject({ severityText: "ERROR", severityNumber: 17, scope: { name: "exarp.plugin" } });
    expect(told).toContain(record.body);
  });

  it("tells OpenCode's log once when EXARP_LOG cannot be opened, and works on", async () => {
    const dir = folder();
    initProject(dir, { actor: { name: "user:ana", session: null } }).close();
    const missing = join(folder(), "no", "such", "plugin.log");
    const told = await start(dir, missing);
    expect(told).toEqual([`cannot open the log file ${missing} (ENOENT); logging is off`, userText.ready(dir)]);
  });
});
