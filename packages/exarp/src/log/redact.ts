// The one scrubber every log record passes through: its body and every attribute, at any depth.
// It errs towards hiding too much. Every pattern has bounded repetitions, so a hostile string costs
// time in proportion to its length.

/** What stands where a secret was. */
export const REDACTED = "[REDACTED]";

/** The longest string kept in a record (after scrubbing, so a cut never leaves part of a secret). */
export const MAX_STRING = 8192;
/** Deeper values, and array items past the limit, are left out. */
const MAX_DEPTH = 8;
const MAX_ITEMS = 100;

/**
 * Where secrets stand: each pattern's group `s` is the secret. A pattern is tried at every position
 * of the text (a lookahead), so one match running into the next secret never hides that secret's
 * own keyword; every range found is then replaced.
 */
const PATTERNS: readonly RegExp[] = [
  // exarp token secrets (src/token/secret.ts: `exarp_` and 43 base64url characters), also cut short
  // or run into other text (up to 256 characters of the run; a secret further on matches on its own).
  /exarp_(?<s>[A-Za-z0-9_-]{30,256})/,
  // The dashboard's session cookie (`exarp_session_PORT=ID`), wherever it is written.
  /exarp_session_\d{0,5}=(?<s>[^\s;,]+)/,
  // An Authorization or Cookie header, as a header line or in printed JSON: the rest of the line.
  /(?:authorization|cookie)["']?\s*[:=]\s*(?<s>[^\r\n]+)/i,
  // Credentials of an HTTP authentication scheme, wherever they stand.
  /bearer\s+(?<s>[A-Za-z0-9._~+/=-]+)/i,
  /basic\s+(?<s>[A-Za-z0-9+/]{8,}={0,2})/i,
  // A URL's password (`postgres://user:PASSWORD@host`), up to its last `@` (a password may hold one).
  /[a-z][a-z0-9+.-]{0,30}:\/\/[^\s:@/?#]{0,256}:(?<s>[^\s]{0,1024})@/i,
  // `password=…`, `PGPASSWORD=…`, `?token=…`, libpq's `password=…`: the value after `=`.
  /(?:passw(?:or)?d|pwd|secret|token|api[_-]?key)\s*=\s*(?<s>"[^"]{0,1024}"|'[^']{0,1024}'|[^\s&;,]+)/i,
  // The same names as quoted keys of JSON printed into a string: `"password":"…"`.
  /(?:passw(?:or)?d|pwd|secret|token|api[_-]?key)[^"\n]{0,40}"\s*:\s*(?<s>"(?:[^"\\\n]|\\.){0,4096}"?)/i,
].map((pattern) => new RegExp(`(?=${pattern.source})`, `gd${pattern.flags}`));

/** A longer string is cut to this before it is scrubbed (what is kept of it is cut far shorter). */
const MAX_SCRUBBED = 2 * MAX_STRING;
/** After a cut, this much of the scrubbed end is dropped too: it may hold the first part of a secret the cut split. */
const CUT_MARGIN = 2048;

/** The ranges of `text` that hold secrets, merged, in order. */
function secretRanges(text: string): [number, number][] {
  const found: [number, number][] = [];
  for (const pattern of PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      const range = match.indices?.groups?.s;
      if (range && range[1] > range[0]) found.push(range);
    }
  }
  found.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [start, end] of found) {
    const last = merged[merged.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/** The words of a key that make its value secret, wherever they stand in it (`dbPassword`, `X-Auth-Token`). */
const SECRET_WORDS = new Set([
  "secret",
  "secrets",
  "token",
  "tokens",
  "password",
  "passwd",
  "pwd",
  "passphrase",
  "authorization",
  "cookie",
  "cookies",
  "credential",
  "credentials",
  "apikey",
  "bearer",
]);
/** A key ending in one of these words names something about a secret, not the secret (`tokenId`, `token.scope`). */
const HARMLESS_LAST_WORDS = new Set(["id", "ids", "name", "names", "scope", "count", "kind", "type", "expires", "at"]);

/** The words of a key: split at `.`, `_`, `-`, spaces and camelCase humps, lowercased. */
function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .replace(/api[\s_.-]+key/g, "apikey")
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== "");
}

/** True for a key whose value never reaches a record (`password`, `authToken`, `Cookie`), but not `tokenId`. */
export function isSecretKey(key: string): boolean {
  const words = keyWords(key);
  const last = words[words.length - 1];
  return words.some((word) => SECRET_WORDS.has(word)) && !(last !== undefined && HARMLESS_LAST_WORDS.has(last));
}

/** A string with every secret the patterns know replaced, then cut to MAX_STRING characters. */
export function scrubText(text: string): string {
  const cut = text.length > MAX_SCRUBBED;
  const kept = cut ? text.slice(0, MAX_SCRUBBED) : text;
  let out = "";
  let at = 0;
  for (const [start, end] of secretRanges(kept)) {
    out += `${kept.slice(at, start)}${REDACTED}`;
    at = end;
  }
  out += kept.slice(at);
  if (cut) out = out.slice(0, out.length - CUT_MARGIN);
  return cut || out.length > MAX_STRING ? `${out.slice(0, MAX_STRING)}…` : out;
}

/**
 * Any value made safe for a record: strings scrubbed (keys too), values under secret keys replaced,
 * errors as their name and message, what JSON cannot carry as text, cycles and depth cut off.
 */
export function redact(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === "string") return scrubText(value);
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "boolean" || value === null || value === undefined) return value ?? null;
  if (typeof value === "bigint") return value.toString();
  if (typeof value !== "object") return scrubText(String(value));
  if (value instanceof Error) return scrubText(`${value.name}: ${value.message}`);
  if (seen.has(value) || depth >= MAX_DEPTH) return "[…]";
  seen.add(value);
  if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map((item) => redact(item, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[scrubText(key)] = isSecretKey(key) ? REDACTED : redact(item, depth + 1, seen);
  }
  return out;
}
