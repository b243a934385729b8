import type { z } from "zod";
import { InvalidInput } from "../errors-catalog.ts";

/** Validates input at the service boundary; failures become one InvalidInput naming each problem. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new InvalidInput({
    issues: parsed.error.issues.map((issue) => {
      const path = issue.path.join(".");
      return path ? `${path}: ${issue.message}` : issue.message;
    }),
  });
}
