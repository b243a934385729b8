// Coalesced reloading: however often a view asks, one load runs at a time, and one more follows
// if anything asked meanwhile.

/** A function that runs `load` now, or once more after the running load when called during one. */
export function coalesced(load: () => Promise<void>): () => void {
  let running = false;
  let again = false;
  const run = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    void load().finally(() => {
      running = false;
      if (again) {
        again = false;
        run();
      }
    });
  };
  return run;
}
