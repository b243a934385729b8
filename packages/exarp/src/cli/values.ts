import { Priority, Status } from "../task/task.ts";
import { type CliValues, list, str, UsageError } from "./command.ts";

/** A status as people type it: `in-progress`, `In_Progress` and `inprogress` all mean in_progress. */
export function parseStatus(raw: string): Status {
  const name = raw.toLowerCase().replace(/[-\s]/g, "_");
  const parsed = Status.safeParse(name === "inprogress" ? "in_progress" : name);
  if (!parsed.success)
    throw new UsageError(`unknown status ${JSON.stringify(raw)}; use one of ${Status.options.join(", ")}`);
  return parsed.data;
}

export function parsePriority(raw: string): Priority {
  const parsed = Priority.safeParse(raw.toLowerCase());
  if (!parsed.success)
    throw new UsageError(`unknown priority ${JSON.stringify(raw)}; use one of ${Priority.options.join(", ")}`);
  return parsed.data;
}

/** `--status` (repeatable, comma-separated). */
export function statuses(values: CliValues, key = "status"): Status[] | undefined {
  return list(values, key)?.map(parseStatus);
}

/** `--priority` where several may be given (filters). */
export function priorities(values: CliValues): Priority[] | undefined {
  return list(values, "priority")?.map(parsePriority);
}

/** `--priority`, a single value (fields). */
export function priority(values: CliValues): Priority | undefined {
  const raw = str(values, "priority");
  return raw === undefined ? undefined : parsePriority(raw);
}
