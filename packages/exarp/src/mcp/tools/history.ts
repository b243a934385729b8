import { HistoryQuery, UndoRequest } from "../../history/service.ts";
import { lazy, z } from "../../kernel/zod.ts";
import { As } from "../identity.ts";
import { outputOf } from "../outputs.ts";
import { TOOL_TEXT } from "../prompts.ts";
import { defineTool } from "../tool.ts";
import { eventView } from "../views.ts";

/** Events returned unless asked for more; a cursor pages through the rest. */
const DEFAULT_LIMIT = 50;

const Input = lazy(() =>
  z.strictObject({
    action: z.enum(["list", "undo"]),
    taskId: HistoryQuery.shape.taskId,
    after: HistoryQuery.shape.after,
    limit: HistoryQuery.shape.limit,
    seq: UndoRequest.shape.seq,
    as: As.optional(),
  }),
);

export const historyTool = defineTool({
  name: "history",
  description: TOOL_TEXT.history,
  input: Input,
  output: outputOf("history"),
  // Undoing someone else's change is an owner's call; one's own, a collaborator's.
  scope(args, services) {
    if (args.action === "list") return "viewer";
    if (args.seq === undefined) return "collaborator";
    const [event] = services.history.list({ after: args.seq - 1, limit: 1 });
    return event?.seq === args.seq && event.actor !== services.actor.name ? "owner" : "collaborator";
  },
  actions: {
    list: { fields: ["taskId", "after", "limit"] },
    undo: { fields: ["seq"] },
  },
  run(args, services) {
    if (args.action === "undo") {
      const { undone, events } = services.history.undo({ seq: args.seq });
      return { json: { undone: undone.map(eventView), compensating: events.map(eventView) } };
    }
    const limit = args.limit ?? DEFAULT_LIMIT;
    const events = services.history.list({ taskId: args.taskId, after: args.after, limit });
    const cursor = events.at(-1)?.seq ?? args.after ?? 0;
    // Forward from a cursor, a full page means there may be more: say how to get it.
    const more = args.after !== undefined && events.length === limit ? { more: `call again with after=${cursor}` } : {};
    return { json: { events: events.map(eventView), cursor, ...more } };
  },
});
