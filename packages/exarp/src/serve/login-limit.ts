// Failed logins (a bad bearer token, a bad token given to POST /api/session; a revoked token's secret
// is no guess and is not counted) counted per client address in a fixed window; past the limit that
// address's token checks answer 429 until the window ends, so guessing costs a minute per few tries.
// Memory is bounded by the number of addresses kept.
import { TooManyRequests } from "./errors.ts";

export type LoginLimitOptions = {
  /** Failures allowed per address per window (default 10). */
  maxFailures?: number;
  /** The window (default 1 min). */
  windowMs?: number;
  /** The most addresses remembered; the oldest window is forgotten first (default 10 000). */
  maxAddresses?: number;
  now?: () => number;
};

export function createLoginLimit(options: LoginLimitOptions = {}) {
  const { maxFailures = 10, windowMs = 60_000, maxAddresses = 10_000, now = Date.now } = options;
  const windows = new Map<string, { started: number; failures: number }>();

  const current = (address: string) => {
    const window = windows.get(address);
    if (window && now() - window.started >= windowMs) {
      windows.delete(address);
      return undefined;
    }
    return window;
  };

  return {
    /** Throws TooManyRequests while `address` is over its limit. */
    check(address: string): void {
      const window = current(address);
      if (window && window.failures >= maxFailures) {
        const retryAfterSeconds = Math.max(1, Math.ceil((window.started + windowMs - now()) / 1000));
        throw new TooManyRequests({ retryAfterSeconds });
      }
    },

    /** Counts one failed login from `address`. */
    fail(address: string): void {
      const window = current(address);
      if (window) {
        window.failures++;
        return;
      }
      while (windows.size >= maxAddresses) windows.delete(windows.keys().next().value as string);
      windows.set(address, { started: now(), failures: 1 });
    },
  };
}

export type LoginLimit = ReturnType<typeof createLoginLimit>;
