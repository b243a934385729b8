// Terminal- and prompt-safe text. Input: single-line fields refuse control and bidi characters;
// multi-line fields keep only newlines and tabs. Output: whatever still reaches a renderer (old or
// imported data) is neutralised into visible escapes, so no field can colour, retitle, clear or
// reorder a terminal, or forge an extra line.

/**
 * Never allowed in a single-line field: C0 controls, DEL, C1 controls, the line and paragraph
 * separators, and the bidi embedding/override (U+202A–U+202E) and isolate (U+2066–U+2069)
 * controls. Joiners (U+200C, U+200D) and marks (U+200E, U+200F, U+061C) that emoji and
 * right-to-left scripts need are kept.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this module's job
const UNSAFE_SINGLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** The same, except tab and newline (multi-line fields: descriptions, comments, reasons). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this module's job
const UNSAFE_MULTI = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

const UNSAFE_SINGLE_ALL = new RegExp(UNSAFE_SINGLE.source, "gu");
const UNSAFE_MULTI_ALL = new RegExp(UNSAFE_MULTI.source, "gu");

/** `U+001B` for a character, as error messages name it. */
export function codePoint(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/** The first character a field may not hold, with its position; undefined when the text is clean. */
export function firstUnsafe(text: string, multiline: boolean): { char: string; index: number } | undefined {
  const match = (multiline ? UNSAFE_MULTI : UNSAFE_SINGLE).exec(text);
  return match ? { char: match[0], index: match.index } : undefined;
}

/** Why a field is refused, naming the character: `contains a control character (U+001B at 4)`. */
export function unsafeReason(text: string, multiline: boolean): string | undefined {
  // A lone surrogate is not text: SQLite would store it as U+FFFD, so what was hashed would not be what was kept.
  const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.exec(text);
  if (lone)
    return `contains an unpaired surrogate (${codePoint(lone[0])} at ${lone.index + 1}): it is not valid Unicode`;
  const bad = firstUnsafe(text, multiline);
  if (!bad) return undefined;
  const kind = /[\u202a-\u202e\u2066-\u2069]/u.test(bad.char)
    ? "a bidirectional control character"
    : bad.char === "\n" || bad.char === "\r" || bad.char === "\u2028" || bad.char === "\u2029"
      ? "a line break"
      : "a control character";
  return `contains ${kind} (${codePoint(bad.char)} at ${bad.index + 1})`;
}

/** Windows line ends become `\n`, so pasted text is not refused for its line ends alone. */
export function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

const visible = (char: string) => {
  const code = char.codePointAt(0) ?? 0;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
};

/** Text for one line of output: every control, separator and bidi character becomes a visible escape. */
export function neutralizeLine(text: string): string {
  return text.replace(UNSAFE_SINGLE_ALL, visible);
}

/** Text for a block of output: newlines and tabs stay; every other unsafe character becomes a visible escape. */
export function neutralizeBlock(text: string): string {
  return normalizeNewlines(text).replace(UNSAFE_MULTI_ALL, visible);
}

/** One line of at most `max` characters: whitespace runs (newlines included) collapse, the rest is neutralised. */
export function inline(text: string, max = Number.POSITIVE_INFINITY): string {
  const flat = text.replace(/[\s\u2028\u2029]+/gu, " ").trim();
  const cut = flat.length > max ? `${flat.slice(0, Math.max(0, max - 1))}…` : flat;
  return neutralizeLine(cut);
}

/**
 * JSON that prints safely: the same value as `JSON.stringify`, with C1 controls, DEL, separators
 * and bidi controls written as `\u` escapes too (JSON.stringify leaves them raw).
 */
export function safeJson(value: unknown, indent?: number): string {
  return (JSON.stringify(value, null, indent) ?? "null").replace(
    /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu,
    (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`,
  );
}
