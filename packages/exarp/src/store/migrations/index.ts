// Every migration, in order: numbered, never edited once released (add a new one instead).
import { sql as m0001 } from "./0001_init.ts";
import { sql as m0002 } from "./0002_ready.ts";
import { sql as m0003 } from "./0003_coordination.ts";
import { sql as m0004 } from "./0004_ready_order.ts";
import { sql as m0005 } from "./0005_audit_mirror.ts";
import { sql as m0006 } from "./0006_tokens.ts";
import { sql as m0007 } from "./0007_task_sources.ts";

/** The schema's history: version, name and SQL of each step. */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  { version: 1, name: "0001_init", sql: m0001 },
  { version: 2, name: "0002_ready", sql: m0002 },
  { version: 3, name: "0003_coordination", sql: m0003 },
  { version: 4, name: "0004_ready_order", sql: m0004 },
  { version: 5, name: "0005_audit_mirror", sql: m0005 },
  { version: 6, name: "0006_tokens", sql: m0006 },
  { version: 7, name: "0007_task_sources", sql: m0007 },
];
