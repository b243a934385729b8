import { neutralizeLine, safeJson } from "../../text/safe.ts";
import { type CliRun, int, str, UsageError } from "../command.ts";
import { eventLine } from "../render.ts";

export const history: CliRun = (ctx) => {
  const events = ctx
    .exarp()
    .history.list({ taskId: ctx.args[0], limit: int(ctx.values, "limit"), after: int(ctx.values, "after") });
  return { data: { events }, text: events.length ? events.map(eventLine).join("\n") : "no events" };
};

export const undo: CliRun = (ctx) => {
  const raw = ctx.args[0]?.replace(/^#/, "");
  if (raw !== undefined && !/^\d{1,15}$/.test(raw))
    throw new UsageError(`undo takes an event number like 42 or #42, not ${JSON.stringify(ctx.args[0])}`);
  const result = ctx.exarp().history.undo({ seq: raw === undefined ? undefined : Number(raw) });
  const text = [
    `undid #${result.undone[0]?.command}:`,
    ...result.undone.map((e) => `  ${eventLine(e)}`),
    "with:",
    ...result.events.map((e) => `  ${eventLine(e)}`),
  ];
  return { data: { undone: result.undone, events: result.events }, text: text.join("\n") };
};

export const audit: CliRun = (ctx) => {
  const entries = ctx.exarp().auditTrail({
    task: str(ctx.values, "task"),
    type: str(ctx.values, "type"),
    actor: str(ctx.values, "actor"),
    after: int(ctx.values, "after"),
  });
  // The lines as the files hold them (one JSON object per line), printed so no field can act on a terminal.
  return { data: { entries }, text: entries.map((e) => neutralizeLine(safeJson(e))).join("\n") };
};
