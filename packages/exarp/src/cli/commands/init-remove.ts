import { applyPlan } from "../../install/apply.ts";
import { artifactsFor, CLIENT_INFO, CLIENTS, removalOf } from "../../install/artifacts.ts";
import { readCurrent } from "../../install/files.ts";
import { findPlugin, ownScript } from "../../install/locate.ts";
import { planInstall, recordId } from "../../install/plan.ts";
import { readRecord } from "../../install/record.ts";
import { initRoot, projectPaths } from "../../project/root.ts";
import type { CliContext, CliResult } from "../command.ts";
import { checkChoice, planLines, refusal, wiringFor } from "./init.ts";

/** `init --remove`: takes out what init wrote and nobody changed since; the project's .exarp/ stays. */
export async function remove(ctx: CliContext): Promise<CliResult> {
  const root = initRoot(ctx.start(), ctx.env);
  const record = readRecord(root);
  const flagged = CLIENTS.filter((c) => ctx.values[c] === true);
  // Every client when none is named: both OpenCode wirings too, since only recorded ones match.
  const choice = flagged.length ? checkChoice({ clients: flagged }) : { clients: [...CLIENTS] };
  const wiring = wiringFor(root, choice, findPlugin(root, ownScript()), true);
  const ids = new Map(choice.clients.map((c) => [c, artifactsFor(c, wiring).map(recordId)]));
  const shared = (id: string) => [...ids.values()].filter((list) => list.includes(id)).length > 1;
  // A client counts as wired by what only it writes (the two OpenCode wirings share their templates).
  const clients = choice.clients.filter((c) => ids.get(c)?.some((id) => id in record && !shared(id)));
  if (
    !clients.some((c) => c.startsWith("opencode")) &&
    choice.clients.some((c) => c.startsWith("opencode") && ids.get(c)?.some((id) => id in record))
  )
    clients.unshift(choice.clients.includes("opencode-mcp") ? "opencode-mcp" : "opencode");
  const artifacts = clients.flatMap((c) => artifactsFor(c, wiring).flatMap((a) => removalOf(a) ?? []));
  const plan = planInstall(artifacts, (rel) => readCurrent(root, rel), record, ctx.values.force === true);
  refusal(plan, "remove exarp's entries by hand", "remove them anyway");
  const steps = plan.steps.map((s) => ({ ...s }));
  const kept = `kept ${projectPaths(root).dir} (the tasks and their history; delete it yourself if you mean to)`;
  if (ctx.values["dry-run"] === true)
    return {
      data: { dryRun: true, clients, steps },
      text: [...planLines(plan), "dry run: nothing changed"].join("\n"),
    };
  applyPlan(root, plan, clients.length > 0);
  const head = clients.length
    ? `removed exarp's wiring for ${clients.map((c) => CLIENT_INFO[c].title).join(", ")}`
    : "nothing of exarp's to remove";
  return { data: { removed: clients, steps }, text: [head, ...planLines(plan), kept].join("\n") };
}
