import type { Exarp } from "../app/exarp.ts";
import type { Actor } from "../identity/identity.ts";
import type { Logger } from "../log/logger.ts";

/** A command-line option, in `node:util` parseArgs terms plus help text. */
export type CliOption = {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  /** Shown in help: what the option does. */
  help: string;
  /** Placeholder for the value in help, e.g. `ID`. */
  value?: string;
  /** An empty value means something (`--description ""` clears it); otherwise it is refused. */
  allowEmpty?: boolean;
};

export type CliValues = Record<string, string | boolean | string[] | undefined>;

/** What a command may change about how the project is opened. */
export type OpenOverrides = {
  busyTimeoutMs?: number;
  /** Decides the identity from `--as`/`--session` (undefined when not given) and the environment's. */
  actor?: (given: { name?: string; session?: string }, fromEnv: Actor) => Actor;
};

/** What a command gets: its arguments and lazy access to the project. */
export type CliContext = {
  args: string[];
  values: CliValues;
  json: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /**
   * Opens the project found from the working folder (once), acting as `--as`/`--session` or the
   * environment's identity. Long-lived commands pass overrides (a short busy timeout, their own
   * default identity); the first call decides.
   */
  exarp(overrides?: OpenOverrides): Exarp;
  /** Creates (or opens) the project where `exarp init` puts it, acting like `exarp()`. */
  initExarp(): Exarp;
  /** The working folder (`-C DIR`, else the current one), checked to exist. */
  start(): string;
  /** The project root (without opening the database). */
  root(): string;
  readStdin(): Promise<string>;
  /** Writes progress or secondary text to stderr (kept out of stdout and `--json`). */
  note(text: string): void;
  /** Structured records (`EXARP_LOG`), for long-lived commands to hand to their servers; off by default. */
  logger: Logger;
};

/** What a command returns: data for `--json` (always an object), text for people. */
export type CliResult = {
  data: Record<string, unknown>;
  text: string;
  /** Print `text` as-is even under `--json` (export already writes JSONL). */
  raw?: boolean;
  /** Non-zero when the command ran but found a problem (doctor). */
  exitCode?: number;
  /** Print nothing: the command owned stdout (`exarp mcp`, whose stdout is the protocol). */
  silent?: boolean;
};

export type CliCommand = {
  name: string;
  /** One line for the command list and the README reference. */
  summary: string;
  /** Arguments after the name, e.g. `ID [ID…]`. */
  usage: string;
  options?: Record<string, CliOption>;
  /** Minimum and maximum number of positional arguments. */
  arity: [number, number];
  /** Extra lines of help (examples). */
  examples?: string[];
  /** How this command names the service fields its input maps to (`{ taskId: "ID" }`), for errors. */
  fields?: Record<string, string>;
  /**
   * True when the command only reads (for these values and arguments): it then runs without loading
   * the validation library, which every command that writes or checks input with a schema loads.
   */
  readOnly?: boolean | ((values: CliValues, args: string[]) => boolean);
  /**
   * True when the command loads the validation library itself, before the first input it checks
   * (`exarp mcp`: at its first tool call), so it starts without it like a read.
   */
  loadsZodItself?: boolean;
  /** The command's code, loaded only when it runs (help and `--version` load none). */
  load(): Promise<CliRun>;
};

/** What a command does when it runs. */
export type CliRun = (ctx: CliContext) => CliResult | Promise<CliResult>;

/** Raised for bad command lines; exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Reads a string option; undefined when absent. */
export function str(values: CliValues, key: string): string | undefined {
  const v = values[key];
  return typeof v === "string" ? v : undefined;
}

/** Reads a repeatable option, also splitting comma-separated values: `--tag a,b --tag c`. */
export function list(values: CliValues, key: string): string[] | undefined {
  const v = values[key];
  if (v === undefined || typeof v === "boolean") return undefined;
  const items = (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(",")).map((x) => x.trim());
  if (items.some((x) => x === "")) throw new UsageError(`--${key} has an empty item`);
  return items;
}

/** Parses an integer option, refusing anything else with a usage error. */
export function int(values: CliValues, key: string): number | undefined {
  const v = str(values, key);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(Number(v)))
    throw new UsageError(`--${key} must be a whole number, not ${JSON.stringify(v)}`);
  return Number(v);
}
