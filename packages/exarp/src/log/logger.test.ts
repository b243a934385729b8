// The logger: records in the OpenTelemetry shape, filtered by level, carrying the span they were
// made in (also across awaits); the environment's switches; destinations that cannot be used.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp.ts";
import { VERSION } from "../version.ts";
import { createLogger } from "./logger.ts";
import { NO_LOGGER } from "./none.ts";
import { openLogger } from "./open.ts";
import type { LogRecord } from "./record.ts";
import { REDACTED } from "./redact.ts";
import { parseTraceparent, startSpan } from "./trace.ts";

const resource = { "service.name": "exarp", "service.version": VERSION, "process.pid": 1 } as const;

function memory(level: Parameters<typeof createLogger>[0]["level"] = "info") {
  const lines: string[] = [];
  const logger = createLogger({
    sink: { write: (line) => lines.push(line), close: () => undefined },
    level,
    scope: "exarp.test",
    resource,
    now: () => 1_764_000_000_123,
  });
  const records = () => lines.map((line) => JSON.parse(line) as LogRecord);
  return { logger, lines, records };
}

function open(env: NodeJS.ProcessEnv, cwd = tempDir()) {
  const warnings: string[] = [];
  const logger = openLogger(env, { scope: "exarp.test", cwd, warn: (m) => warnings.push(m) });
  return { logger, warnings, cwd };
}

const fileRecords = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LogRecord);

describe("the logger", () => {
  it("writes one OpenTelemetry record per line, scrubbed", () => {
    const { logger, lines, records } = memory();
    logger.emit("warn", "login with Bearer abc.def failed\nsecond line", { password: "hunter2", n: 3 });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith("\n")).toBe(true);
    expect(lines[0]?.slice(0, -1)).not.toContain("\n");
    expect(records()[0]).toEqual({
      timeUnixNano: "1764000000123000000",
      observedTimeUnixNano: "1764000000123000000",
      severityNumber: 13,
      severityText: "WARN",
      body: `login with Bearer ${REDACTED} failed\nsecond line`,
      attributes: { password: REDACTED, n: 3 },
      scope: { name: "exarp.test" },
      resource,
    });
  });

  it("drops records below its level", () => {
    const { logger, records } = memory("warn");
    for (const level of ["trace", "debug", "info", "warn", "error"] as const) logger.emit(level, level);
    expect(records().map((r) => [r.severityText, r.severityNumber])).toEqual([
      ["WARN", 13],
      ["ERROR", 17],
    ]);
    expect(logger.enabled("info")).toBe(false);
    expect(logger.enabled("error")).toBe(true);
    const all = memory("trace");
    for (const level of ["trace", "debug", "info"] as const) all.logger.emit(level, level);
    expect(all.records().map((r) => r.severityNumber)).toEqual([1, 5, 9]);
  });

  it("puts the span's ids on records made inside it, across awaits and timers, and in scoped loggers", async () => {
    const { logger, records } = memory();
    const span = startSpan(undefined);
    const http = logger.scoped("exarp.http");
    await logger.inSpan(span, async () => {
      await new Promise((r) => setTimeout(r, 5));
      http.emit("info", "inside");
      expect(http.span()).toBe(span);
    });
    logger.emit("info", "outside");
    const [inside, outside] = records();
    expect(inside).toMatchObject({ traceId: span.traceId, spanId: span.spanId, scope: { name: "exarp.http" } });
    expect(outside?.traceId).toBeUndefined();
    expect(outside?.spanId).toBeUndefined();
  });

  it("is a no-op that costs nothing when EXARP_LOG is unset or empty", () => {
    expect(open({}).logger).toBe(NO_LOGGER);
    expect(open({ EXARP_LOG: "", EXARP_LOG_LEVEL: "nonsense" })).toMatchObject({ logger: NO_LOGGER, warnings: [] });
    expect(NO_LOGGER.inSpan(startSpan(undefined), () => 7)).toBe(7);
    expect(NO_LOGGER.scoped("x")).toBe(NO_LOGGER);
  });

  it("appends to the file EXARP_LOG names (relative to the working folder), created private", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "logs"));
    writeFileSync(join(dir, "logs", "exarp.log"), "earlier line\n");
    const { logger, warnings } = open({ EXARP_LOG: "logs/exarp.log", EXARP_LOG_LEVEL: " DEBUG " }, dir);
    logger.emit("debug", "one");
    logger.emit("trace", "dropped");
    logger.close();
    logger.emit("info", "after close");
    expect(warnings).toEqual([]);
    const text = readFileSync(join(dir, "logs", "exarp.log"), "utf8");
    expect(text.split("\n")[0]).toBe("earlier line");
    expect(
      text
        .split("\n")
        .slice(1, -1)
        .map((l) => JSON.parse(l).body),
    ).toEqual(["one"]);
    const fresh = open({ EXARP_LOG: "new.log" }, dir);
    fresh.logger.emit("info", "x");
    fresh.logger.close();
    expect(statSync(join(dir, "new.log")).mode & 0o777).toBe(0o600);
    expect(fileRecords(join(dir, "new.log"))[0]?.resource).toMatchObject({
      "service.name": "exarp",
      "service.version": VERSION,
      "process.pid": process.pid,
    });
  });

  it("warns once about a level it does not know, and logs at info", () => {
    const dir = tempDir();
    const { logger, warnings } = open({ EXARP_LOG: "x.log", EXARP_LOG_LEVEL: "verbose\u001b[31m" }, dir);
    logger.emit("debug", "dropped");
    logger.emit("info", "kept");
    logger.close();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^EXARP_LOG_LEVEL="verbose\\u001b\[31m" is not a level \(trace, debug, info, warn, error\); logging at info$/,
    );
    expect(fileRecords(join(dir, "x.log")).map((r) => r.body)).toEqual(["kept"]);
  });

  it("warns once and logs nothing when the file cannot be opened: no folder, a folder, no permission, a FIFO", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "folder"));
    writeFileSync(join(dir, "readonly.log"), "");
    chmodSync(join(dir, "readonly.log"), 0o400);
    execFileSync("mkfifo", [join(dir, "fifo")]);
    const cases: [string, RegExp][] = [
      ["missing/x.log", /ENOENT/],
      ["folder", /EISDIR/],
      ["fifo", /ENXIO/],
    ];
    // root may write a read-only file: that case only counts for others.
    if (process.getuid?.() !== 0) cases.push(["readonly.log", /EACCES/]);
    for (const [path, code] of cases) {
      const { logger, warnings } = open({ EXARP_LOG: path }, dir);
      expect(logger, path).toBe(NO_LOGGER);
      expect(warnings, path).toHaveLength(1);
      expect(warnings[0]).toContain(`cannot open the log file ${join(dir, path)} (`);
      expect(warnings[0]).toMatch(code);
    }
  });

  it("reports a write that fails once, then writes nothing more", () => {
    const { logger, warnings } = open({ EXARP_LOG: "/dev/full" });
    logger.emit("info", "a");
    logger.emit("info", "b");
    expect(warnings).toEqual(["cannot write the log file /dev/full (ENOSPC); logging is off"]);
  });
});

describe("trace context", () => {
  const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  it("continues a valid traceparent with a span of its own", () => {
    expect(parseTraceparent(parent)).toEqual({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      parentSpanId: "00f067aa0ba902b7",
    });
    const span = startSpan(parent);
    expect(span.traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(span.parentSpanId).toBe("00f067aa0ba902b7");
    expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(span.spanId).not.toBe("00f067aa0ba902b7");
    // A later version may add fields.
    expect(parseTraceparent(`01${parent.slice(2)}-more`)?.traceId).toBe(span.traceId);
  });

  it("starts a new trace for a missing or invalid one", () => {
    const invalid = [
      undefined,
      null,
      "",
      "garbage",
      parent.toUpperCase(),
      `ff${parent.slice(2)}`,
      `${parent}-extra`,
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
      "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
      `${parent}${"x".repeat(600)}`,
    ];
    for (const header of invalid) {
      expect(parseTraceparent(header), String(header)).toBeUndefined();
      const span = startSpan(header);
      expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(span.traceId).not.toMatch(/^0+$/);
      expect(span.parentSpanId).toBeUndefined();
    }
    expect(startSpan(undefined).traceId).not.toBe(startSpan(undefined).traceId);
  });
});
