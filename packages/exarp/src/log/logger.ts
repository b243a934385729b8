// The logger every entry point is given: records at or above a level, scrubbed, one JSON line each,
// carrying the span of the request they belong to. Records made while a span runs (`inSpan`), in
// any callback it starts, carry its ids: the HTTP server's span reaches the MCP tool call it serves.
import { AsyncLocalStorage } from "node:async_hooks";
import { buildRecord, type Resource, recordLine } from "./record.ts";
import { type Level, SEVERITY_NUMBER } from "./severity.ts";
import type { Sink } from "./sink.ts";
import type { Span } from "./trace.ts";

/** Writes structured records; `NO_LOGGER` (log/none.ts) when logging is off. */
export type Logger = {
  /** False when logging is off: callers skip what only a record needs (timers, spans). */
  readonly on: boolean;
  /** True when a record at `level` would be written. */
  enabled(level: Level): boolean;
  /** Writes a record (dropped below the logger's level); body and attributes are scrubbed of secrets. */
  emit(level: Level, body: string, attributes?: Record<string, unknown>): void;
  /** The same logger writing as another part of exarp (the record's instrumentation scope). */
  scoped(name: string): Logger;
  /** Runs `run` inside `span`: records made meanwhile, also in callbacks it starts, carry its ids. */
  inSpan<T>(span: Span, run: () => T): T;
  /** The span records are made in now, if any. */
  span(): Span | undefined;
  /** Closes the destination; later records are dropped. */
  close(): void;
};

export type LoggerOptions = {
  sink: Sink;
  level: Level;
  scope: string;
  resource: Resource;
  /** Milliseconds since the epoch (default Date.now). */
  now?: () => number;
};

/** A logger writing to `options.sink`. */
export function createLogger(options: LoggerOptions): Logger {
  const { sink, resource } = options;
  const now = options.now ?? Date.now;
  const least = SEVERITY_NUMBER[options.level];
  const spans = new AsyncLocalStorage<Span>();
  const make = (scope: string): Logger => ({
    on: true,
    enabled: (level) => SEVERITY_NUMBER[level] >= least,
    emit(level, body, attributes) {
      if (SEVERITY_NUMBER[level] < least) return;
      sink.write(recordLine(buildRecord({ level, body, attributes, span: spans.getStore() }, now(), scope, resource)));
    },
    scoped: make,
    inSpan: (span, run) => spans.run(span, run),
    span: () => spans.getStore(),
    close: () => sink.close(),
  });
  return make(options.scope);
}
