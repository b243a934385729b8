import { InvalidInput } from "../errors-catalog.ts";
import { inline } from "../text/safe.ts";

const MAX_NAMED = 20;

/**
 * Collects what makes a source malformed, each problem naming its record (where it is and its id);
 * `check` refuses the whole source when there is any, so a bad file never half-imports.
 */
export function createBadRecords(system: string) {
  const problems: string[] = [];
  return {
    /** `where`: `line 3`, `task 2 of tag "master"`, `backlog/tasks/task-1 - x.md`; `id` when the record has one. */
    add(where: string, id: unknown, message: string): void {
      const named = typeof id === "string" || typeof id === "number" ? ` (id ${inline(String(id), 80)})` : "";
      problems.push(`${where}${named}: ${message}`);
    },
    get count(): number {
      return problems.length;
    },
    /** Throws InvalidInput naming every problem (the first 20, then how many more). */
    check(): void {
      if (!problems.length) return;
      const shown = problems.slice(0, MAX_NAMED);
      if (problems.length > MAX_NAMED) shown.push(`… and ${problems.length - MAX_NAMED} more`);
      throw new InvalidInput({ issues: [`${system}: malformed input, nothing imported`, ...shown] });
    },
  };
}

export type BadRecords = ReturnType<typeof createBadRecords>;

/** True for a plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What a value is, for messages: `a string`, `an array`, `null`. */
export function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
