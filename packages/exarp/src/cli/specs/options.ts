// Options several commands share.

/** Options every write command takes: optimistic concurrency and lease fencing. */
export const writeOptions = {
  "expect-version": { type: "string", value: "N", help: "refuse unless the task is still at version N" },
  lease: { type: "string", value: "TOKEN", help: "your lease's fencing token: refused if it is no longer valid" },
} as const;

export const ttlOption = {
  ttl: { type: "string", value: "SEC", help: "lease length in seconds (default 900)" },
} as const;

/** A task's fields as `add` and `edit` take them. */
export const fieldOptions = {
  description: {
    type: "string",
    short: "d",
    value: "TEXT",
    help: "longer description (- reads it from stdin)",
    allowEmpty: true,
  },
  priority: { type: "string", short: "p", value: "P", help: "low, medium (default), high or critical" },
  estimate: { type: "string", short: "e", value: "MIN", help: "estimate in minutes" },
  assignee: { type: "string", value: "WHO", help: "who is expected to do it" },
  parent: { type: "string", value: "ID", help: "parent task" },
} as const;

/** The variable naming a team database's password (init --database, migrate --to). */
export const passwordEnvOption = {
  "database-password-env": {
    type: "string",
    value: "NAME",
    help: "the variable holding the database password (else ~/.pgpass, PGPASSFILE or PGPASSWORD); saved as database.passwordEnv",
  },
} as const;
