// Holds the project's write lock the way a slow writer would: BEGIN IMMEDIATE and one uncommitted
// write, for HOLD_MS (or until a line "release" on stdin), then rolls back. Prints "holding" once
// the lock is held and "released" when it is let go.
// Usage: node hold-write-lock.mjs DB_PATH HOLD_MS
import { createInterface } from "node:readline";
import Database from "better-sqlite3";

const [path, holdMs] = process.argv.slice(2);
const db = new Database(path, { fileMustExist: true });
db.exec("BEGIN IMMEDIATE");
db.prepare("UPDATE tasks SET title = title || ' (uncommitted)'").run();
process.stdout.write("holding\n");
const release = () => {
  if (!db.inTransaction) return;
  db.exec("ROLLBACK");
  db.close();
  // Exit only once the line is out: a pipe write is asynchronous, and exit would drop it.
  process.stdout.write("released\n", () => process.exit(0));
};
setTimeout(release, Number(holdMs));
for await (const line of createInterface({ input: process.stdin })) if (line === "release") release();
