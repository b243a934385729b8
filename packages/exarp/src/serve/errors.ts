// The HTTP edge's own failures, and the one place every error becomes a status and the house shape
// `{ "error": { name, message, data } }`.
import { defineError, ExarpError } from "../errors.ts";
import { jsonResponse } from "./respond.ts";

/** No valid token or session cookie came with the request. */
export const Unauthenticated = defineError<{ reason: string }>("Unauthenticated", (d) => d.reason);

/** The token is valid but its scope does not reach this route (or the request failed a cross-site check). */
export const Forbidden = defineError<{ reason: string; need?: string; have?: string }>("Forbidden", (d) => d.reason);

/** The route exists, the method does not. */
export const MethodNotAllowed = defineError<{ method: string; allowed: string[] }>(
  "MethodNotAllowed",
  (d) => `${d.method} is not allowed here; allowed: ${d.allowed.join(", ")}`,
);

/** A body over the server's limit, refused while it was being read. */
export const PayloadTooLarge = defineError<{ limitBytes: number }>(
  "PayloadTooLarge",
  (d) => `the body is larger than ${d.limitBytes} bytes`,
);

/** A body that is not `application/json`. */
export const UnsupportedMediaType = defineError<{ contentType: string }>(
  "UnsupportedMediaType",
  (d) => `bodies must be application/json, not ${d.contentType || "untyped"}`,
);

/** Too many failed logins from one address. */
export const TooManyRequests = defineError<{ retryAfterSeconds: number }>(
  "TooManyRequests",
  (d) => `too many failed logins from this address; retry in ${d.retryAfterSeconds} s`,
);

const STATUS: Record<string, number> = {
  InvalidInput: 400,
  Unauthenticated: 401,
  Forbidden: 403,
  Unauthorized: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  VersionConflict: 409,
  LeaseConflict: 409,
  StaleLease: 409,
  InvalidTransition: 409,
  CycleDetected: 409,
  Refused: 409,
  ApprovalRequired: 409,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  TooManyRequests: 429,
  Busy: 503,
  Unavailable: 503,
  DiskFull: 507,
};

/** How long a client should wait before retrying a Busy answer. */
const BUSY_RETRY_AFTER_SECONDS = 1;

/** The response for an error: its status, the house JSON, and Retry-After where waiting helps. */
export function errorResponse(error: unknown, log: (line: string) => void): Response {
  if (!(error instanceof ExarpError)) {
    log(`exarp serve: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    const internal = { name: "InternalError", message: "internal error; the server's log has the details", data: {} };
    return jsonResponse(500, { error: internal });
  }
  const status = STATUS[error.name] ?? 500;
  const headers: Record<string, string> = {};
  if (TooManyRequests.is(error)) headers["Retry-After"] = String(error.data.retryAfterSeconds);
  if (error.name === "Busy" || error.name === "Unavailable") headers["Retry-After"] = String(BUSY_RETRY_AFTER_SECONDS);
  if (MethodNotAllowed.is(error)) headers.Allow = error.data.allowed.join(", ");
  // A refused body may still be arriving: end the connection rather than read the rest.
  if (PayloadTooLarge.is(error)) headers.Connection = "close";
  return jsonResponse(status, { error: error.toJSON() }, headers);
}
