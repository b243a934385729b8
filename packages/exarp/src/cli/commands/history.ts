import { neutralizeLine, safeJson } from "../../text/safe.ts";
import { type CliCommand, int, str, UsageError } from "../command.ts";
import { eventLine } from "../render.ts";

export const history: CliCommand = {
  name: "history",
  summary: "Show the event log (newest last), for the project or one task",
  usage: "[ID]",
  arity: [0, 1],
  options: {
    limit: { type: "string", short: "n", value: "N", help: "the newest N events (default 50)" },
    after: { type: "string", value: "SEQ", help: "every event after SEQ (a change cursor)" },
  },
  run(ctx) {
    const events = ctx
      .exarp()
      .history.list({ taskId: ctx.args[0], limit: int(ctx.values, "limit"), after: int(ctx.values, "after") });
    return { data: { events }, text: events.length ? events.map(eventLine).join("\n") : "no events" };
  },
};

export const undo: CliCommand = {
  name: "undo",
  summary: "Revert your last change (or anyone's, by the number of one of its events) with compensating events",
  usage: "[SEQ]",
  arity: [0, 1],
  examples: ["exarp undo        # your own latest change", "exarp undo 42     # the change that holds event #42"],
  run(ctx) {
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
  },
};

export const audit: CliCommand = {
  name: "audit",
  summary: "Print the audit trail (.exarp/audit.jsonl, rotated files included), filtered",
  usage: "",
  arity: [0, 0],
  options: {
    task: { type: "string", value: "ID", help: "only events about task ID" },
    type: { type: "string", value: "TYPE", help: "only events of TYPE (prefix match: `lease.`)" },
    actor: { type: "string", value: "WHO", help: "only events by WHO" },
    after: { type: "string", value: "SEQ", help: "only events after SEQ" },
  },
  examples: ["exarp audit --type task.status_changed --task T-k3f9"],
  run(ctx) {
    const entries = ctx.exarp().auditTrail({
      task: str(ctx.values, "task"),
      type: str(ctx.values, "type"),
      actor: str(ctx.values, "actor"),
      after: int(ctx.values, "after"),
    });
    // The lines as the files hold them (one JSON object per line), printed so no field can act on a terminal.
    return { data: { entries }, text: entries.map((e) => neutralizeLine(safeJson(e))).join("\n") };
  },
};
