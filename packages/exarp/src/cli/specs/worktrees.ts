import type { CliCommand } from "../command.ts";

export const worktrees: CliCommand = {
  name: "worktrees",
  summary:
    "List the git worktrees `exarp run --worktree` made, with each task's status; --prune removes those of done, cancelled or unknown tasks",
  usage: "",
  arity: [0, 0],
  options: {
    prune: {
      type: "boolean",
      help: "remove worktrees whose task is done, cancelled or unknown (todo, in progress, review and blocked stay), and exarp/* branches main contains whose task is done",
    },
    "dry-run": { type: "boolean", help: "with --prune: say what would be removed, remove nothing" },
    force: { type: "boolean", help: "with --prune: also remove worktrees with uncommitted changes" },
    main: { type: "string", value: "BRANCH", help: "the main branch (default: the one checked out in the repository)" },
  },
  examples: ["exarp worktrees", "exarp worktrees --prune --dry-run", "exarp worktrees --prune --main trunk"],
  readOnly: true,
  load: async () => (await import("../commands/worktrees.ts")).worktrees,
};
