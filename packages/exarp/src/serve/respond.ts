import { safeJson } from "../text/safe.ts";

/** A JSON answer (bidi and line-separator characters escaped, as everywhere exarp writes JSON). */
export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): Response {
  return new Response(safeJson(value), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", ...headers },
  });
}
