// Times as a person reads them at a glance. Pure: the current time is passed in.

// Made once: a formatter costs far more to build than to use, and the audit feed formats hundreds a second.
const TODAY = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const EARLIER = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit" });
const DAY = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short" });

/** `12:04:31` for today, `3 Mar 12:04` otherwise (local time). */
export function clockTime(ms: number, now: number): string {
  const date = new Date(ms);
  if (new Date(now).toDateString() === date.toDateString()) return TODAY.format(date);
  return `${DAY.format(date)} ${EARLIER.format(date)}`;
}

/** What is left of a lease: `14m 05s`, `1h 02m`, `42s`, or `expired`. */
export function countdown(expiresAt: number, now: number): string {
  const left = Math.floor((expiresAt - now) / 1000);
  return left <= 0 ? "expired" : duration(left);
}

/** How long since `since`, as `countdown` writes it (`0s` for a time ahead of this machine's clock). */
export function elapsed(since: number, now: number): string {
  return duration(Math.max(0, Math.floor((now - since) / 1000)));
}

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, "0")}s`;
  return `${s}s`;
}

/** `5 min ago`, `just now`, `2 h ago`, `3 d ago`. */
export function ago(ms: number, now: number): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 45) return "just now";
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}
