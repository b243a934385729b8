// What the multi-process suites share across the two backends: a project folder opened on the suite's
// backend (SQLite file, or the PostgreSQL schema testProject names for it), the log checked whole
// (gapless seq, hash chain intact), and a picture of the project's state to say "nothing was written".
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Exarp } from "../../src/app/exarp.ts";
import { initProject, openProject, type ProjectOptions } from "../../src/app/project.ts";
import { verifyChain } from "../../src/event/verify-chain.ts";
import { eventPages } from "../../src/store/pages.ts";
import type { Store } from "../../src/store/store.ts";
import { driverOf } from "../../src/store/store.ts";
import { testBackend, testProject, testStore } from "./exarp.ts";
import { dump, stateBytes } from "./hermetic.ts";

/** A worker script of test/workers. */
export const worker = (name: string) => fileURLToPath(new URL(`../workers/${name}`, import.meta.url));

/** The environment a child process (or the CLI) needs to reach the project of `root`: see testProject. */
export const projectEnv = (root: string): Record<string, string> => testProject(root).env;

/** initProject on the suite's backend. */
export const initTestProject = (root: string, options: ProjectOptions = {}): Exarp =>
  initProject(root, { ...options, env: { ...projectEnv(root), ...options.env } });

/** openProject on the suite's backend. */
export const openTestProject = (root: string, options: ProjectOptions = {}): Exarp =>
  openProject(root, { ...options, env: { ...projectEnv(root), ...options.env } });

/**
 * The log, read back whole: how many events, and every problem of its hash chain and numbering
 * (a seq that is not the one after the last, a link or hash that does not match). Empty when whole.
 */
export function logCheck(store: Store): { events: number; maxSeq: number; problems: string[] } {
  const chain = verifyChain(eventPages(store, 0));
  return { events: chain.events, maxSeq: store.maxSeq(), problems: chain.problems };
}

type Row = Record<string, unknown>;

/** Every row of every table of the project's PostgreSQL schema, in a total order (a logical picture). */
function pgRows(root: string): Record<string, unknown[]> {
  const store = testStore(root);
  try {
    const tables = driverOf(store)
      .prepare<{ name: string }>(
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
      )
      .all();
    const out: Record<string, unknown[]> = {};
    for (const { name } of tables)
      out[name] = driverOf(store).prepare<Row>(`SELECT * FROM "${name}" AS r ORDER BY r::text`).all();
    return out;
  } finally {
    store.close();
  }
}

/**
 * What a refused command must leave as it was: over SQLite the bytes of the database and audit files
 * and every row (hermetic.ts stateBytes and dump); over PostgreSQL, where there are no files, every row
 * of the project's schema.
 */
export function projectState(root: string): { bytes?: Record<string, string>; rows: Record<string, unknown[]> } {
  if (testBackend === "sqlite") return { bytes: stateBytes(root), rows: dump(root) };
  return { rows: pgRows(root) };
}

/**
 * A child speaking JSON lines (test/workers/machine.mjs): its first line says it is ready, then each
 * request `{id, op, ...}` written to its stdin gets the answer carrying the same id.
 */
export function jsonLinesChild(command: string, args: string[], env: Record<string, string>) {
  const child = spawn(command, args, { env, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field
  type Answer = any;
  const waiting = new Map<number, (answer: Answer) => void>();
  let first: ((answer: Answer) => void) | undefined;
  const ready = new Promise<Answer>((resolve) => {
    first = resolve;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  createInterface({ input: child.stdout }).on("line", (line) => {
    const answer = JSON.parse(line);
    if (answer.ready) first?.(answer);
    else waiting.get(answer.id)?.(answer);
    waiting.delete(answer.id);
  });
  let next = 0;
  return {
    child,
    ready: Promise.race([
      ready,
      exited.then((code) => {
        throw new Error(`${command} ${args.join(" ")} exited (${code}) before it was ready: ${stderr}`);
      }),
    ]),
    stderr: () => stderr,
    /** Sends one request and resolves with its answer; rejects after `timeoutMs` without one. */
    request(op: string, fields: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<Answer> {
      if ("id" in fields) throw new Error("a request's fields may not have an id: it is the request's own");
      const id = ++next;
      const answer = new Promise<Answer>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`no answer to ${op} within ${timeoutMs} ms (exit ${child.exitCode}); stderr: ${stderr}`));
        }, timeoutMs);
        waiting.set(id, (a) => {
          clearTimeout(timer);
          resolve(a);
        });
      });
      child.stdin.write(`${JSON.stringify({ id, op, ...fields })}\n`);
      return answer;
    },
    async stop(): Promise<number | null> {
      child.stdin.end();
      return exited;
    },
  };
}
