import type { z } from "zod";
import { InvalidInput } from "../errors-catalog.ts";
import { issueMessage } from "./issues.ts";
import { unwrapLazy } from "./zod.ts";

/** Validates input at the service boundary; failures become one InvalidInput naming each problem. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = unwrapLazy(schema).safeParse(input, { error: issueMessage });
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
  throw new InvalidInput({
    issues: fields.map(({ path, message }) => (path ? `${path}: ${message}` : message)),
    fields,
  });
}
