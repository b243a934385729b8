// How a failed check is said, the same at every edge (CLI, MCP, plugin, HTTP).
import { z } from "../kernel/zod.ts";
import { inline } from "../text/safe.ts";

/** What a value is, in words (never the value itself: it may be huge or unprintable). */
export function valueKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number") return Number.isFinite(value) ? `the number ${value}` : "a number";
  if (typeof value === "boolean") return `${value}`;
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

const EXPECTED: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "an array",
  object: "an object",
};

const unit = (origin: string) => (origin === "string" ? " characters" : origin === "array" ? " items" : "");

/**
 * Messages for the issues the core's schemas leave to zod's defaults (their own messages, such as
 * "title is empty", win), in words every edge can show: "must be at most 100000", not "Too big:
 * expected number to be <=100000". Returns undefined to keep zod's message.
 */
export function issueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined
        ? "is required"
        : `must be ${EXPECTED[issue.expected] ?? issue.expected}, not ${valueKind(issue.input)}`;
    case "invalid_value": {
      const values = issue.values.map((v) => String(v)).join(", ");
      return issue.input === undefined ? `is required: one of ${values}` : `must be one of ${values}`;
    }
    case "too_small":
      return `must be ${issue.inclusive === false ? "more than" : "at least"} ${String(issue.minimum)}${unit(issue.origin)}`;
    case "too_big":
      return `must be ${issue.inclusive === false ? "less than" : "at most"} ${String(issue.maximum)}${unit(issue.origin)}`;
    case "unrecognized_keys": {
      const keys = issue.keys.map((k) => inline(k, 40)).join(", ");
      const known = issue.inst instanceof z.ZodObject ? Object.keys(issue.inst.shape) : [];
      const takes = known.length ? `; the arguments are ${known.join(", ")}` : "";
      return `unknown argument${issue.keys.length === 1 ? "" : "s"} ${keys}${takes}`;
    }
    default:
      return undefined;
  }
}
