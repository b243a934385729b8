// Which part of the plan the waves graph lays out: the first waves (the work that can start now and
// next) with at most a page of tasks each, every other wave collapsed into one summary node. Opening
// a wave or a wave's next page keeps the total under a budget by collapsing the waves farthest away.
// Pure.

/** Tasks of one wave laid out at a time (the rest sit in a "+N more" node). */
export const WAVE_PAGE = 25;
/** Task nodes laid out when the graph opens. */
export const INITIAL_NODES = 75;
/** Task nodes laid out at most, however many waves are opened. */
export const MAX_NODES = 200;

/** Opened waves and how many of their tasks are shown. */
export type WaveWindow = ReadonlyMap<number, number>;

const shownIn = (waves: readonly (readonly string[])[], k: number, pages: number) =>
  Math.min(waves[k]?.length ?? 0, pages);

/** Total task nodes a window lays out. */
export function windowSize(waves: readonly (readonly string[])[], window: WaveWindow): number {
  let total = 0;
  for (const [k, shown] of window) total += shownIn(waves, k, shown);
  return total;
}

/** Waves from the first, a page each, while they fit in INITIAL_NODES (the first always opens). */
export function initialWindow(waves: readonly (readonly string[])[]): WaveWindow {
  const window = new Map<number, number>();
  let total = 0;
  for (let k = 0; k < waves.length; k++) {
    const size = shownIn(waves, k, WAVE_PAGE);
    if (k > 0 && total + size > INITIAL_NODES) break;
    window.set(k, WAVE_PAGE);
    total += size;
  }
  return window;
}

/** Opens wave `k` (one page), collapsing the waves farthest from it while over MAX_NODES. */
export function openWave(waves: readonly (readonly string[])[], window: WaveWindow, k: number): WaveWindow {
  return fit(waves, new Map(window).set(k, window.get(k) ?? WAVE_PAGE), k);
}

/** Shows the next page of wave `k`. */
export function showMore(waves: readonly (readonly string[])[], window: WaveWindow, k: number): WaveWindow {
  return fit(waves, new Map(window).set(k, (window.get(k) ?? 0) + WAVE_PAGE), k);
}

/** Collapses wave `k` into its summary node. */
export function closeWave(window: WaveWindow, k: number): WaveWindow {
  const next = new Map(window);
  next.delete(k);
  return next;
}

/** The window restricted to waves that still exist (after the plan changed). */
export function keepWaves(waves: readonly (readonly string[])[], window: WaveWindow): WaveWindow {
  const next = new Map([...window].filter(([k]) => k < waves.length));
  return next.size ? next : initialWindow(waves);
}

function fit(waves: readonly (readonly string[])[], window: Map<number, number>, focus: number): WaveWindow {
  // The focused wave alone may not exceed the budget either.
  window.set(focus, Math.min(window.get(focus) ?? 0, MAX_NODES));
  while (windowSize(waves, window) > MAX_NODES) {
    let farthest = -1;
    for (const k of window.keys())
      if (k !== focus && (farthest < 0 || Math.abs(k - focus) > Math.abs(farthest - focus))) farthest = k;
    if (farthest < 0) break;
    window.delete(farthest);
  }
  return window;
}
