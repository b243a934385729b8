// Terminal-safe text, as properties over any string (fast-check's full unicode, lone surrogates included).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { inline, neutralizeBlock, neutralizeLine, safeJson, unsafeReason } from "./safe.ts";

// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for raw control characters is the point
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
const anyText = fc.string({ unit: "binary", maxLength: 200 });
const hostile = fc.oneof(
  anyText,
  fc
    .array(
      fc.constantFrom("\u001b[31m", "\u009b", "\n", "\r", "\u202e", "\u2066", "\u2028", "\ud800", "é", "👩‍💻", "a"),
      {
        maxLength: 20,
      },
    )
    .map((parts) => parts.join("")),
);

describe("terminal-safe text", () => {
  it("a neutralised line holds no control, separator or bidi character and no line break", () => {
    fc.assert(
      fc.property(hostile, (text) => {
        expect(neutralizeLine(text)).not.toMatch(RAW);
        expect(neutralizeLine(text)).not.toMatch(/[\n\t]/);
        expect(inline(text, 40)).not.toMatch(/[\n\t\r]/);
        expect(inline(text, 40).length).toBeLessThanOrEqual(40 * 6);
      }),
    );
  });

  it("a neutralised block keeps its lines and nothing else that acts on a terminal", () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const out = neutralizeBlock(text);
        expect(out).not.toMatch(RAW);
        expect(out.split("\n").length).toBe(text.replace(/\r\n?/g, "\n").split("\n").length);
      }),
    );
  });

  it("safe JSON is the same value, and prints nothing raw", () => {
    fc.assert(
      fc.property(fc.dictionary(hostile, hostile), (value) => {
        const out = safeJson(value);
        expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(value)));
        expect(out).not.toMatch(RAW);
      }),
    );
  });

  it("accepts a one-line field only when it is clean, well-formed text; keeps emoji and right-to-left marks", () => {
    fc.assert(
      fc.property(hostile, (text) => {
        if (unsafeReason(text, false) !== undefined) return;
        expect(text).not.toMatch(RAW);
        expect(text).not.toMatch(/\n/);
        expect(Buffer.from(text, "utf8").toString("utf8")).toBe(text);
      }),
    );
    for (const kept of ["👩‍💻 pair", "שלום\u200f עולם", "zero\u200cwidth", "café"])
      expect(unsafeReason(kept, false)).toBeUndefined();
    expect(unsafeReason("a\ud800", false)).toMatch(/unpaired surrogate \(U\+D800 at 2\)/);
    expect(unsafeReason("two\nlines", true)).toBeUndefined();
    expect(unsafeReason("two\nlines", false)).toMatch(/line break/);
  });
});
