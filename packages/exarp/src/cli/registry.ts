import type { CliCommand } from "./command.ts";
import { doctor, exportCommand, importCommand, init } from "./commands/admin.ts";
import { approvals, approve, claim, deny, leases, release, renew, sweep } from "./commands/coordination.ts";
import { demo } from "./commands/demo.ts";
import { next, plan, ready } from "./commands/graph.ts";
import { audit, history, undo } from "./commands/history.ts";
import { comment, dep } from "./commands/links.ts";
import { mcp } from "./commands/mcp.ts";
import { prime } from "./commands/prime.ts";
import { statusCommands } from "./commands/status.ts";
import { add, edit, listCommand, show } from "./commands/tasks.ts";

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
  prime,
  mcp,
  history,
  undo,
  audit,
  doctor,
  exportCommand,
  importCommand,
  demo,
];

export function findCommand(name: string): CliCommand | undefined {
  return commands.find((c) => c.name === name);
}
