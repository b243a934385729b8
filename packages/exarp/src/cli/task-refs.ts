import type { CliCommand } from "./command.ts";

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

/**
 * The command, reading a foreign id (`taskmaster:42`, or `42` when only one imported task has it)
 * where it takes a task id: resolved to the exarp id once, here, so every verb accepts it alike.
 */
export function withTaskRefs(command: CliCommand): CliCommand {
  const positions = TASK_ARGUMENTS[command.name];
  if (!positions) return command;
  return {
    ...command,
    load: async () => {
      const run = await command.load();
      return (ctx) => {
        const refs = positions.filter((i) => ctx.args[i] !== undefined && ctx.args[i] !== "-");
        if (!refs.length) return run(ctx);
        const tasks = ctx.exarp().tasks;
        const args = ctx.args.map((a, i) => (refs.includes(i) ? tasks.resolve(a) : a));
        return run({ ...ctx, args });
      };
    },
  };
}
