// What the team-mode suites share: a checkout to run the real CLI in, a fresh schema on the test
// cluster for each project, a port nothing listens on, and SQL on the schema behind exarp's back.
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import pg from "pg";
import { expect } from "vitest";
import { parsePgUrl } from "../../src/store/postgres/url.ts";
import type { CliRun } from "./cli.ts";
import { freshPgUrl } from "./exarp.ts";
import { lines, picture, run } from "./hermetic.ts";
import { tempDir } from "./temp.ts";

/** A checkout (a folder with `.git`) and `exarp …` run in it, hermetic but for `env`. */
export function checkout(env: NodeJS.ProcessEnv = {}) {
  const root = join(tempDir("exarp-team-"), "repo");
  mkdirSync(join(root, ".git"), { recursive: true });
  const exarp = (args: string[], more: NodeJS.ProcessEnv = {}) => run(root, args, { env: { ...env, ...more } });
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers field by field
  const json = <T = any>(args: string[], more: NodeJS.ProcessEnv = {}): T => {
    const r = exarp([...args, "--json"], more);
    if (r.code !== 0) throw new Error(`exarp ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };
  /** Everything in the checkout but `.git`. */
  const files = () => picture(root, (rel) => rel === ".git");
  return { root, exarp, json, files };
}

/** A URL of a new, empty schema on the test cluster. */
export const teamUrl = () => freshPgUrl();

/** The URL as exarp saves and shows it. */
export const shown = (url: string) => parsePgUrl(url).display;

/** Runs SQL on `url`'s schema (search_path set to it), behind exarp's back. */
export async function onSchema<T = Record<string, unknown>>(url: string, text: string): Promise<T[]> {
  const { connectionString, schema } = parsePgUrl(url);
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(`SET search_path TO "${schema}"`);
    // A text of several statements answers with one result each: the last one is the answer.
    const result: pg.QueryResult | pg.QueryResult[] = await client.query(text);
    return (Array.isArray(result) ? (result.at(-1)?.rows ?? []) : result.rows) as T[];
  } finally {
    await client.end();
  }
}

/** The tables of `url`'s schema, sorted. */
export async function tablesOf(url: string): Promise<string[]> {
  const { schema } = parsePgUrl(url);
  const rows = await onSchema<{ t: string }>(
    url,
    `SELECT tablename AS t FROM pg_tables WHERE schemaname = '${schema}' ORDER BY tablename`,
  );
  return rows.map((r) => r.t);
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A refusal: the exit code, nothing on stdout, one line on stderr (matching `message`). */
export function refused(r: CliRun, code: number, message: RegExp | string): void {
  expect(r.code, `${r.stdout}${r.stderr}`).toBe(code);
  expect(r.stdout).toBe("");
  const said = lines(r.stderr);
  expect(said, r.stderr).toHaveLength(1);
  if (typeof message === "string") expect(said[0]).toContain(message);
  else expect(said[0]).toMatch(message);
}

/** An event as `exarp history --json` prints it (the fields the team tests read). */
export type LoggedEvent = {
  seq: number;
  type: string;
  actor: string;
  session: string | null;
  payload: Record<string, unknown>;
  prevHash: string;
  hash: string;
};
