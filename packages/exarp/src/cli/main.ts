import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Exarp } from "../app/exarp.ts";
import { loadZod } from "../kernel/zod.ts";
import type { Logger } from "../log/logger.ts";
import { NO_LOGGER } from "../log/none.ts";
import { checkFolder, initRoot, requireProjectRoot } from "../project/root.ts";
import { neutralizeBlock, neutralizeLine, safeJson } from "../text/safe.ts";
import { VERSION } from "../version.ts";
import {
  type CliCommand,
  type CliContext,
  type CliOption,
  type CliValues,
  type OpenOverrides,
  str,
  UsageError,
} from "./command.ts";
import { EXIT, errorJson, errorLine, exitCodeFor } from "./exit-codes.ts";
import { commandHelp, commandsJson, globalOptions, markdownReference, overview } from "./help.ts";
import { findCommand } from "./registry.ts";

/** Where the CLI reads and writes; tests pass their own. */
export type CliIo = {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdin: () => Promise<string>;
};

/** What one command line did, for its log record. */
type Outcome = { command?: string; error?: unknown };

/**
 * Runs one exarp command line and returns its exit code. With `EXARP_LOG` set, it writes one record
 * for it: the command's name (never its arguments), exit code and duration; at ERROR when it failed.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  if (!io.env.EXARP_LOG) return runCommand(argv, io, NO_LOGGER, {});
  const started = performance.now();
  const warn = (message: string) => io.stderr(`exarp: warning: ${neutralizeLine(message)}\n`);
  const { openLogger } = await import("../log/open.ts");
  const logger = openLogger(io.env, { scope: "exarp.cli", cwd: io.cwd, warn });
  const outcome: Outcome = {};
  const code = await runCommand(argv, io, logger, outcome);
  const { commandRecord } = await import("./log-record.ts");
  logger.emit(...commandRecord(outcome.command ?? "help", code, started, outcome.error));
  logger.close();
  return code;
}

async function runCommand(argv: string[], io: CliIo, logger: Logger, outcome: Outcome): Promise<number> {
  // After `--` every word is an argument: `--json` there is a title, not the option.
  const end = argv.indexOf("--");
  const wantsJson = argv.slice(0, end < 0 ? undefined : end).includes("--json");
  let exarp: Exarp | undefined;
  let command: CliCommand | undefined;
  try {
    const at = commandIndex(argv);
    const name = at === undefined ? undefined : argv[at];
    if (!name || name === "help") return help(argv, at, io, wantsJson);
    command = findCommand(name);
    // An unknown word is not recorded: it may be anything, a secret pasted in the wrong place.
    outcome.command = command?.name ?? "(unknown)";
    if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}; see \`exarp help\``);
    const { values, positionals } = parse(
      command,
      argv.filter((_, i) => i !== at),
    );
    // `--json` answers in JSON even when asking for help: the same object `exarp help NAME --json` prints.
    if (values.help) return print(io, values.json ? safeJson(commandsJson(command), 2) : commandHelp(command));
    checkArity(command, positionals);
    // The core and the command's code load only now: help and `--version` never pay for them.
    const readOnly =
      typeof command.readOnly === "function" ? command.readOnly(values, positionals) : command.readOnly === true;
    const needsZod = !readOnly && command.loadsZodItself !== true;
    const [app, run] = await Promise.all([import("./app.ts"), command.load(), needsZod ? loadZod() : undefined]);
    const open = (create: boolean, overrides: OpenOverrides = {}) => {
      if (exarp) return exarp;
      const given = identity(values, app);
      const fromEnv = app.actorFromEnv(io.env);
      const actor = overrides.actor
        ? overrides.actor(given, fromEnv)
        : { name: given.name ?? fromEnv.name, session: given.session ?? fromEnv.session };
      const warn = (message: string) => io.stderr(`exarp: warning: ${neutralizeLine(message)}\n`);
      const root = create ? initRoot(start(values, io), io.env) : rootOf(values, io);
      const options = { warn, actor, env: io.env, busyTimeoutMs: overrides.busyTimeoutMs };
      exarp = (create ? app.initProject : app.openProject)(root, options);
      return exarp;
    };
    const ctx: CliContext = {
      args: positionals,
      values,
      json: values.json === true,
      cwd: io.cwd,
      env: io.env,
      exarp: (overrides) => open(false, overrides),
      initExarp: () => open(true),
      start: () => start(values, io),
      root: () => rootOf(values, io),
      readStdin: io.stdin,
      note: (text) => io.stderr(`${neutralizeBlock(text)}\n`),
      logger,
    };
    const result = await run(ctx);
    if (result.silent) return result.exitCode ?? EXIT.ok;
    if (result.raw || !values.json) io.stdout(`${neutralizeBlock(result.text)}\n`);
    else io.stdout(`${safeJson(result.data, 2)}\n`);
    return result.exitCode ?? EXIT.ok;
  } catch (error) {
    outcome.error = error;
    const fields = command?.fields ?? {};
    io.stderr(`${wantsJson ? errorJson(error, fields) : errorLine(error, fields)}\n`);
    return exitCodeFor(error);
  } finally {
    exarp?.close();
  }
}

/** `exarp`, `exarp help [COMMAND]`, `--version`, `--markdown` (the README table), `--json` (for tools). */
function help(argv: string[], at: number | undefined, io: CliIo, json: boolean): number {
  const topic = at === undefined ? undefined : argv.slice(at + 1).find((a) => !a.startsWith("-"));
  if (argv.includes("--markdown")) return print(io, markdownReference());
  const command = topic ? findCommand(topic) : undefined;
  if (topic && !command) throw new UsageError(`unknown command ${JSON.stringify(topic)}; see \`exarp help\``);
  if (argv.includes("--version")) return print(io, json ? safeJson({ version: VERSION }, 2) : VERSION);
  if (json) return print(io, safeJson(commandsJson(command), 2));
  return print(io, command ? commandHelp(command) : overview());
}

/** Where the command is: the first argument that is neither an option nor a global option's value (`-C DIR list`). */
function commandIndex(argv: string[]): number | undefined {
  const takesValue = new Set(
    Object.entries(globalOptions).flatMap(([n, o]) =>
      o.type === "string" ? [`--${n}`, ...(o.short ? [`-${o.short}`] : [])] : [],
    ),
  );
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (takesValue.has(arg)) i++;
    else if (!arg.startsWith("-")) return i;
  }
  return undefined;
}

function print(io: CliIo, text: string): number {
  io.stdout(`${neutralizeBlock(text)}\n`);
  return EXIT.ok;
}

/**
 * Parses options strictly: unknown options, a value-taking option given twice, and an empty value
 * (unless the option gives it a meaning) are usage errors, never silently resolved. A negative
 * number after a value-taking option is its value, not an option.
 */
function parse(command: CliCommand, argv: string[]): { values: CliValues; positionals: string[] } {
  const all: Record<string, CliOption> = { ...globalOptions, ...command.options };
  const valued = new Set(
    Object.entries(all).flatMap(([n, o]) =>
      o.type === "string" ? [`--${n}`, ...(o.short ? [`-${o.short}`] : [])] : [],
    ),
  );
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    if (arg === "--") {
      args.push(...argv.slice(i));
      break;
    }
    if (valued.has(arg) && next !== undefined && /^-\d/.test(next)) {
      args.push(arg.startsWith("--") ? `${arg}=${next}` : `${arg}${next}`);
      i++;
    } else args.push(arg);
  }
  const options = Object.fromEntries(
    Object.entries(all).map(([n, o]) => [
      n,
      { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
    ]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split("\n")[0]} (see \`exarp ${command.name} --help\`)`);
  }
  const seen = new Map<string, number>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== "option") continue;
    const option = all[token.name] as CliOption;
    seen.set(token.name, (seen.get(token.name) ?? 0) + 1);
    if (!option.multiple && (seen.get(token.name) ?? 0) > 1)
      throw new UsageError(`--${token.name} is given more than once; give it once`);
    if (option.type === "string" && token.value === "" && !option.allowEmpty)
      throw new UsageError(`--${token.name} is empty`);
  }
  return { values: parsed.values as CliValues, positionals: parsed.positionals };
}

function checkArity(command: CliCommand, positionals: string[]): void {
  const [min, max] = command.arity;
  if (positionals.length < min || positionals.length > max) {
    const usage = `exarp ${command.name}${command.usage ? ` ${command.usage}` : ""}`;
    throw new UsageError(
      `${positionals.length < min ? "missing arguments" : `unexpected argument ${JSON.stringify(positionals[max])}`}; usage: ${usage}`,
    );
  }
}

/** `--as`/`--session` as given (checked with the one identity schema); the environment fills the rest. */
function identity(values: CliValues, app: typeof import("./app.ts")): { name?: string; session?: string } {
  const as = str(values, "as");
  const session = str(values, "session");
  return {
    ...(as === undefined ? {} : { name: app.parseActorName(as, "--as") }),
    ...(session === undefined ? {} : { session: app.parseSessionId(session, "--session") }),
  };
}

/** The working folder: `-C DIR` (which must be a folder), else the current one. */
function start(values: CliValues, io: CliIo): string {
  const explicit = str(values, "root");
  return explicit === undefined ? io.cwd : checkFolder(resolve(io.cwd, explicit), "-C");
}

function rootOf(values: CliValues, io: CliIo): string {
  return requireProjectRoot(start(values, io), io.env);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** The `exarp` command on this process's stdio and environment; returns its exit code. */
export async function main(argv: string[]): Promise<number> {
  // A reader that stops early (`exarp export | head -1`) is not an error: stop quietly.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  return runCli(argv, {
    cwd: process.cwd(),
    env: process.env,
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    stdin: () => readAll(process.stdin),
  });
}
