import type { CliCommand, CliOption } from "./command.ts";
import { EXIT } from "./exit-codes.ts";
import { commands } from "./registry.ts";

/** Options every command accepts. */
export const globalOptions: Record<string, CliOption> = {
  json: { type: "boolean", help: "print JSON on stdout (errors as JSON on stderr)" },
  as: {
    type: "string",
    value: "WHO",
    help: "act as WHO: user:NAME (a person) or agent:NAME (default $EXARP_AGENT, else user:<login>; exarp mcp: agent:mcp)",
  },
  session: { type: "string", value: "ID", help: "the agent's session (default $EXARP_SESSION)" },
  root: {
    type: "string",
    short: "C",
    value: "DIR",
    help: "work in DIR (the project is found from there: .exarp/ upward, up to the repository root)",
  },
  help: { type: "boolean", short: "h", help: "show help" },
};

function optionLine(name: string, o: CliOption): string {
  const flag = `${o.short ? `-${o.short}, ` : ""}--${name}${o.type === "string" ? ` ${o.value ?? "VALUE"}` : ""}`;
  return `  ${flag.padEnd(28)} ${o.help}`;
}

/** `exarp help`: every verb with its summary. */
export function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "exarp — task coordination for AI coding agents",
    "",
    "usage: exarp <command> [arguments] [options]",
    "",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "options for every command:",
    ...Object.entries(globalOptions).map(([n, o]) => optionLine(n, o)),
    "",
    `exit codes: ${EXIT.ok} ok, ${EXIT.domain} refused by a rule, ${EXIT.usage} bad usage or input, ${EXIT.storage} project/database unusable, ${EXIT.internal} bug, ${EXIT.busy} busy (another process is writing; retry)`,
    "`exarp help <command>` for details.",
  ].join("\n");
}

/** `exarp <command> --help`. */
export function commandHelp(c: CliCommand): string {
  const options = Object.entries(c.options ?? {});
  return [
    `usage: exarp ${c.name}${c.usage ? ` ${c.usage}` : ""} [options]`,
    "",
    c.summary,
    ...(options.length ? ["", "options:", ...options.map(([n, o]) => optionLine(n, o))] : []),
    ...(c.examples?.length ? ["", "examples:", ...c.examples.map((e) => `  ${e}`)] : []),
  ].join("\n");
}

/** The commands as data (`exarp help --json`), for tools and completions. */
export function commandsJson(only?: CliCommand) {
  const describe = (c: CliCommand) => ({
    name: c.name,
    usage: `exarp ${c.name}${c.usage ? ` ${c.usage}` : ""}`,
    summary: c.summary,
    options: Object.entries(c.options ?? {}).map(([name, o]) => ({ name: `--${name}`, ...o })),
  });
  if (only) return { command: describe(only) };
  return {
    commands: commands.map(describe),
    globalOptions: Object.entries(globalOptions).map(([name, o]) => ({ name: `--${name}`, ...o })),
    exitCodes: EXIT,
  };
}

/** The README's CLI reference table, generated from the commands themselves. */
export function markdownReference(): string {
  const rows = commands.map((c) => {
    const opts = Object.entries(c.options ?? {})
      .map(([n]) => `\`--${n}\``)
      .join(" ");
    const usage = `exarp ${c.name}${c.usage ? ` ${c.usage}` : ""}`.replaceAll("|", "\\|");
    return `| \`${usage}\` | ${c.summary.replaceAll("|", "\\|")} | ${opts} |`;
  });
  return ["| command | what it does | options |", "|---|---|---|", ...rows].join("\n");
}
