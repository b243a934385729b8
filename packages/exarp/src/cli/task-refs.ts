import { ExarpError } from "../errors.ts";
import type { CliCommand, CliContext } from "./command.ts";

/** The positional arguments that name a task, per command: each may be an imported task's foreign id. */
const TASK_ARGUMENTS: Readonly<Record<string, readonly number[]>> = {
  show: [0],
  edit: [0],
  start: [0],
  review: [0],
  done: [0],
  block: [0],
  cancel: [0],
  reopen: [0],
  claim: [0],
  renew: [0],
  release: [0],
  approve: [0],
  deny: [0],
  comment: [0],
  history: [0],
  dep: [1, 2],
};

/** Commands that find nothing rather than refuse an id no task has (a history filter): resolved first. */
const EAGER: ReadonlySet<string> = new Set(["history"]);

/**
 * The command, reading a foreign id (`taskmaster:42`, or `42` when only one imported task has it)
 * where it takes a task id, so every verb accepts it alike. A task's own id costs nothing more: only
 * when the command finds no task by an id it was given (refused whole, nothing written) are its task
 * arguments looked up among imported tasks, and the command run again with the ids they name.
 */
export function withTaskRefs(command: CliCommand): CliCommand {
  const positions = TASK_ARGUMENTS[command.name];
  if (!positions) return command;
  return {
    ...command,
    load: async () => {
      const run = await command.load();
      return async (ctx) => {
        // Stdin can be read once: a second run gets what the first read.
        let stdin: Promise<string> | undefined;
        const once: CliContext = { ...ctx, readStdin: () => (stdin ??= ctx.readStdin()) };
        if (EAGER.has(command.name)) return run({ ...once, args: resolved(once, positions) ?? once.args });
        try {
          return await run(once);
        } catch (error) {
          const args = foreignArgs(error, once, positions);
          if (!args) throw error;
          return run({ ...once, args });
        }
      };
    },
  };
}

/** The arguments with foreign ids resolved, when `error` is a missing task named by one of them. */
function foreignArgs(error: unknown, ctx: CliContext, positions: readonly number[]): string[] | undefined {
  if (!(error instanceof ExarpError) || error.name !== "NotFound") return undefined;
  const missing = (error.data as { kind?: string; id?: string }).id;
  if (!positions.some((i) => ctx.args[i] === missing)) return undefined;
  return resolved(ctx, positions);
}

/** The arguments with each task argument resolved (see TaskService.resolve); undefined when none changes. */
function resolved(ctx: CliContext, positions: readonly number[]): string[] | undefined {
  if (!positions.some((i) => ctx.args[i] !== undefined)) return undefined;
  const tasks = ctx.exarp().tasks;
  const args = ctx.args.map((a, i) => (positions.includes(i) && a !== "-" ? tasks.resolve(a) : a));
  return args.some((a, i) => a !== ctx.args[i]) ? args : undefined;
}
