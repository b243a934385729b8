// The YAML front matter Backlog.md writes: `key: value` lines whose values are plain or quoted
// scalars, inline lists (`[a, 'b']`) or block lists (`  - a`). Anything else is refused, naming the line.

export type FrontValue = string | string[];
export type FrontMatter = { fields: Record<string, FrontValue>; body: string };

/** Splits a markdown file into its front matter and body; a string names what is wrong with it. */
export function readFrontMatter(text: string): FrontMatter | string {
  const lines = text
    .replace(/^\ufeff/, "")
    .replace(/\r\n?/g, "\n")
    .split("\n");
  if (lines[0]?.trim() !== "---") return "does not start with front matter (---)";
  const end = lines.findIndex((l, i) => i > 0 && l.trim() === "---");
  if (end < 0) return "its front matter has no closing ---";
  const fields: Record<string, FrontValue> = {};
  let listKey: string | undefined;
  for (let i = 1; i < end; i++) {
    const line = lines[i] as string;
    if (!line.trim() || line.trimStart().startsWith("#")) continue;
    const item = /^\s+-\s*(.*)$/.exec(line) ?? (listKey ? /^-\s+(.*)$/.exec(line) : null);
    if (item && listKey) {
      (fields[listKey] as string[]).push(scalar(item[1] as string));
      continue;
    }
    const pair = /^([A-Za-z_][\w-]*)\s*:(?:\s+(.*))?$/.exec(line);
    if (!pair) return `front matter line ${i + 1} is not "key: value": ${JSON.stringify(line.slice(0, 80))}`;
    const key = pair[1] as string;
    const value = (pair[2] ?? "").trim();
    listKey = undefined;
    if (value === "") {
      fields[key] = [];
      listKey = key;
    } else if (value.startsWith("[")) {
      if (!value.endsWith("]")) return `front matter line ${i + 1}: the list of ${key} is not closed`;
      fields[key] = splitInline(value.slice(1, -1)).map(scalar);
    } else fields[key] = scalar(value);
  }
  return { fields, body: lines.slice(end + 1).join("\n") };
}

function scalar(raw: string): string {
  const text = raw.trim();
  if (text.length >= 2 && text.startsWith("'") && text.endsWith("'")) return text.slice(1, -1).replace(/''/g, "'");
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    try {
      return JSON.parse(text) as string;
    } catch {
      return text.slice(1, -1);
    }
  }
  return text.replace(/\s+#.*$/, "");
}

/** Items of an inline list, commas inside quotes kept. */
function splitInline(inner: string): string[] {
  const items: string[] = [];
  let current = "";
  let quote: string | undefined;
  for (const ch of inner) {
    if (quote) {
      if (ch === quote) quote = undefined;
      current += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      current += ch;
    } else if (ch === ",") {
      items.push(current);
      current = "";
    } else current += ch;
  }
  items.push(current);
  return items.map((s) => s.trim()).filter((s) => s !== "");
}
