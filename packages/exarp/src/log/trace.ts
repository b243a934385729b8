// W3C Trace Context (https://www.w3.org/TR/trace-context/): the ids a request's records carry. A
// request that brings a valid `traceparent` continues that trace; any other gets a new one.

/** Where records are: a trace (32 hex digits) and this process's span in it (16). */
export type Span = {
  traceId: string;
  spanId: string;
  /** The caller's span, from its `traceparent`. */
  parentSpanId?: string;
  /** What the span stands for (an HTTP route pattern), filled in by whoever learns it. */
  name?: string;
};

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZEROS = /^0+$/;

/** The trace and parent span of a `traceparent` header; undefined for a missing or invalid one (then start anew). */
export function parseTraceparent(
  header: string | null | undefined,
): { traceId: string; parentSpanId: string } | undefined {
  if (!header || header.length > 512) return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (!match) return undefined;
  const [, version, traceId, parentSpanId, , rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  // Version ff is forbidden; version 00 has exactly four fields; later versions may add fields after a dash.
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (ZEROS.test(traceId) || ZEROS.test(parentSpanId)) return undefined;
  return { traceId, parentSpanId };
}

/** `bytes` random bytes as lowercase hex, never all zeros (an invalid id). */
function randomHex(bytes: number): string {
  const buffer = new Uint8Array(bytes);
  do globalThis.crypto.getRandomValues(buffer);
  while (buffer.every((b) => b === 0));
  return Array.from(buffer, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A new span: a child of the caller's when its `traceparent` is valid, else the root of a new trace. */
export function startSpan(traceparent: string | null | undefined): Span {
  const parent = parseTraceparent(traceparent);
  const spanId = randomHex(8);
  return parent
    ? { traceId: parent.traceId, spanId, parentSpanId: parent.parentSpanId }
    : { traceId: randomHex(16), spanId };
}
