import { ExarpError } from "../../src/errors.ts";

/** Runs `fn`, which must fail with an ExarpError, and returns that error (any other throw propagates). */
export function failure(fn: () => unknown): ExarpError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ExarpError) return error;
    throw error;
  }
  throw new Error("expected a failure");
}

/** Polls `condition` every 2 ms until it holds; throws after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** One task line of an export file, with defaults for every field. */
export function exportTaskLine(id: string, status: string, dependsOn: string[], extra: object = {}): string {
  return JSON.stringify({
    kind: "task",
    id,
    title: id,
    description: "",
    status,
    priority: "medium",
    tags: [],
    parentId: null,
    estimate: null,
    assignee: null,
    createdAt: 1,
    updatedAt: 1,
    version: 1,
    dependsOn,
    ...extra,
  });
}
