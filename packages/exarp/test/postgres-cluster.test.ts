// The PostgreSQL the suites stand on: each fresh database is empty, separate from the others and gone
// after drop(); startCluster starts a server of its own on 127.0.0.1 and leaves neither folder nor port,
// not even when the process that started it is killed.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { until } from "./support/expect.ts";
import { freshDatabase, postgresUrl, startCluster } from "./support/postgres.ts";

const SCRIPT = fileURLToPath(new URL("../scripts/postgres-cluster.mjs", import.meta.url));

/** The rows of `text` run on a client of its own to `url`, closed afterwards. */
async function query(url: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

async function publicTables(url: string): Promise<string[]> {
  const rows = await query(url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
  return rows.map((r) => r.table_name as string);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.on("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

describe("freshDatabase", () => {
  it("gives separate, empty databases, and drop() removes one", async () => {
    const a = await freshDatabase("Cluster Test!");
    const b = await freshDatabase("cluster-test");
    try {
      expect(a.url).not.toBe(b.url);
      expect(new URL(a.url).pathname).toMatch(/^\/exarp_cluster_test__\d+_\d+_[0-9a-f]{6}$/);
      expect(await publicTables(a.url)).toEqual([]);
      expect(await publicTables(b.url)).toEqual([]);

      await query(a.url, "CREATE TABLE marker (id int)");
      expect(await publicTables(a.url)).toEqual(["marker"]);
      expect(await publicTables(b.url)).toEqual([]);

      await a.drop();
      await expect(publicTables(a.url)).rejects.toMatchObject({ code: "3D000" });
      expect(await publicTables(b.url)).toEqual([]);
    } finally {
      await a.drop();
      await b.drop();
    }
  });
});

describe("startCluster", () => {
  it("starts an independent server on 127.0.0.1; stop() frees its folder and its port", async () => {
    const cluster = await startCluster();
    try {
      expect(cluster.host).toBe("127.0.0.1");
      expect(cluster.url).toBe(`postgres://postgres@127.0.0.1:${cluster.port}/postgres`);
      expect(cluster.port).not.toBe(Number(new URL(postgresUrl()).port));
      expect(existsSync(cluster.dataDir)).toBe(true);
      const [row] = await query(cluster.url, "SELECT 1 AS one, current_setting('fsync') AS fsync");
      expect(row).toEqual({ one: 1, fsync: "off" });
      expect(await canListen(cluster.port)).toBe(false);
    } finally {
      await cluster.stop();
    }
    expect(existsSync(cluster.dataDir)).toBe(false);
    expect(await canListen(cluster.port)).toBe(true);
  });

  it("is removed by its watchdog when the process that started it is killed", async () => {
    const owner = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const { startCluster } = await import(${JSON.stringify(SCRIPT)});
         const { dataDir, port } = await startCluster();
         console.log(JSON.stringify({ dataDir, port }));
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const started = await new Promise<{ dataDir: string; port: number }>((resolve, reject) => {
      owner.stdout.once("data", (line) => resolve(JSON.parse(String(line))));
      owner.once("exit", (code) => reject(new Error(`the owner exited (${code}) before its cluster started`)));
    });
    expect(await canListen(started.port)).toBe(false);
    owner.kill("SIGKILL");
    await until(() => !existsSync(started.dataDir), 15_000);
    expect(await canListen(started.port)).toBe(true);
  });
});
