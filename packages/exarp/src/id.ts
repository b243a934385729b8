import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** Crockford's base32 in lower case: no i, l, o, u, so ids read aloud without ambiguity. */
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/** Source of randomness for ids; injected so tests can make ids collide on purpose. */
export type RandomSource = (bytes: number) => Uint8Array;

let randomBytes: RandomSource | undefined;

/** node:crypto's randomBytes, loaded on first use: loading node:crypto takes about 4 ms, which a read never needs. */
export const cryptoRandom: RandomSource = (n) => {
  randomBytes ??= (require("node:crypto") as typeof import("node:crypto")).randomBytes;
  return randomBytes(n);
};

/** `length` base32 characters from `random`. */
export function base32(random: RandomSource, length: number): string {
  const bytes = random(length);
  let out = "";
  for (let i = 0; i < length; i++) out += ALPHABET[(bytes[i] ?? 0) & 31];
  return out;
}

export type Ids = {
  /** A new `T-xxxx` id not accepted by `taken`: starts short, one character longer after each collision. */
  taskId(taken: (id: string) => boolean): string;
  commentId(): string;
  /** A new `tok_…` id not accepted by `taken` (a public name, not a secret). */
  tokenId(taken: (id: string) => boolean): string;
  /** Names one process's instance, so it can recognise its own events coming back. */
  origin(): string;
};

export const TASK_ID_MIN_LENGTH = 4;

/** Id generator over a random source (crypto by default). */
export function createIds(random: RandomSource = cryptoRandom): Ids {
  return {
    taskId(taken) {
      for (let length = TASK_ID_MIN_LENGTH; ; length++) {
        const id = `T-${base32(random, length)}`;
        if (!taken(id)) return id;
      }
    },
    commentId: () => `c-${base32(random, 10)}`,
    tokenId(taken) {
      for (;;) {
        const id = `tok_${base32(random, 16)}`;
        if (!taken(id)) return id;
      }
    },
    origin: () => `o-${base32(random, 10)}`,
  };
}
