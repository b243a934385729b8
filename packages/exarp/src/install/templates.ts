// The agent and command templates `exarp init` writes: prompts the model reads, so short and true.
// The same text for every client; only the tool names differ (the plugin's, or the MCP server's as
// each client names them), and the models are the user's.

/** How a template names each exarp action for one wiring, e.g. `exarp_board` or `mcp__exarp__tasks`. */
export type ToolNames = {
  /** Take and start the best ready task. */
  next: string;
  /** Read tasks, or one task by id. */
  board: string;
  /** Hand finished work to a person. */
  review: string;
  comment: string;
  /** Waves and critical path. */
  plan: string;
  /** Tasks waiting for a person's decision. */
  approvals: string;
};

export type AgentTemplate = {
  name: string;
  description: string;
  prompt: string;
  /** Extra OpenCode agent settings. */
  opencode: Record<string, unknown>;
  /** Claude Code's `tools:` line (none: every tool). */
  claudeTools?: (t: ToolNames) => string;
};

export const BUILD_AGENT = "exarp-build";
export const REVIEW_AGENT = "exarp-review";

const stem = (tool: string) => tool.split(" ")[0] as string;

export function agentTemplates(t: ToolNames): AgentTemplate[] {
  return [
    {
      name: BUILD_AGENT,
      description: "Works the exarp ready queue: takes the best ready task, does it, hands it to review.",
      prompt: [
        "You work this repository's exarp tasks, one at a time.",
        `1. Take the best ready task with ${t.next}. If nothing is ready, say so and stop.`,
        `2. Read it with ${t.board} (its id): description, dependencies, comments.`,
        `3. Do the work. Record findings and decisions with ${t.comment}.`,
        `4. When the work is finished and checked, move it to review with ${t.review}. A person approves it; never call work done yourself.`,
        "5. Then take the next task.",
      ].join("\n"),
      opencode: {},
    },
    {
      name: REVIEW_AGENT,
      description: "Reviews exarp tasks waiting for approval and comments its findings; a person decides.",
      prompt: [
        "You review work waiting for a person's approval in exarp. You change no code.",
        `1. List the tasks in review with ${t.approvals}.`,
        `2. For each, read it with ${t.board} (its id) and inspect the changes it describes.`,
        `3. Comment your findings with ${t.comment}: what you checked, what is wrong or missing.`,
        "You do not approve or deny: a person decides, with `exarp approve ID` or `exarp deny ID --reason …`.",
      ].join("\n"),
      opencode: { tools: { write: false, edit: false } },
      claudeTools: (names) =>
        ["Read", "Grep", "Glob", stem(names.approvals), stem(names.board), stem(names.comment)]
          .filter((v, i, all) => all.indexOf(v) === i)
          .join(", "),
    },
  ];
}

export type CommandTemplate = {
  name: string;
  description: string;
  template: string;
  agent?: string;
  /** Runs on the small model when one is given. */
  light: boolean;
};

export function opencodeCommands(t: ToolNames): CommandTemplate[] {
  return [
    {
      name: "next",
      description: "Take the next ready exarp task and work it to review",
      template: `Take the best ready exarp task with ${t.next}, do the work, and move it to review with ${t.review} when it is finished and checked.\n$ARGUMENTS`,
      agent: BUILD_AGENT,
      light: false,
    },
    {
      name: "waves",
      description: "Show the exarp plan: parallel waves and the critical path",
      template: `Show the exarp plan with ${t.plan}: each wave's tasks, the critical path, and any task that can never start. Change nothing.\n$ARGUMENTS`,
      light: true,
    },
  ];
}

const frontmatter = (fields: Record<string, string | undefined>) =>
  [
    "---",
    ...Object.entries(fields).flatMap(([k, v]) => (v === undefined ? [] : [`${k}: ${JSON.stringify(v)}`])),
    "---",
  ].join("\n");

/** Claude Code: `.claude/agents/*.md` and `.claude/commands/*.md`. */
export function claudeFiles(t: ToolNames, model?: string, smallModel?: string): { path: string; content: string }[] {
  const agents = agentTemplates(t).map((a) => ({
    path: `.claude/agents/${a.name}.md`,
    content: `${frontmatter({ name: a.name, description: a.description, tools: a.claudeTools?.(t), model })}\n\n${a.prompt}\n`,
  }));
  const commands = opencodeCommands(t).map((c) => ({
    path: `.claude/commands/${c.name}.md`,
    content: `${frontmatter({ description: c.description, model: c.light ? (smallModel ?? model) : model })}\n\n${c.template}\n`,
  }));
  return [...agents, ...commands];
}
