import { Busy } from "../errors-catalog.ts";

/** How long a long-lived process keeps retrying a write another process blocks, and how it backs off. */
export type BusyRetry = { totalMs?: number; firstDelayMs?: number; maxDelayMs?: number };

/** Busy timeout for long-lived processes: block the event loop at most this long per attempt. */
export const SHORT_BUSY_TIMEOUT_MS = 25;

/**
 * Runs `fn` (one synchronous transaction, typically) and, while it fails with Busy, runs it again
 * after a growing pause, without blocking the event loop in between. Long-lived entry points (the
 * MCP server, the OpenCode plugin) open their store with a short busy timeout and call writes
 * through this, so a write held up by another process never stalls their reads. A Busy error that
 * outlasts `totalMs` is thrown, saying how long it waited. `fn` must be synchronous: a Busy inside
 * a promise it returned would escape the retry.
 */
export async function retryWhileBusy<T>(fn: () => T, options: BusyRetry = {}): Promise<T> {
  const { totalMs = 10_000, firstDelayMs = 10, maxDelayMs = 250 } = options;
  const started = Date.now();
  for (let delay = firstDelayMs; ; delay = Math.min(delay * 2, maxDelayMs)) {
    try {
      return fn();
    } catch (error) {
      if (!Busy.is(error)) throw error;
      const waited = Date.now() - started;
      if (waited + delay > totalMs) throw new Busy({ waitedMs: waited });
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
