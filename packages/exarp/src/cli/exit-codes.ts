import { ExarpError } from "../errors.ts";
import { isSqliteError } from "../store/driver.ts";
import { UsageError } from "./command.ts";

/** Exit codes, documented in the README. */
export const EXIT = {
  ok: 0,
  /** A rule refused the command: not found, illegal move, conflict, cycle, refused. */
  domain: 1,
  /** The command line or its input is wrong: unknown option, empty title, unknown status, bad file. */
  usage: 2,
  /** The project or its database cannot be used: none found, not SQLite, corrupt, newer schema. */
  storage: 3,
  /** A bug in exarp. */
  internal: 4,
} as const;

const USAGE_ERRORS = new Set(["InvalidInput", "UsageError"]);
const STORAGE_ERRORS = new Set(["StorageError", "NoProject"]);

/** Maps an error to its exit code (translation happens once, here at the edge). */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof ExarpError) {
    if (USAGE_ERRORS.has(error.name)) return EXIT.usage;
    if (STORAGE_ERRORS.has(error.name)) return EXIT.storage;
    return EXIT.domain;
  }
  if (isSqliteError(error)) return EXIT.storage;
  return EXIT.internal;
}

/** The single line printed on stderr for an error. */
export function errorLine(error: unknown): string {
  if (error instanceof ExarpError || error instanceof UsageError) return `exarp: ${error.message}`;
  if (isSqliteError(error)) return `exarp: database error: ${(error as Error).message}`;
  return `exarp: internal error: ${error instanceof Error ? error.message : String(error)}`;
}

/** The JSON printed on stderr for an error under `--json`. */
export function errorJson(error: unknown): string {
  if (error instanceof ExarpError) return JSON.stringify({ error: error.toJSON() });
  const name = error instanceof UsageError ? "UsageError" : isSqliteError(error) ? "StorageError" : "InternalError";
  return JSON.stringify({ error: { name, message: errorLine(error).replace(/^exarp: /, ""), data: {} } });
}
