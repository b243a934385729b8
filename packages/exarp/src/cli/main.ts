#!/usr/bin/env node
import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { actorFromEnv, type Exarp, openProject } from "../app/exarp.ts";
import { requireProjectRoot } from "../project/root.ts";
import { type CliCommand, type CliContext, type CliValues, str, UsageError } from "./command.ts";
import { EXIT, errorJson, errorLine, exitCodeFor } from "./exit-codes.ts";
import { commandHelp, globalOptions, markdownReference, overview } from "./help.ts";
import { findCommand } from "./registry.ts";

/** Where the CLI reads and writes; tests pass their own. */
export type CliIo = {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdin: () => Promise<string>;
};

export const VERSION = "0.1.0";

/** Runs one exarp command line and returns its exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const wantsJson = argv.includes("--json");
  let exarp: Exarp | undefined;
  try {
    const at = commandIndex(argv);
    const name = at === undefined ? undefined : argv[at];
    if (!name || name === "help") {
      const topic = name === "help" ? argv[argv.indexOf("help") + 1] : undefined;
      if (topic === "--markdown") return print(io, markdownReference());
      const command = topic ? findCommand(topic) : undefined;
      if (topic && !command) throw new UsageError(`unknown command ${JSON.stringify(topic)}; see \`exarp help\``);
      if (argv.includes("--version")) return print(io, VERSION);
      return print(io, command ? commandHelp(command) : overview());
    }
    const command = findCommand(name);
    if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}; see \`exarp help\``);
    const rest = argv.filter((_, i) => i !== at);
    const { values, positionals } = parse(command, rest);
    if (values.help) return print(io, commandHelp(command));
    checkArity(command, positionals);
    const ctx = context(values, positionals, io, () => {
      exarp ??= openProject(rootOf(values, io), {
        warn: (message) => io.stderr(`exarp: warning: ${message}\n`),
        actor: {
          name: str(values, "as") ?? actorFromEnv(io.env).name,
          session: str(values, "session") ?? actorFromEnv(io.env).session,
        },
      });
      return exarp;
    });
    const result = await command.run(ctx);
    if (result.silent) return result.exitCode ?? EXIT.ok;
    if (result.raw || !values.json) io.stdout(`${result.text}\n`);
    else io.stdout(`${JSON.stringify(result.data, null, 2)}\n`);
    return result.exitCode ?? EXIT.ok;
  } catch (error) {
    io.stderr(`${wantsJson ? errorJson(error) : errorLine(error)}\n`);
    return exitCodeFor(error);
  } finally {
    exarp?.close();
  }
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
  io.stdout(`${text}\n`);
  return EXIT.ok;
}

function parse(command: CliCommand, argv: string[]): { values: CliValues; positionals: string[] } {
  const options = Object.fromEntries(
    Object.entries({ ...globalOptions, ...command.options }).map(([n, o]) => [
      n,
      { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
    ]),
  );
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as CliValues, positionals };
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split("\n")[0]} (see \`exarp ${command.name} --help\`)`);
  }
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

function rootOf(values: CliValues, io: CliIo): string {
  const explicit = str(values, "root");
  return explicit ? resolve(io.cwd, explicit) : requireProjectRoot(io.cwd, io.env);
}

function context(values: CliValues, args: string[], io: CliIo, open: () => Exarp): CliContext {
  return {
    args,
    values,
    json: values.json === true,
    cwd: io.cwd,
    env: io.env,
    exarp: open,
    root: () => rootOf(values, io),
    readStdin: io.stdin,
    note: (text) => io.stderr(`${text}\n`),
  };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

const invokedDirectly =
  process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const code = await runCli(process.argv.slice(2), {
    cwd: process.cwd(),
    env: process.env,
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    stdin: () => readAll(process.stdin),
  });
  process.exitCode = code;
}
