// The bytes of the event stream (Server-Sent Events) and the cursor a client resumes from.
import { InvalidInput } from "../errors-catalog.ts";
import type { StoredEvent } from "../event/catalog.ts";
import { publicEvent } from "../event/public.ts";
import { inline, safeJson } from "../text/safe.ts";

const encoder = new TextEncoder();

/** Text as the UTF-8 bytes a stream carries. */
export const encode = (text: string): Uint8Array => encoder.encode(text);

/**
 * One event as a message: `id:` is its seq (what `Last-Event-ID` resumes from) and `data:` one line
 * of JSON. JSON escapes every line break (`\n`, `\r`; `safeJson` also U+2028/2029), so no text in a
 * payload can end the line and forge another field or message.
 */
export function eventMessage(event: StoredEvent): string {
  const { seq, type, payload, actor, session, time } = publicEvent(event);
  return `id: ${seq}\ndata: ${safeJson({ seq, type, payload, actor, session, time })}\n\n`;
}

/** A comment line: clients ignore it; it names where a stream starts, or keeps an idle connection open. */
export const comment = (text: string): string => `: ${text}\n`;

/** How long a client waits before reconnecting after the connection drops. */
export const RETRY_MS = 1000;

const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

function invalidCursor(path: string, message: string) {
  return new InvalidInput({ issues: [`${path}: ${message}`], fields: [{ path, message }] });
}

function parseCursor(path: string, value: string, head: number): number {
  const seq = Number(value);
  if (!DECIMAL.test(value) || !Number.isSafeInteger(seq))
    throw invalidCursor(path, `must be the seq of an event (a whole number, 0 or more), not "${inline(value, 40)}"`);
  // The log is never truncated, so a seq past its end was never sent by this project.
  if (seq > head) throw invalidCursor(path, `${seq} is past the newest event (${head}): it is from another project`);
  return seq;
}

/**
 * The seq after which a client asks to resume: the `Last-Event-ID` header (what a reconnecting
 * EventSource sends, so it wins over the URL it reconnects to), else `?after=SEQ`; undefined for
 * "live from now". An empty `Last-Event-ID` means no last event (as EventSource has it).
 */
export function requestedCursor(request: Request, head: number): number | undefined {
  const search = new URL(request.url).searchParams;
  for (const name of search.keys())
    if (name !== "after") throw invalidCursor(inline(name, 40), "unknown query parameter; the only one is after");
  const after = search.getAll("after");
  if (after.length > 1) throw invalidCursor("after", "is given more than once; give it once");
  const fromUrl = after[0] === undefined ? undefined : parseCursor("after", after[0], head);
  const lastEventId = request.headers.get("last-event-id");
  return lastEventId !== null && lastEventId !== "" ? parseCursor("Last-Event-ID", lastEventId, head) : fromUrl;
}
