import { PRIORITIES, type Priority, STATUSES, type Status } from "../task/task.ts";
import { type CliValues, list, str, UsageError } from "./command.ts";

const isStatus = (name: string): name is Status => (STATUSES as readonly string[]).includes(name);
const isPriority = (name: string): name is Priority => (PRIORITIES as readonly string[]).includes(name);

/** A status as people type it: `in-progress`, `In_Progress` and `inprogress` all mean in_progress. */
export function parseStatus(raw: string): Status {
  const name = raw.toLowerCase().replace(/[-\s]/g, "_");
  const status = name === "inprogress" ? "in_progress" : name;
  if (!isStatus(status))
    throw new UsageError(`unknown status ${JSON.stringify(raw)}; use one of ${STATUSES.join(", ")}`);
  return status;
}

export function parsePriority(raw: string): Priority {
  const name = raw.toLowerCase();
  if (!isPriority(name))
    throw new UsageError(`unknown priority ${JSON.stringify(raw)}; use one of ${PRIORITIES.join(", ")}`);
  return name;
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
