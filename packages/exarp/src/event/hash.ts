import { createRequire } from "node:module";
import type { EventRow } from "./envelope.ts";

const require = createRequire(import.meta.url);
let createHash: typeof import("node:crypto").createHash | undefined;

/** The hash the first event chains to. */
export const GENESIS_HASH = "0".repeat(64);

/** The fields of a stored event that its hash covers (hashEvent fixes their order); payload as stored text. */
export type HashedFields = Omit<EventRow, "prev_hash" | "hash">;

/** sha256 over the previous hash and this event's fields: editing any stored event breaks the chain after it. */
export function hashEvent(prevHash: string, f: HashedFields): string {
  const body = JSON.stringify([
    f.seq,
    f.type,
    f.stream,
    f.time,
    f.actor,
    f.session,
    f.origin,
    f.command,
    f.undoes,
    f.payload,
  ]);
  // node:crypto is loaded on first use: loading it takes about 4 ms, which a read never needs.
  createHash ??= (require("node:crypto") as typeof import("node:crypto")).createHash;
  return createHash("sha256").update(prevHash).update("\n").update(body).digest("hex");
}
