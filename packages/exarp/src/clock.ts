/** Where time comes from. Injected everywhere so tests move time instead of sleeping. */
export type Clock = { now(): number };

/** Wall-clock milliseconds. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to (tests, replays, benchmarks). */
export function manualClock(
  start = Date.UTC(2026, 0, 1),
): Clock & { advance(ms: number): void; set(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
    set: (ms) => {
      t = ms;
    },
  };
}
