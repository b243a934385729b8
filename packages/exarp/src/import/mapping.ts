import type { Mapping } from "./plan.ts";

/** Counts how source values were mapped, so the summary can print each mapping once with its count. */
export function createMappingLog() {
  const seen = new Map<string, Mapping>();
  return {
    /** Records that `from` (as the source wrote it) became `to` for `field`; returns `to`. */
    note<T extends string>(field: string, from: unknown, to: T): T {
      const shown =
        typeof from === "string" ? JSON.stringify(from) : from === undefined ? "(none)" : JSON.stringify(from);
      const key = `${field}\u0000${shown}\u0000${to}`;
      const entry = seen.get(key);
      if (entry) entry.count++;
      else seen.set(key, { field, from: shown, to, count: 1 });
      return to;
    },
    /** Every mapping, by field then source value. */
    list(): Mapping[] {
      return [...seen.values()].sort((a, b) =>
        a.field === b.field ? (a.from < b.from ? -1 : a.from > b.from ? 1 : 0) : a.field < b.field ? -1 : 1,
      );
    },
  };
}

export type MappingLog = ReturnType<typeof createMappingLog>;
