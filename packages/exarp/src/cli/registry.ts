import type { CliCommand } from "./command.ts";
import { doctor, exportCommand, importCommand, init } from "./specs/admin.ts";
import { approvals, approve, claim, deny, leases, release, renew, sweep } from "./specs/coordination.ts";
import { demo } from "./specs/demo.ts";
import { next, plan, ready } from "./specs/graph.ts";
import { audit, history, undo } from "./specs/history.ts";
import { comment, dep } from "./specs/links.ts";
import { mcp } from "./specs/mcp.ts";
import { prime } from "./specs/prime.ts";
import { run } from "./specs/run.ts";
import { schedule } from "./specs/schedule.ts";
import { serve } from "./specs/serve.ts";
import { sprint } from "./specs/sprint.ts";
import { statusCommands } from "./specs/status.ts";
import { add, edit, listCommand, show } from "./specs/tasks.ts";
import { migrate, schema } from "./specs/team.ts";
import { token } from "./specs/token.ts";
import { worktrees } from "./specs/worktrees.ts";
import { withTaskRefs } from "./task-refs.ts";

/** Every top-level verb, in the order help lists them. */
export const commands: CliCommand[] = [
  init,
  add,
  listCommand,
  show,
  edit,
  ...statusCommands,
  dep,
  comment,
  ready,
  next,
  plan,
  claim,
  renew,
  release,
  leases,
  sweep,
  approvals,
  approve,
  deny,
  run,
  sprint,
  prime,
  mcp,
  serve,
  history,
  undo,
  audit,
  token,
  doctor,
  schedule,
  schema,
  migrate,
  exportCommand,
  importCommand,
  demo,
  worktrees,
];

export function findCommand(name: string): CliCommand | undefined {
  const command = commands.find((c) => c.name === name);
  return command && withTaskRefs(command);
}
