import { join } from "node:path";
import { createExarp, type ExarpOptions } from "../../src/app/exarp.ts";
import { manualClock } from "../../src/clock.ts";
import { createIds } from "../../src/id.ts";
import { openDriver } from "../../src/store/driver.ts";
import { openPgStore } from "../../src/store/postgres/open.ts";
import { openStore } from "../../src/store/sqlite.ts";
import { driverOf, type Store, type StoreOptions } from "../../src/store/store.ts";
import { tempDir } from "./temp.ts";

/** Which backend the suites run on: SQLite, or PostgreSQL when the run says so (vitest's postgres project). */
export const testBackend: "sqlite" | "postgres" = process.env.EXARP_TEST_BACKEND === "postgres" ? "postgres" : "sqlite";

let schemas = 0;
/** A URL of a new, empty schema on the test cluster: one project per test, nothing shared. */
export function freshPgUrl(): string {
  const base = process.env.EXARP_TEST_POSTGRES_URL;
  if (!base) throw new Error("EXARP_TEST_POSTGRES_URL is not set: run the tests with `npm test` (with-postgres.mjs)");
  const url = new URL(base);
  url.searchParams.set("schema", `t_${process.pid}_${++schemas}_${Date.now() % 100_000}`);
  return url.href;
}

/** The PostgreSQL project of each test folder: the same folder is the same project, as a file would be. */
const pgProjects = new Map<string, string>();

/** Where the project of test folder `dir` lives: its SQLite file, or its PostgreSQL URL (schema). */
export function testDatabase(dir: string): string {
  if (testBackend === "sqlite") return join(dir, "exarp.db");
  let url = pgProjects.get(dir);
  if (!url) {
    url = freshPgUrl();
    pgProjects.set(dir, url);
  }
  return url;
}

/**
 * The backend of a project folder `root` that tests open by path (initProject, openProject, the CLI,
 * child processes): over PostgreSQL, `EXARP_DATABASE_URL` naming a fresh schema, the same one for the
 * same folder (a new schema per folder, as testDatabase); over SQLite, nothing (the file in `.exarp/`).
 * Pass `env` to initProject/openProject (their `env` option) and to every child process, whose
 * environment would otherwise not name the database (hermetic.ts strips EXARP_* variables).
 */
export function testProject(root: string): { env: Record<string, string> } {
  return testBackend === "postgres" ? { env: { EXARP_DATABASE_URL: testDatabase(root) } } : { env: {} };
}

/** The store of test folder `dir` on the suite's backend, created on first use; another call is another connection. */
export function testStore(dir: string, options: StoreOptions = {}): Store {
  return testBackend === "postgres"
    ? openPgStore(testDatabase(dir), { create: true, ...options })
    : openStore(testDatabase(dir), options);
}

/**
 * Takes the write lock of `dir`'s project on another connection, as another process mid-write
 * would, until the returned function is called.
 */
export function holdWriteLock(dir: string): () => void {
  if (testBackend === "sqlite") {
    const other = openDriver(testDatabase(dir), { create: false });
    other.exec("BEGIN IMMEDIATE");
    return () => {
      other.exec("ROLLBACK");
      other.close();
    };
  }
  return holdPgWriteLock(testDatabase(dir));
}

/** Takes the write lock of the PostgreSQL project at `url` (the row every write locks first) on a connection of its own, until released. */
export function holdPgWriteLock(url: string): () => void {
  const other = openPgStore(url);
  driverOf(other).exec("BEGIN; SELECT 1 FROM exarp_meta WHERE id = 1 FOR UPDATE");
  return () => {
    driverOf(other).exec("ROLLBACK");
    other.close();
  };
}

/** Deterministic randomness for ids: a counter-based byte stream. */
export function seededRandom(seed = 1): (n: number) => Uint8Array {
  let state = seed >>> 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      out[i] = state & 0xff;
    }
    return out;
  };
}

/** An exarp over a temp-file store with a manual clock, seeded ids and the audit mirror on. */
export function testExarp(options: Partial<ExarpOptions> & { dir?: string; seed?: number } = {}) {
  const dir = options.dir ?? tempDir();
  const clock = manualClock();
  const store = testStore(dir);
  const exarp = createExarp({
    clock,
    ids: createIds(seededRandom(options.seed ?? 7)),
    actor: { name: "tester", session: null },
    auditDir: dir,
    ...options,
    store,
  });
  return { exarp, clock, dir, store };
}
