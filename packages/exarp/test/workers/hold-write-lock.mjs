// Holds the project's write lock the way a slow writer would, for HOLD_MS (or until a line "release"
// on stdin), then rolls back. Prints "holding" once the lock is held and "released" when it is let go.
// SQLite (DB is the database file): BEGIN IMMEDIATE and one uncommitted write. PostgreSQL (DB is the
// project's postgres:// URL, ?schema=NAME): BEGIN, the row lock every write takes first (exarp_meta FOR
// UPDATE), and the same uncommitted write.
// Usage: node hold-write-lock.mjs DB HOLD_MS
import { createInterface } from "node:readline";

const [db, holdMs] = process.argv.slice(2);

/** Takes the lock; resolves with the function that rolls back and closes. */
async function hold() {
  if (!/^postgres(ql)?:\/\//.test(db)) {
    const { default: Database } = await import("better-sqlite3");
    const sqlite = new Database(db, { fileMustExist: true });
    sqlite.exec("BEGIN IMMEDIATE");
    sqlite.prepare("UPDATE tasks SET title = title || ' (uncommitted)'").run();
    return async () => {
      sqlite.exec("ROLLBACK");
      sqlite.close();
    };
  }
  const { default: pg } = await import("pg");
  const url = new URL(db);
  const schema = url.searchParams.get("schema") ?? "public";
  url.searchParams.delete("schema");
  const client = new pg.Client({ connectionString: url.href, application_name: "exarp-test-holder" });
  await client.connect();
  await client.query(`SET search_path TO "${schema}"`);
  await client.query("BEGIN");
  await client.query("SELECT 1 FROM exarp_meta WHERE id = 1 FOR UPDATE");
  await client.query("UPDATE tasks SET title = title || ' (uncommitted)'");
  return async () => {
    await client.query("ROLLBACK");
    await client.end();
  };
}

const rollback = await hold();
process.stdout.write("holding\n");
let released = false;
const release = async () => {
  if (released) return;
  released = true;
  await rollback();
  // Exit only once the line is out: a pipe write is asynchronous, and exit would drop it.
  process.stdout.write("released\n", () => process.exit(0));
};
setTimeout(release, Number(holdMs));
for await (const line of createInterface({ input: process.stdin })) if (line === "release") await release();
