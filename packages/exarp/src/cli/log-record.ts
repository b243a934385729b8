import type { Level } from "../log/severity.ts";
import { elapsedMs } from "../log/time.ts";
import { EXIT } from "./exit-codes.ts";

/**
 * The record of one command line: its name, exit code and duration; at ERROR when it failed, with
 * the error's name and message (and its stack for a bug). The logger scrubs them of secrets.
 */
export function commandRecord(
  command: string,
  code: number,
  started: number,
  error: unknown,
): [Level, string, Record<string, unknown>] {
  const attributes: Record<string, unknown> = {
    "exarp.command": command,
    "process.exit.code": code,
    "exarp.duration_ms": elapsedMs(started),
  };
  if (error === undefined) return [code === EXIT.ok ? "info" : "warn", `exarp ${command}: exit ${code}`, attributes];
  const failure = error instanceof Error ? error : new Error(String(error));
  attributes["exception.type"] = failure.name;
  attributes["exception.message"] = failure.message;
  if (code === EXIT.internal && failure.stack) attributes["exception.stacktrace"] = failure.stack;
  return ["error", `exarp ${command}: ${failure.message}`, attributes];
}
