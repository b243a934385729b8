import type { StoredEvent } from "./catalog.ts";

/**
 * An event as a client of the server sees it: a token's secret hash stays in the log and the audit
 * files (the hash chain needs it) and is never sent over the network, even to a viewer.
 */
export function publicEvent(event: StoredEvent): StoredEvent {
  if (event.type !== "token.created") return event;
  const { secretHash: _hidden, ...payload } = event.payload;
  return { ...event, payload } as unknown as StoredEvent;
}
