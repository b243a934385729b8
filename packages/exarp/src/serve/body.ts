import { InvalidInput } from "../errors-catalog.ts";
import { PayloadTooLarge, UnsupportedMediaType } from "./errors.ts";

/** The largest body the server reads. */
export const MAX_BODY_BYTES = 1024 * 1024;

const invalid = (problem: string) => new InvalidInput({ issues: [problem], fields: [{ path: "", message: problem }] });

/** True when the request announces or carries a body (a length above 0, or chunks). */
function hasBody(request: Request): boolean {
  const length = request.headers.get("content-length");
  if (length !== null) return length.trim() !== "0";
  return request.headers.has("transfer-encoding");
}

/**
 * The body as a JSON object: none at all reads as `{}`; anything else must be `application/json`
 * (415), at most `limit` bytes counted while reading, whatever Content-Length says (413), UTF-8
 * JSON (400) whose top level is an object (400).
 */
export async function readJsonBody(request: Request, limit = MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  if (!hasBody(request) || request.body === null) return {};
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i.test(type.trim()))
    throw new UnsupportedMediaType({ contentType: type.slice(0, 100) });
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw new PayloadTooLarge({ limitBytes: limit });
  const bytes = await readCapped(request.body, limit);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw invalid("the body is not valid UTF-8");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid("the body is not valid JSON");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw invalid("the body must be a JSON object");
  return value as Record<string, unknown>;
}

/** Reads a stream whole, giving up (and cancelling it) as soon as it passes `limit` bytes. */
async function readCapped(body: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    // A client that goes away mid-body fails the read: its failure, not the server's.
    const { done, value } = await reader.read().catch(() => {
      throw invalid("the body stopped before it was complete");
    });
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new PayloadTooLarge({ limitBytes: limit });
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
