// Reading and changing single keys of a JSON or JSONC settings file that belongs to someone else
// (opencode.json, .mcp.json, Zed's settings): every other byte — comments, order, indentation —
// stays as it was.
import { applyEdits, modify, type ParseError, parse, printParseErrorCode } from "jsonc-parser";

/** `json`: comments and trailing commas are errors; `jsonc`: allowed (Zed, OpenCode). */
export type JsonFormat = "json" | "jsonc";

/** A key inside nested objects, e.g. `["mcp", "exarp"]`. */
export type KeyPath = readonly string[];

export type Parsed = { ok: true; root: Record<string, unknown> } | { ok: false; reason: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const lineOf = (text: string, offset: number) => text.slice(0, offset).split("\n").length;

/** The file's top-level object, or why it cannot be used (the reason names line and error). */
export function parseSettings(text: string, format: JsonFormat): Parsed {
  if (text.trim() === "") return { ok: false, reason: "it is empty" };
  const errors: ParseError[] = [];
  const root: unknown = parse(text, errors, {
    disallowComments: format === "json",
    allowTrailingComma: format === "jsonc",
    allowEmptyContent: false,
  });
  const first = errors[0];
  if (first)
    return {
      ok: false,
      reason: `it is not valid ${format === "json" ? "JSON" : "JSONC"} (${printParseErrorCode(first.error)} at line ${lineOf(text, first.offset)})`,
    };
  if (!isObject(root)) return { ok: false, reason: "it is not a JSON object" };
  return { ok: true, root };
}

/** The value at `path`; undefined when any step is missing. */
export function valueAt(root: Record<string, unknown>, path: KeyPath): unknown {
  let here: unknown = root;
  for (const key of path) {
    if (!isObject(here) || !Object.hasOwn(here, key)) return undefined;
    here = here[key];
  }
  return here;
}

/** Why `path` cannot be set in this file (a step on the way is not an object), or undefined. */
export function blockedAt(root: Record<string, unknown>, path: KeyPath): string | undefined {
  let here: unknown = root;
  for (const [i, key] of path.slice(0, -1).entries()) {
    if (!isObject(here)) return undefined;
    here = here[key];
    if (here !== undefined && !isObject(here)) return `its "${path.slice(0, i + 1).join(".")}" is not an object`;
  }
  return undefined;
}

/** The file's indentation (first indented line), so inserted keys look like their neighbours. */
function indentation(text: string): { insertSpaces: boolean; tabSize: number } {
  const indent = /^([ \t]+)["/]/m.exec(text)?.[1];
  if (indent?.startsWith("\t")) return { insertSpaces: false, tabSize: 1 };
  return { insertSpaces: true, tabSize: indent?.length ?? 2 };
}

/** `text` with the value at `path` replaced (undefined: removed); nothing else changes. */
export function withValue(text: string, path: KeyPath, value: unknown): string {
  const { insertSpaces, tabSize } = indentation(text);
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  return applyEdits(text, modify(text, [...path], value, { formattingOptions: { insertSpaces, tabSize, eol } }));
}

/** A new file holding just `value`, in the house indentation. */
export function newSettingsText(value: Record<string, unknown>): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Canonical JSON (sorted keys) for comparing and hashing values whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isObject(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}
