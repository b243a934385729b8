import { MAX_DESCRIPTION, MAX_TAGS, MAX_TITLE } from "../task/task.ts";
import { neutralizeBlock, neutralizeLine } from "../text/safe.ts";

// Imported text is made safe the way renderers make stored text safe: every control, separator and
// bidi character becomes a visible escape (so it passes input validation), lone surrogates become
// U+FFFD, and over-long text is cut. The source record keeps the original bytes.

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const whole = (text: string) => text.replace(LONE_SURROGATE, "\ufffd");

/** Cuts without splitting a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\ud800-\udbff]/.test(text[max - 1] ?? "") ? max - 1 : max;
  return text.slice(0, end);
}

/** One line: whitespace runs collapse, unsafe characters become escapes; undefined when nothing is left. */
export function cleanLine(raw: unknown, max: number): string | undefined {
  if (typeof raw !== "string" && typeof raw !== "number") return undefined;
  const flat = neutralizeLine(
    whole(String(raw))
      .replace(/[\s\u2028\u2029]+/gu, " ")
      .trim(),
  );
  const text = cut(flat, max).trim();
  return text || undefined;
}

/** A title, or `fallback` when the source has none. */
export function cleanTitle(raw: unknown, fallback: string): string {
  return cleanLine(raw, MAX_TITLE) ?? cleanLine(fallback, MAX_TITLE) ?? "(untitled)";
}

/** A multi-line text: newlines and tabs kept, other unsafe characters escaped, cut to a description's limit. */
export function cleanText(raw: unknown): string {
  if (typeof raw !== "string") return "";
  return cut(neutralizeBlock(whole(raw)), MAX_DESCRIPTION);
}

/** Tags exarp accepts: no spaces or commas (they become `-`), at most 40 characters, 32 tags, no repeats. */
export function cleanTags(raw: readonly unknown[]): string[] {
  const tags = new Set<string>();
  for (const value of raw) {
    const line = cleanLine(value, 200);
    if (!line) continue;
    const tag = cut(line.replace(/[\s,]+/g, "-"), 40).replace(/^-+|-+$/g, "");
    if (tag) tags.add(tag);
    if (tags.size === MAX_TAGS) break;
  }
  return [...tags];
}

/** Joins titled sections of text into one description, leaving out the empty ones. */
export function sections(parts: readonly [heading: string | undefined, text: unknown][]): string {
  const kept = parts.flatMap(([heading, text]) => {
    const body = typeof text === "string" ? text.trim() : "";
    if (!body) return [];
    return [heading ? `## ${heading}\n\n${body}` : body];
  });
  return cleanText(kept.join("\n\n"));
}

/** Milliseconds since the epoch from an ISO 8601 string (or `YYYY-MM-DD[ HH:MM]`, read as UTC) or a number. */
export function parseTime(raw: unknown): number | undefined {
  if (typeof raw === "number") return Number.isSafeInteger(raw) && raw > 0 ? raw : undefined;
  if (typeof raw !== "string" || !raw.trim()) return undefined;
  const text = raw.trim();
  const local = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2})?))?$/.exec(text);
  const ms = local ? Date.parse(`${local[1]}T${local[2] ?? "00:00"}Z`) : Date.parse(text);
  return Number.isFinite(ms) && ms > 0 ? Math.floor(ms) : undefined;
}

/** JSON of a record as its source held it: the value, keys in the source's order. */
export function recordJson(value: unknown): string {
  return JSON.stringify(value);
}
