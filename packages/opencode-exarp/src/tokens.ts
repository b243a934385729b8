/** Token counts of an assistant step as OpenCode reports them on `message.updated`. */
export type StepTokens = {
  total?: number;
  input: number;
  output: number;
  reasoning?: number;
  cache: { read: number; write: number };
};

/** Tokens in the context after a step: the total when given, else input + output + cache. */
export function usedTokens(t: StepTokens): number {
  return t.total || t.input + t.output + t.cache.read + t.cache.write;
}

/** Where OpenCode 1.18 compacts on its own: context − min(output limit, 32000) (not 80 %). */
export function opencodeTrigger(limit: { context: number; output: number }): number {
  return Math.max(0, limit.context - Math.min(limit.output, 32_000));
}

/**
 * Whether the plugin should ask for a compaction now: past `ratio` of the context, but below the point
 * where OpenCode compacts by itself (so the two never race), and not while one is running. Unknown
 * limits give "no": the plugin never guesses a context size.
 */
export function shouldCompact(
  used: number | undefined,
  limit: { context: number; output: number } | undefined,
  ratio: number,
  compacting: boolean,
): boolean {
  if (!ratio || used === undefined || !limit || limit.context <= 0 || compacting) return false;
  return used >= ratio * limit.context && used < opencodeTrigger(limit);
}
