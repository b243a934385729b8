import { lazy, z } from "../../kernel/zod.ts";
import { CommentAdd, DependencyChange, TaskCreate, TaskEdit } from "../../task/commands.ts";
import { As } from "../identity.ts";
import { outputOf } from "../outputs.ts";
import { TOOL_TEXT } from "../prompts.ts";
import { defineTool } from "../tool.ts";
import { iso, taskSummary } from "../views.ts";

const Input = lazy(() =>
  z.strictObject({
    action: z.enum(["create", "edit", "comment", "depend", "undepend"]),
    id: TaskEdit.shape.id.optional(),
    title: TaskEdit.shape.title,
    description: TaskEdit.shape.description,
    priority: TaskEdit.shape.priority,
    tags: TaskEdit.shape.tags,
    parentId: TaskEdit.shape.parentId,
    estimate: TaskEdit.shape.estimate,
    assignee: TaskEdit.shape.assignee,
    dependsOn: TaskCreate.shape.dependsOn.unwrap().optional(),
    blockerId: DependencyChange.shape.blockerId.optional(),
    body: CommentAdd.shape.body.optional(),
    expectedVersion: TaskEdit.shape.expectedVersion,
    lease: TaskEdit.shape.lease,
    as: As.optional(),
  }),
);

const FIELDS = ["title", "description", "priority", "tags", "parentId", "estimate", "assignee"] as const;
const GUARDS = ["expectedVersion", "lease"] as const;

export const taskWriteTool = defineTool({
  name: "task_write",
  description: TOOL_TEXT.task_write,
  input: Input,
  output: outputOf("task_write"),
  actions: {
    create: { fields: [...FIELDS, "dependsOn"], required: ["title"] },
    edit: { fields: ["id", ...FIELDS, ...GUARDS], required: ["id"] },
    comment: { fields: ["id", "body", "lease"], required: ["id", "body"] },
    depend: { fields: ["id", "blockerId", ...GUARDS], required: ["id", "blockerId"] },
    undepend: { fields: ["id", "blockerId", ...GUARDS], required: ["id", "blockerId"] },
  },
  run(args, services) {
    const { tasks } = services;
    const fields = {
      title: args.title,
      description: args.description,
      priority: args.priority,
      tags: args.tags,
      parentId: args.parentId,
      estimate: args.estimate,
      assignee: args.assignee,
    };
    const guards = { expectedVersion: args.expectedVersion, lease: args.lease };
    switch (args.action) {
      case "create": {
        const task = tasks.create({ ...fields, title: args.title as string, dependsOn: args.dependsOn });
        return { json: { created: taskSummary(task), dependsOn: task.dependsOn } };
      }
      case "edit": {
        const task = tasks.edit({ id: args.id as string, ...fields, ...guards });
        return { json: { task: taskSummary(task) } };
      }
      case "comment": {
        const c = tasks.comment({ taskId: args.id as string, body: args.body as string, lease: args.lease });
        return { json: { comment: { id: c.id, taskId: c.taskId, by: c.author, at: iso(c.createdAt) } } };
      }
      case "depend":
      case "undepend": {
        const change = { taskId: args.id as string, blockerId: args.blockerId as string, ...guards };
        const task = args.action === "depend" ? tasks.addDependency(change) : tasks.removeDependency(change);
        return { json: { task: taskSummary(task), dependsOn: task.dependsOn } };
      }
    }
  },
});
