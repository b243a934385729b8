import type { Config } from "@opencode-ai/plugin";
import { type Exarp, ExarpError } from "exarp";
import type { AgentInfo } from "./sessions.ts";

/** Slash commands: the template is what the model is asked; the hook adds the exarp text it works from. */
const COMMANDS = {
  tasks: { description: "exarp: open tasks", template: "Summarize these exarp tasks for me in a few lines." },
  next: {
    description: "exarp: the next ready task",
    template: "Here is the next ready exarp task. Tell me what it is; claim it only if I ask you to work on it.",
  },
  waves: {
    description: "exarp: execution waves and critical path",
    template: "Summarize this exarp plan: what can run in parallel now, and what is on the critical path.",
  },
  approve: {
    description: "exarp: approve a task in review (/approve ID [note])",
    template: "Acknowledge this exarp approval result in one line.",
  },
} as const;

/**
 * The config hook: hides the mutating tools from sub-agents in two layers (experimental.primary_tools,
 * and a deny permission on every sub-agent), and adds the slash commands. Existing settings are kept.
 */
export function registerCommands(
  config: Config,
  mutating: readonly string[],
  agents: ReadonlyMap<string, AgentInfo>,
): void {
  const c = config as Config & {
    experimental?: { primary_tools?: string[] };
    agent?: Record<string, { mode?: string; permission?: Record<string, unknown> }>;
  };
  c.experimental = {
    ...c.experimental,
    primary_tools: [...new Set([...(c.experimental?.primary_tools ?? []), ...mutating])],
  };
  c.agent = { ...c.agent };
  const subagents = new Set([...agents.values()].filter((a) => a.mode === "subagent").map((a) => a.name));
  for (const [name, a] of Object.entries(c.agent)) if (a?.mode === "subagent") subagents.add(name);
  for (const name of subagents) {
    const agent = c.agent[name] ?? {};
    c.agent[name] = {
      ...agent,
      permission: { ...agent.permission, ...Object.fromEntries(mutating.map((t) => [t, "deny"])) },
    };
  }
  c.command = { ...c.command };
  for (const [name, command] of Object.entries(COMMANDS)) c.command[name] ??= { ...command };
}

/** The text a slash command adds (or undefined for commands that are not exarp's). */
export function runCommand(exarp: Exarp, command: string, args: string, user: string): string | undefined {
  try {
    switch (command) {
      case "tasks": {
        const open = exarp.tasks.list({ status: ["in_progress", "review", "todo", "blocked"], limit: 40 });
        return open.length
          ? open.map((t) => `${t.id} [${t.status.replace("_", " ")}] [${t.priority}] ${t.title}`).join("\n")
          : "No open tasks.";
      }
      case "next": {
        const t = exarp.graph.next();
        return t ? `${t.id} [${t.priority}] ${t.title}\n${t.description}`.trim() : "Nothing is ready.";
      }
      case "waves": {
        const p = exarp.graph.plan();
        const waves = p.waves
          .slice(0, 8)
          .map((w, i) => `wave ${i}: ${w.slice(0, 12).join(" ")}${w.length > 12 ? ` +${w.length - 12}` : ""}`);
        return [...waves, `critical path (${p.criticalPath.total} min): ${p.criticalPath.tasks.join(" → ")}`].join(
          "\n",
        );
      }
      case "approve": {
        const [taskId, ...note] = args.trim().split(/\s+/);
        if (!taskId) return "Usage: /approve TASK_ID [note]";
        const task = exarp
          .as({ name: user, session: null })
          .approvals.approve({ taskId, note: note.join(" ") || undefined });
        return `${user} approved ${task.id}; it is done.`;
      }
      default:
        return undefined;
    }
  } catch (error) {
    if (error instanceof ExarpError) return `exarp refused: ${error.message}`;
    throw error;
  }
}
