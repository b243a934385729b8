// Worker for bench/read-under-lock.mjs: holds the project's write lock like a slow writer, with
// BEGIN IMMEDIATE and one uncommitted write. Prints {"holding": true} once held; rolls back, prints
// {"released": true} and exits when stdin ends (or on a line "release").
// Usage: node write-lock.mjs DB_PATH
import { createInterface } from "node:readline";
import Database from "better-sqlite3";

const db = new Database(process.argv[2], { fileMustExist: true });
db.exec("BEGIN IMMEDIATE");
db.prepare("UPDATE tasks SET title = title || ' (uncommitted)'").run();
process.stdout.write(`${JSON.stringify({ holding: true })}\n`);
for await (const line of createInterface({ input: process.stdin })) if (line === "release") break;
db.exec("ROLLBACK");
db.close();
process.stdout.write(`${JSON.stringify({ released: true })}\n`);
