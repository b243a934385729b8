import type { CliCommand } from "../command.ts";

export const init: CliCommand = {
  name: "init",
  summary:
    "Create the project's .exarp/ (database, audit trail) at the repository root; --opencode also adds the MCP server to opencode.json",
  usage: "",
  arity: [0, 0],
  options: {
    opencode: {
      type: "boolean",
      help: "add the exarp MCP server to the project's opencode.json (mcp.exarp), keeping everything else in it",
    },
  },
  examples: [
    "exarp init            # at the repository root (the main checkout, from a worktree)",
    "exarp init --opencode",
  ],
  load: async () => (await import("../commands/admin.ts")).init,
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
  summary: "Import an export (FILE or - for stdin); refuses malformed input without writing",
  usage: "FILE",
  arity: [1, 1],
  options: {
    strict: {
      type: "boolean",
      help: "refuse a file whose tasks form a dependency cycle or depend on tasks that do not exist (by default they are kept and named)",
    },
  },
  load: async () => (await import("../commands/admin.ts")).importCommand,
};
