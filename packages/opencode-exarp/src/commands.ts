import type { Config } from "@opencode-ai/plugin";
import { type Actor, Busy, type Exarp, ExarpError, neutralizeBlock, retryWhileBusy, type Status } from "exarp";
import { taskLine } from "./board.ts";
import { MAX_RUNNER_SESSIONS } from "./runner-launch.ts";
import { launchText, RUN_COMMAND } from "./runner-text.ts";
import type { AgentInfo } from "./sessions.ts";
import { BUSY, COMMANDS, commandText } from "./text.ts";

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
  for (const [name, command] of Object.entries({ ...COMMANDS, run: RUN_COMMAND })) c.command[name] ??= { ...command };
}

const OPEN: Status[] = ["in_progress", "review", "todo", "blocked"];
const SHOWN = { tasks: 40, waves: 8, perWave: 12, path: 24 } as const;

/** `/run [N]`: the session limit, undefined for none, or "bad" for anything but a number in range. */
export function parseRunArgs(args: string): number | undefined | "bad" {
  const text = args.trim();
  if (!text) return undefined;
  if (!/^\d{1,3}$/.test(text)) return "bad";
  const n = Number(text);
  return n >= 1 && n <= MAX_RUNNER_SESSIONS ? n : "bad";
}

/**
 * The text a slash command adds (or undefined for commands that are not exarp's). `person` is who
 * decides (/approve); a write retries while another process holds the lock, for up to `busyRetryMs`.
 * `startRunner` starts a runner (/run); without it, /run is not this plugin's.
 */
export async function runCommand(
  exarp: Exarp,
  command: string,
  args: string,
  person: Actor,
  busyRetryMs: number,
  startRunner?: (max?: number) => Promise<string>,
): Promise<string | undefined> {
  try {
    switch (command) {
      case "run": {
        if (!startRunner) return undefined;
        const max = parseRunArgs(args);
        return max === "bad" ? launchText.usage : await startRunner(max);
      }
      case "tasks": {
        const open = exarp.tasks.list({ status: OPEN, limit: SHOWN.tasks });
        if (!open.length) return commandText.noOpen;
        const counts = exarp.tasks.countByStatus();
        const rest = OPEN.reduce((sum, s) => sum + counts[s], 0) - open.length;
        return [...open.map(taskLine), ...(rest > 0 ? [commandText.more(rest)] : [])].join("\n");
      }
      case "next": {
        const t = exarp.graph.next();
        return t ? `${taskLine(t)}\n${neutralizeBlock(t.description)}`.trim() : commandText.nothingReady;
      }
      case "waves": {
        const p = exarp.graph.plan();
        const waves = p.waves
          .slice(0, SHOWN.waves)
          .map((w, i) => commandText.wave(i, w.slice(0, SHOWN.perWave), w.length - SHOWN.perWave));
        if (p.waves.length > SHOWN.waves) waves.push(commandText.moreWaves(p.waves.length - SHOWN.waves));
        const path = p.criticalPath.tasks;
        const shown = path.slice(0, SHOWN.path);
        return [...waves, commandText.criticalPath(p.criticalPath.total, shown, path.length - shown.length)].join("\n");
      }
      case "approve": {
        const [taskId, ...note] = args.trim().split(/\s+/);
        if (!taskId) return commandText.approveUsage;
        const decider = exarp.as(person);
        const task = await retryWhileBusy(
          () => decider.approvals.approve({ taskId, note: note.join(" ") || undefined }),
          {
            totalMs: busyRetryMs,
          },
        );
        return commandText.approved(person.name, task.id);
      }
      default:
        return undefined;
    }
  } catch (error) {
    if (Busy.is(error)) return BUSY;
    if (error instanceof ExarpError) return commandText.refused(error.message);
    throw error;
  }
}
