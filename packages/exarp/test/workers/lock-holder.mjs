// Holds a project's write lock the way another process's long write would: BEGIN IMMEDIATE, a row
// changed, "locked" on stdout, then HOLD_MS of waiting before it rolls back (or until it is killed:
// SQLite discards the uncommitted change). Usage: node lock-holder.mjs DB_PATH HOLD_MS
import Database from "better-sqlite3";

const [path, hold] = process.argv.slice(2);
const db = new Database(path, { fileMustExist: true });
db.exec("BEGIN IMMEDIATE");
db.prepare("UPDATE tasks SET title = title || ' (being written)'").run();
process.stdout.write("locked\n");
setTimeout(() => {
  db.exec("ROLLBACK");
  db.close();
  process.stdout.write("released\n");
}, Number(hold));
