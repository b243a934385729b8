// One log record as one JSON line: the OpenTelemetry log data model
// (https://opentelemetry.io/docs/specs/otel/logs/data-model/) with the OTLP JSON field names, flat —
// the resource and instrumentation scope on every line rather than grouped — so that a collector's
// filelog receiver reads each line with its json_parser (see the README for the mapping).
import { redact, scrubText } from "./redact.ts";
import { type Level, SEVERITY_NUMBER } from "./severity.ts";
import type { Span } from "./trace.ts";

/** The process that writes: `service.name` is always `exarp`. */
export type Resource = { "service.name": "exarp"; "service.version": string; "process.pid": number };

/** One line of an exarp log, parsed. */
export type LogRecord = {
  /** When it happened, in nanoseconds since the Unix epoch, as a decimal string (OTLP JSON writes 64-bit integers so). */
  timeUnixNano: string;
  observedTimeUnixNano: string;
  severityNumber: number;
  severityText: string;
  body: string;
  attributes: Record<string, unknown>;
  /** Present when the record belongs to a request's span. */
  traceId?: string;
  spanId?: string;
  /** The part of exarp that wrote it: `exarp.cli`, `exarp.http`, `exarp.mcp`, `exarp.plugin`. */
  scope: { name: string };
  resource: Resource;
};

/** What a record says, before the scrubber. */
export type Entry = { level: Level; body: string; attributes?: Record<string, unknown>; span?: Span };

/** The record for `entry` at `timeMs` (milliseconds since the epoch), every string scrubbed. */
export function buildRecord(entry: Entry, timeMs: number, scope: string, resource: Resource): LogRecord {
  const time = `${BigInt(Math.trunc(timeMs)) * 1_000_000n}`;
  const attributes = redact(entry.attributes ?? {}) as Record<string, unknown>;
  return {
    timeUnixNano: time,
    observedTimeUnixNano: time,
    severityNumber: SEVERITY_NUMBER[entry.level],
    severityText: entry.level.toUpperCase(),
    body: scrubText(entry.body),
    attributes,
    ...(entry.span ? { traceId: entry.span.traceId, spanId: entry.span.spanId } : {}),
    scope: { name: scope },
    resource,
  };
}

/** The record as one line: JSON escapes every newline and control character, so a line is a record. */
export function recordLine(record: LogRecord): string {
  return `${JSON.stringify(record)}\n`;
}
