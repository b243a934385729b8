// One span per HTTP request: its ids from the caller's `traceparent` (or new), every record made
// while the request is answered inside it, and one record when the answer starts — method, route
// pattern, status, duration. Never a header's value, never the raw path or query.
import type { Logger } from "./logger.ts";
import { elapsedMs } from "./time.ts";
import { startSpan } from "./trace.ts";

/** Answers `request` with `respond` inside a new span, then records it. `respond` must not throw. */
export async function logRequest(
  logger: Logger,
  request: Request,
  respond: () => Promise<Response>,
): Promise<Response> {
  const span = startSpan(request.headers.get("traceparent"));
  const started = performance.now();
  const response = await logger.inSpan(span, respond);
  const status = response.status;
  const route = span.name ?? "(refused before routing)";
  logger.inSpan(span, () =>
    logger.emit(status >= 500 ? "error" : status >= 400 ? "warn" : "info", `${request.method} ${route} ${status}`, {
      "http.request.method": request.method,
      ...(span.name === undefined ? {} : { "http.route": span.name }),
      "http.response.status_code": status,
      "exarp.duration_ms": elapsedMs(started),
      ...(span.parentSpanId ? { "exarp.parent_span_id": span.parentSpanId } : {}),
    }),
  );
  return response;
}

/** Names the current request's span after the route pattern that answers it (`/api/tasks/:id`). */
export function nameSpan(logger: Logger, route: string): void {
  const span = logger.span();
  if (span) span.name = route;
}
