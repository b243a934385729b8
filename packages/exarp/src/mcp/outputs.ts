// The shapes of the tools' JSON results, as zod: each becomes the tool's `outputSchema` in
// `tools/list`, and its results carry `structuredContent`. Every character of `tools/list` is context
// (the mcp budget test), so only the tools whose results a caller acts on next have one — task_write
// and task_status (a task's id and version), claim (the lease token), approval (the outcome),
// history (seq and cursor) — not the reads the model only reads (tasks, plan; prime is text). They
// name those fields and stay open (a result may carry more, such as a task's title); a result that
// loses a named field or changes its type fails the SDK client's validation in the tests. Shapes
// used more than once are written once per schema, in `$defs` named by `refs`.
import { lazy, z } from "../kernel/zod.ts";

/** Every output schema, built together on first use so that `refs` knows the very objects they hold. */
export const OUTPUTS = lazy(() => {
  const text = () => z.string();
  const count = () => z.number().int();
  /** A task in a result (views.taskSummary): `version` is what writes pass as `expectedVersion`. */
  const task = z.object({ id: text(), status: text(), version: count() });
  /** A lease (views.leaseView): `token` is what writes pass as `lease`. */
  const lease = z.object({ taskId: text(), holder: text(), token: count(), expiresAt: text() });
  /** An event of the change log (views.eventView): `seq` is a cursor, and what undo names. */
  const event = z.object({ seq: count(), type: text() });
  return {
    refs: z
      .registry<{ id: string }>()
      .add(task, { id: "task" })
      .add(lease, { id: "lease" })
      .add(event, { id: "event" }),
    task_write: z.object({
      created: task.optional(),
      task: task.optional(),
      dependsOn: z.array(z.string()).optional(),
      comment: z.object({ id: text(), taskId: text() }).optional(),
    }),
    task_status: z.object({ task }),
    claim: z.object({
      acquired: z.boolean().optional(),
      task: task.optional(),
      lease: lease.optional(),
      holder: lease.optional(),
      released: text().optional(),
      leases: z.array(lease).optional(),
    }),
    approval: z.object({
      pending: z.array(z.object({ taskId: text() })).optional(),
      outcome: text().optional(),
      task: task.optional(),
    }),
    history: z.object({
      events: z.array(event).optional(),
      cursor: count().optional(),
      undone: z.array(event).optional(),
      compensating: z.array(event).optional(),
    }),
  };
});

/** The output schema of a tool, for its `output` (built on first use). */
export const outputOf = (tool: Exclude<keyof typeof OUTPUTS, "refs">) => lazy(() => OUTPUTS[tool]);
