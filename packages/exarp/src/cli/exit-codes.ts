import { ExarpError } from "../errors.ts";
import { InvalidInput } from "../errors-catalog.ts";
import { isSqliteError } from "../store/driver.ts";
import { neutralizeLine, safeJson } from "../text/safe.ts";
import { UsageError } from "./command.ts";

/** Exit codes, documented in the README and `exarp help`. */
export const EXIT = {
  ok: 0,
  /** A rule refused the command: not found, illegal move, conflict, cycle, lease held, approval missing. */
  domain: 1,
  /** The command line or its input is wrong: unknown option, empty title, unknown status, bad file. */
  usage: 2,
  /** The project or its database cannot be used: none found, not SQLite, damaged, newer schema, disk full. */
  storage: 3,
  /** A bug in exarp. */
  internal: 4,
  /** Another process is writing and the wait ran out, or the database server is unreachable: nothing changed, retry. */
  busy: 5,
} as const;

const USAGE_ERRORS = new Set(["InvalidInput", "UsageError"]);
const STORAGE_ERRORS = new Set(["StorageError", "NoProject", "DiskFull"]);

/** Maps an error to its exit code (translation happens once, here at the edge). */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof ExarpError) {
    if (error.name === "Busy" || error.name === "Unavailable") return EXIT.busy;
    if (USAGE_ERRORS.has(error.name)) return EXIT.usage;
    if (STORAGE_ERRORS.has(error.name)) return EXIT.storage;
    return EXIT.domain;
  }
  if (isSqliteError(error)) return EXIT.storage;
  return EXIT.internal;
}

/** How a command names service fields: `ttlMs` → `--ttl`, `taskId` → `ID`. */
export type FieldNames = Readonly<Record<string, string>>;

/** Field names every command shares; a command's own map takes precedence. */
export const COMMON_FIELDS: FieldNames = {
  id: "ID",
  taskId: "ID",
  blockerId: "BLOCKER",
  body: "TEXT",
  ttlMs: "--ttl",
  timeoutMs: "--wait",
  expectedVersion: "--expect-version",
  lease: "--lease",
  title: "--title",
  description: "--description",
  priority: "--priority",
  estimate: "--estimate",
  assignee: "--assignee",
  parentId: "--parent",
  tags: "--tag",
  dependsOn: "--depends-on",
  reason: "--reason",
  note: "--note",
  budget: "--budget",
  role: "--role",
  cap: "--cap",
  limit: "--limit",
  after: "--after",
  text: "--text",
  seq: "SEQ",
  can: "--can",
  status: "--status",
};

/** The message of an error, with input problems named the way the command line names them. */
function message(error: unknown, fields: FieldNames): string {
  if (InvalidInput.is(error) && error.data.fields?.length) {
    const named = error.data.fields.map(({ path, message }) => {
      const field = path.split(".")[0] ?? "";
      const name = fields[field] ?? COMMON_FIELDS[field] ?? path;
      return name ? `${name}: ${message}` : message;
    });
    return `invalid input: ${named.join("; ")}`;
  }
  if (error instanceof ExarpError || error instanceof UsageError) return error.message;
  if (isSqliteError(error)) return `database error: ${(error as Error).message}`;
  return `internal error: ${error instanceof Error ? error.message : String(error)}`;
}

/** The single line printed on stderr for an error (never a stack, never a raw control character). */
export function errorLine(error: unknown, fields: FieldNames = {}): string {
  return `exarp: ${neutralizeLine(message(error, fields))}`;
}

/** The JSON printed on stderr for an error under `--json`: `{ "error": { name, message, data } }`. */
export function errorJson(error: unknown, fields: FieldNames = {}): string {
  const name =
    error instanceof ExarpError
      ? error.name
      : error instanceof UsageError
        ? "UsageError"
        : isSqliteError(error)
          ? "StorageError"
          : "InternalError";
  const data = error instanceof ExarpError ? error.data : {};
  return safeJson({ error: { name, message: message(error, fields), data } });
}
