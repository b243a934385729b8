// An event's one-line description, the same the CLI's history prints (src/event/describe.ts).
import type { StoredEvent } from "../../src/event/catalog.ts";
import { describeEvent } from "../../src/event/describe.ts";
import type { StreamEvent } from "../lib/types.ts";

/** What an event did, in one line. A stream message carries what describeEvent reads (type, payload, seq). */
export function describeStreamEvent(e: StreamEvent): string {
  return describeEvent({ undoes: null, ...e } as StoredEvent);
}
