import type { CliCommand } from "../command.ts";
import { fieldOptions, writeOptions } from "./options.ts";

export const add: CliCommand = {
  name: "add",
  summary: "Create a task (status todo); prints it, with its id",
  usage: "TITLE|-",
  arity: [1, 1],
  options: {
    ...fieldOptions,
    tag: { type: "string", short: "t", multiple: true, value: "TAG", help: "tag (repeat or comma-separate)" },
    "depends-on": { type: "string", multiple: true, value: "ID", help: "a task this one waits for (repeatable)" },
    quiet: { type: "boolean", short: "q", help: "print only the new task's id (for scripts)" },
  },
  fields: { title: "TITLE" },
  examples: [
    'exarp add "Add login rate limit" -p high -t api,security --depends-on T-k3f9',
    'git log -1 --format=%s | exarp add -     # title from stdin ("-d -" reads the description)',
    'id=$(exarp add "Write the migration" -q)',
  ],
  load: async () => (await import("../commands/tasks.ts")).add,
};

export const listCommand: CliCommand = {
  name: "list",
  summary: "List tasks (open ones unless --all or --status)",
  usage: "",
  arity: [0, 0],
  options: {
    status: {
      type: "string",
      short: "s",
      multiple: true,
      value: "S",
      help: "only these statuses (repeat or comma-separate)",
    },
    tag: { type: "string", short: "t", multiple: true, value: "TAG", help: "only tasks with every one of these tags" },
    priority: { type: "string", short: "p", multiple: true, value: "P", help: "only these priorities" },
    text: { type: "string", short: "q", value: "TEXT", help: "only tasks whose title or description contains TEXT" },
    parent: { type: "string", value: "ID", help: "only subtasks of ID" },
    assignee: { type: "string", value: "WHO", help: "only tasks assigned to WHO" },
    all: { type: "boolean", short: "a", help: "include done and cancelled tasks" },
    limit: { type: "string", short: "n", value: "N", help: "at most N tasks" },
  },
  readOnly: true,
  load: async () => (await import("../commands/tasks.ts")).listCommand,
};

export const show: CliCommand = {
  name: "show",
  summary: "Show a task: fields, dependencies both ways, comments, history",
  usage: "ID",
  arity: [1, 1],
  readOnly: true,
  load: async () => (await import("../commands/tasks.ts")).show,
};

export const edit: CliCommand = {
  name: "edit",
  summary: "Change a task's fields",
  usage: "ID",
  arity: [1, 1],
  options: {
    title: { type: "string", value: "TEXT", help: "new title" },
    ...fieldOptions,
    tag: { type: "string", short: "t", multiple: true, value: "TAG", help: "replace all tags" },
    "add-tag": { type: "string", multiple: true, value: "TAG", help: "add a tag" },
    "rm-tag": { type: "string", multiple: true, value: "TAG", help: "remove a tag" },
    clear: { type: "string", multiple: true, value: "FIELD", help: "clear parent, estimate or assignee" },
    ...writeOptions,
  },
  load: async () => (await import("../commands/tasks.ts")).edit,
};
