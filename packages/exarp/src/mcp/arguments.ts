// Checking a tool call's `arguments` and saying what is wrong in words a model can act on: each
// problem as `path: what to change`, never a raw zod dump. Argument problems are tool results
// (`isError`), as the MCP specification asks, so the model sees them and can correct the call.

import { issueMessage, valueKind } from "../kernel/issues.ts";
import type { z } from "../kernel/zod.ts";
import { inline } from "../text/safe.ts";

/** Largest `arguments` object accepted, as JSON (a description may be 64,000 characters). */
export const MAX_ARGUMENTS_CHARS = 256_000;

/** Problems listed in one answer; the rest are counted. */
const MAX_PROBLEMS = 8;

/** The fields one action of a tool takes; `required` ones must be given. */
export type ActionSpec<Field extends string = string> = { fields: readonly Field[]; required?: readonly Field[] };

/** Bad arguments a tool's handler found (a combination the schema cannot express). */
export class BadArguments extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join("; "));
    this.name = "BadArguments";
    this.problems = problems;
  }
}

/** Throw from a handler: the call is answered as invalid arguments, like a schema failure. */
export function badArguments(problem: string): BadArguments {
  return new BadArguments([problem]);
}

/** The one text of every argument failure: `tool: invalid arguments: a; b`. */
export function argumentsText(tool: string, problems: readonly string[]): string {
  const shown = problems.slice(0, MAX_PROBLEMS);
  const more = problems.length > shown.length ? `; and ${problems.length - shown.length} more` : "";
  return `${tool}: invalid arguments: ${shown.join("; ")}${more}`;
}

export type Checked = { args: Record<string, unknown> } | { problems: string[] };

/** Validates `raw` (anything a client sent) against the tool's schema and its action's fields. */
export function checkArguments(
  input: z.ZodObject,
  actions: Record<string, ActionSpec> | undefined,
  raw: unknown,
): Checked {
  if (raw === undefined) raw = {};
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    return { problems: [`arguments must be an object of named values, not ${valueKind(raw)}`] };
  if (JSON.stringify(raw).length > MAX_ARGUMENTS_CHARS)
    return { problems: [`arguments are longer than ${MAX_ARGUMENTS_CHARS} characters as JSON`] };
  const parsed = input.safeParse(raw, { error: issueMessage });
  if (!parsed.success) return { problems: describeIssues(parsed.error.issues) };
  const args = parsed.data as Record<string, unknown>;
  const problems = actions ? actionProblems(actions, args) : [];
  return problems.length ? { problems } : { args };
}

function actionProblems(actions: Record<string, ActionSpec>, args: Record<string, unknown>): string[] {
  const action = args.action as string;
  const spec = actions[action] as ActionSpec;
  const given = Object.keys(args).filter((k) => k !== "action" && k !== "as" && args[k] !== undefined);
  const stray = given.filter((k) => !spec.fields.includes(k));
  if (stray.length) {
    const takes = spec.fields.length ? `it takes ${spec.fields.join(", ")}` : "it takes no other fields";
    return [`action ${action} does not take ${stray.join(", ")}; ${takes}`];
  }
  const missing = (spec.required ?? []).filter((k) => args[k] === undefined);
  return missing.length ? [`action ${action} needs ${missing.join(", ")}`] : [];
}

/** Each issue once, as `path: message`; a safe-integer bound is dropped when the field has a real one. */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const at = (issue: z.core.$ZodIssue) => issue.path.map(String).join(".");
  const kept = issues.filter(
    (issue) => !(isSafeIntegerBound(issue) && issues.some((other) => other !== issue && at(other) === at(issue))),
  );
  const lines = kept.map((issue) => {
    const path = inline(at(issue), 60);
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  return [...new Set(lines)];
}

function isSafeIntegerBound(issue: z.core.$ZodIssue): boolean {
  return (
    (issue.code === "too_big" && issue.maximum === Number.MAX_SAFE_INTEGER) ||
    (issue.code === "too_small" && issue.minimum === Number.MIN_SAFE_INTEGER)
  );
}
