import { join } from "node:path";
import { createExarp, type ExarpOptions } from "../../src/app/exarp.ts";
import { manualClock } from "../../src/clock.ts";
import { createIds } from "../../src/id.ts";
import { openStore } from "../../src/store/store.ts";
import { tempDir } from "./temp.ts";

/** Deterministic randomness for ids: a counter-based byte stream. */
export function seededRandom(seed = 1): (n: number) => Uint8Array {
  let state = seed >>> 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      out[i] = state & 0xff;
    }
    return out;
  };
}

/** An exarp over a temp-file store with a manual clock, seeded ids and the audit mirror on. */
export function testExarp(options: Partial<ExarpOptions> & { dir?: string; seed?: number } = {}) {
  const dir = options.dir ?? tempDir();
  const clock = manualClock();
  const store = openStore(join(dir, "exarp.db"));
  const exarp = createExarp({
    clock,
    ids: createIds(seededRandom(options.seed ?? 7)),
    actor: { name: "tester", session: null },
    auditDir: dir,
    ...options,
    store,
  });
  return { exarp, clock, dir, store };
}
