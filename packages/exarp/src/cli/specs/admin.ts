import type { CliCommand } from "../command.ts";
import { passwordEnvOption } from "./options.ts";

const client = (help: string) => ({ type: "boolean" as const, help });

export const init: CliCommand = {
  name: "init",
  summary:
    "Create the project's .exarp/ at the repository root (or join the team's PostgreSQL: --database) and wire clients (OpenCode, Claude Code, Cursor, Zed); asks at a terminal, idempotent",
  usage: "",
  arity: [0, 0],
  options: {
    yes: {
      type: "boolean",
      short: "y",
      help: "ask nothing: wire the clients named, else those the project shows signs of",
    },
    opencode: client(
      "OpenCode with the plugin (opencode.json: plugin by path, agents, commands; verified by starting OpenCode)",
    ),
    "opencode-mcp": client("OpenCode through the MCP server only (opencode.json: mcp.exarp, agents, commands)"),
    "claude-code": client("Claude Code (.mcp.json: mcpServers.exarp; .claude/agents, .claude/commands)"),
    cursor: client("Cursor (.cursor/mcp.json: mcpServers.exarp)"),
    zed: client("Zed (.zed/settings.json: context_servers.exarp)"),
    model: {
      type: "string",
      value: "MODEL",
      help: "the model the agent templates and /next name (OpenCode: provider/model)",
    },
    "small-model": { type: "string", value: "MODEL", help: "the model /waves names (default: --model)" },
    force: { type: "boolean", help: "replace files and keys someone changed since exarp wrote them" },
    remove: {
      type: "boolean",
      help: "take out what init wrote (for the clients named, else all) and nobody changed since; .exarp/ stays",
    },
    "dry-run": { type: "boolean", help: "print what would change, change nothing" },
    database: {
      type: "string",
      value: "URL",
      help: "the team's PostgreSQL (postgres://USER@HOST/DB[?schema=NAME], no password): created when empty, joined when it holds the project; saved in .exarp/config.json",
    },
    ...passwordEnvOption,
  },
  examples: [
    "exarp init                      # at a terminal: asks which clients to wire",
    "exarp init --database 'postgres://ana@db.internal/exarp?schema=shop'   # the team's project; commit .exarp/config.json",
    "exarp init --yes --opencode --model anthropic/claude-sonnet-4-5",
    "exarp init --claude-code --cursor --dry-run",
    "exarp init --remove            # undo the wiring; the tasks stay",
  ],
  load: async () => (await import("../commands/init.ts")).init,
};

export const doctor: CliCommand = {
  name: "doctor",
  summary:
    "Verify the database, hash chain, audit mirror, replay and graph (exit 1 on any problem); --restore rebuilds a lost database",
  usage: "",
  arity: [0, 0],
  options: {
    restore: {
      type: "boolean",
      help: "rebuild a missing or damaged database from the audit trail (hash chain verified; the old files are kept aside)",
    },
  },
  examples: ["exarp doctor", "exarp doctor --restore   # after .exarp/exarp.db was lost or damaged"],
  readOnly: true,
  load: async () => (await import("../commands/admin.ts")).doctor,
};

export const exportCommand: CliCommand = {
  name: "export",
  summary: "Write tasks, comments and the full event log as JSONL (stdout or --out)",
  usage: "",
  arity: [0, 0],
  options: { out: { type: "string", short: "o", value: "FILE", help: "write to FILE instead of stdout" } },
  readOnly: true,
  load: async () => (await import("../commands/admin.ts")).exportCommand,
};

export const importCommand: CliCommand = {
  name: "import",
  summary:
    "Import an export, or another tool's tasks (--from taskmaster|beads|backlog|exarp-go); refuses malformed input without writing",
  usage: "FILE|PATH|-",
  arity: [1, 1],
  options: {
    strict: {
      type: "boolean",
      help: "refuse a file whose tasks form a dependency cycle or depend on tasks that do not exist (by default they are kept and named)",
    },
    from: {
      type: "string",
      value: "TOOL",
      help: "import from taskmaster (tasks.json), beads (issues.jsonl), backlog (the backlog/ folder) or exarp-go (state.todo2.json); PATH may be the project folder. Each task keeps its record and its id there (exarp show taskmaster:42)",
    },
    "dry-run": {
      type: "boolean",
      help: "with --from: print what would be imported, how it is mapped and what would be refused; write nothing",
    },
  },
  examples: [
    "exarp import backup.jsonl",
    "exarp import --from taskmaster .taskmaster/tasks/tasks.json --dry-run",
    "exarp import --from beads .beads/issues.jsonl",
    "exarp import --from backlog .          # the project holding backlog/",
    "exarp import --from exarp-go .todo2/state.todo2.json --strict",
  ],
  load: async () => (await import("../commands/admin.ts")).importCommand,
};
