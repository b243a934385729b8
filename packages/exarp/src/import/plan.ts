import type { ForeignSystem, Priority, Status, TaskSource } from "../task/task.ts";

/** A comment as the source wrote it (author and time when it says them). */
export type PlannedComment = { body: string; author?: string; createdAt?: number };

/** A relation the source records that is not a blocking dependency nor the parent (beads `related`, …). */
export type PlannedLink = { type: string; target: string };

/**
 * One task to import, its fields already in exarp's terms and safe as input. `key` is its id in the
 * source (unique in the plan); `parent` and `dependsOn` name other keys, or ids the source does not
 * hold (kept and reported as dangling).
 */
export type PlannedTask = {
  key: string;
  title: string;
  description: string;
  status: Status;
  priority: Priority;
  tags: string[];
  estimate: number | null;
  assignee: string | null;
  createdAt?: number;
  parent: string | null;
  dependsOn: string[];
  comments: PlannedComment[];
  links: PlannedLink[];
  source: TaskSource;
};

/**
 * What a source file becomes before anything is written: the tasks, how each source value was mapped
 * (`status "pending" → todo`, with how often), and notes on what was kept only in the source record.
 */
export type ImportPlan = {
  system: ForeignSystem;
  tasks: PlannedTask[];
  mappings: Mapping[];
  notes: string[];
};

/** How one source value was mapped, and for how many records. */
export type Mapping = { field: string; from: string; to: string; count: number };

/** A source file as the command line read it: its path (for messages) and its text. */
export type SourceFile = { path: string; text: string };
