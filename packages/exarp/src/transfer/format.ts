import { InvalidInput } from "../errors-catalog.ts";
import { eventPayloads, eventTypes, type StoredEvent } from "../event/catalog.ts";
import { EventEnvelope, inLogOrder } from "../event/envelope.ts";
import { lazy, z } from "../kernel/zod.ts";
import { Comment, Task, TaskId, TaskSource } from "../task/task.ts";

/** First line of an export. */
export const ExportHeader = lazy(() =>
  z.strictObject({
    kind: z.literal("exarp.export"),
    version: z.literal(1),
    exportedAt: z.number().int(),
    tasks: z.number().int().min(0),
    comments: z.number().int().min(0),
    events: z.number().int().min(0),
  }),
);

// `source` (an imported task's origin) is absent from exports written before it existed.
export const ExportTask = lazy(() =>
  z.strictObject({
    kind: z.literal("task"),
    ...Task.shape,
    dependsOn: z.array(TaskId),
    source: TaskSource.optional(),
  }),
);
export type ExportTask = z.infer<typeof ExportTask>;

export const ExportComment = lazy(() => z.strictObject({ kind: z.literal("comment"), ...Comment.shape }));
export type ExportComment = z.infer<typeof ExportComment>;

const EventLine = lazy(() =>
  z.strictObject({
    kind: z.literal("event"),
    ...EventEnvelope.shape,
    type: z.enum(eventTypes() as [string, ...string[]]),
    payload: z.unknown(),
  }),
);

export type ExportFile = { tasks: ExportTask[]; comments: ExportComment[]; events: StoredEvent[] };

const MAX_REPORTED = 10;

/** Parses a JSONL export; every malformed line is reported (by number) and nothing is returned. */
export function parseExport(text: string): ExportFile {
  const out: ExportFile = { tasks: [], comments: [], events: [] };
  const problems: string[] = [];
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line || problems.length > MAX_REPORTED) return;
    const where = `line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      problems.push(`${where}: not JSON`);
      return;
    }
    const kind = (value as { kind?: unknown } | null)?.kind;
    const schema =
      kind === "task"
        ? ExportTask
        : kind === "comment"
          ? ExportComment
          : kind === "event"
            ? EventLine
            : kind === "exarp.export"
              ? ExportHeader
              : undefined;
    if (!schema) {
      problems.push(`${where}: unknown kind ${JSON.stringify(kind)} (expected exarp.export, task, comment or event)`);
      return;
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      problems.push(
        `${where}: ${parsed.error.issues.map((x) => `${x.path.join(".") || kind}: ${x.message}`).join(", ")}`,
      );
      return;
    }
    const data = parsed.data;
    if (data.kind === "task") out.tasks.push(data as ExportTask);
    else if (data.kind === "comment") out.comments.push(data as ExportComment);
    else if (data.kind === "event") {
      const e = data as z.infer<typeof EventLine>;
      const payload = eventPayloads[e.type as keyof typeof eventPayloads].safeParse(e.payload);
      if (!payload.success) {
        problems.push(
          `${where}: ${e.type} payload: ${payload.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`).join(", ")}`,
        );
        return;
      }
      const { kind: _kind, ...event } = e;
      out.events.push({ ...event, payload: payload.data } as StoredEvent);
    }
  });
  if (problems.length > MAX_REPORTED) problems.splice(MAX_REPORTED, problems.length, "… more problems not shown");
  if (problems.length) throw new InvalidInput({ issues: problems });
  if (!out.tasks.length && !out.comments.length && !out.events.length) {
    throw new InvalidInput({ issues: ["the file holds no tasks, comments or events"] });
  }
  return out;
}

/** One JSONL line of an event as exported. */
export function exportEventLine(e: StoredEvent): string {
  return JSON.stringify({ kind: "event", ...inLogOrder(e) });
}
