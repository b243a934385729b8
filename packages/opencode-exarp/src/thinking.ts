/** The part of a task that says it deserves more thinking. */
export type TaskWeight = { priority: string; tags: readonly string[] };

/** True for critical tasks and tasks tagged `complex` or `critical`. */
export function isHeavy(task: TaskWeight | undefined): boolean {
  return (
    task !== undefined &&
    (task.priority === "critical" || task.tags.includes("complex") || task.tags.includes("critical"))
  );
}

/**
 * Provider options that raise reasoning effort, for the AI SDK packages whose option shape is known;
 * undefined for any other provider (its params are left alone) or a model without reasoning.
 */
export function thinkingOptions(
  npm: string | undefined,
  reasoning: boolean | undefined,
): Record<string, unknown> | undefined {
  if (!reasoning) return undefined;
  switch (npm) {
    case "@ai-sdk/anthropic":
      return { thinking: { type: "enabled", budgetTokens: 16_000 } };
    case "@ai-sdk/openai":
      return { reasoningEffort: "high" };
    case "@ai-sdk/google":
      return { thinkingConfig: { thinkingBudget: 16_384 } };
    default:
      return undefined;
  }
}
