// A throw-away PostgreSQL server for tests and benchmarks: its own temp folder, its own free port on
// 127.0.0.1, no password, gone after stop(). A watchdog (this file run with --watchdog) removes it too
// if its owner dies first.
import { execFile, spawn, spawnSync } from "node:child_process";
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const HOST = "127.0.0.1";
const START_ATTEMPTS = 5;
const INSTALL_HINT =
  "install the server with `apt-get install postgresql`, or set EXARP_POSTGRES_BIN to the folder holding initdb and pg_ctl";

/** The folder holding initdb and pg_ctl: $EXARP_POSTGRES_BIN, Debian's newest, or what pg_config names. */
function findBinDir() {
  const hasInitdb = (dir) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl"));
  const chosen = process.env.EXARP_POSTGRES_BIN;
  if (chosen) {
    if (hasInitdb(chosen)) return chosen;
    throw new Error(`EXARP_POSTGRES_BIN=${chosen} holds no initdb and pg_ctl; ${INSTALL_HINT}`);
  }
  const debian = existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql") : [];
  const newestFirst = debian.filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const version of newestFirst) {
    const dir = `/usr/lib/postgresql/${version}/bin`;
    if (hasInitdb(dir)) return dir;
  }
  const pgConfig = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  const fromPgConfig = pgConfig.status === 0 ? pgConfig.stdout.trim() : "";
  if (fromPgConfig && hasInitdb(fromPgConfig)) return fromPgConfig;
  throw new Error(
    `PostgreSQL server binaries not found (looked at /usr/lib/postgresql/*/bin and \`pg_config --bindir\`); ${INSTALL_HINT}`,
  );
}

/** initdb and postgres refuse to run as root, so root runs them as `nobody`. */
const asRoot = process.getuid?.() === 0;

function serverCommand(binary, args) {
  return asRoot ? ["runuser", ["-u", "nobody", "--", binary, ...args]] : [binary, args];
}

/** Runs a command to its end, killed after `timeoutMs`; never rejects. */
function run([file, args], timeoutMs) {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: "/", encoding: "utf8", timeout: timeoutMs, killSignal: "SIGKILL" }, (error, out, err) =>
      resolve({ ok: !error, output: `${out}\n${err}`.trim() || String(error?.message ?? "") }),
    );
  });
}

function idOfNobody(flag) {
  const id = spawnSync("id", [flag, "nobody"], { encoding: "utf8" });
  if (id.status !== 0) throw new Error(`cannot run PostgreSQL as root and found no user nobody: ${id.stderr.trim()}`);
  return Number(id.stdout.trim());
}

/** A port that was free a moment ago: the kernel's pick for a listener on port 0, closed again. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Alive and not a zombie: an init that reaps slowly (as in some containers) keeps dead processes listed. */
function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return error.code === "EPERM";
  }
  try {
    return !readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\)/, "").startsWith(" Z");
  } catch {
    return true;
  }
}

function signal(pid, name) {
  try {
    process.kill(pid, name);
  } catch {}
}

/** The processes other than this one whose command line names `dataDir`: runuser, initdb, pg_ctl, the postmaster. */
function processesNaming(dataDir) {
  const pids = existsSync("/proc") ? readdirSync("/proc").filter((entry) => /^\d+$/.test(entry)) : [];
  return pids.map(Number).filter((pid) => {
    if (pid === process.pid) return false;
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(dataDir) && alive(pid);
    } catch {
      return false;
    }
  });
}

function postmasterOf(dataDir) {
  try {
    const pid = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    return pid > 0 && alive(pid) ? pid : 0;
  } catch {
    return 0;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The watchdog: once `owner` has exited, ends whatever still works on `dataDir` and removes it, so a
 * test process killed mid-run leaves no server behind. The postmaster gets SIGQUIT (PostgreSQL's
 * immediate shutdown, SIGKILL after 10 s); an initdb or pg_ctl caught half-way gets SIGKILL at once.
 */
async function watch(owner, dataDir) {
  while (alive(owner)) await sleep(250);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const postmaster = postmasterOf(dataDir);
    const others = processesNaming(dataDir).filter((pid) => pid !== postmaster);
    for (const pid of others) signal(pid, "SIGKILL");
    if (postmaster) signal(postmaster, Date.now() < deadline ? "SIGQUIT" : "SIGKILL");
    if (!postmaster && others.length === 0) break;
    await sleep(100);
  }
  rmSync(dataDir, { recursive: true, force: true, maxRetries: 20 });
}

/** Starts the watchdog, detached so that a Ctrl-C meant for the tests does not reach it. */
function startWatchdog(dataDir) {
  const env = { ...process.env, EXARP_PG_WATCH_OWNER: String(process.pid), EXARP_PG_WATCH_DIR: dataDir };
  const watchdog = spawn(process.execPath, [fileURLToPath(import.meta.url), "--watchdog"], {
    detached: true,
    stdio: "ignore",
    env,
  });
  watchdog.unref();
  return watchdog;
}

function settings({ fsync, synchronousCommit, dataDir }) {
  return [
    `listen_addresses = '${HOST}'`,
    `unix_socket_directories = '${dataDir.replaceAll("'", "''")}'`,
    "max_connections = 400",
    "shared_buffers = 128MB",
    `fsync = ${fsync ? "on" : "off"}`,
    `synchronous_commit = ${synchronousCommit}`,
    "log_min_messages = warning",
    "timezone = 'UTC'",
    "",
  ].join("\n");
}

function logTail(file) {
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  return text.trim().split("\n").slice(-10).join("\n");
}

/**
 * Starts a new cluster. `fsync` defaults to off: a throw-away cluster that crashes is discarded, not
 * recovered; benchmarks pass `fsync: true` to measure what a real server pays.
 * @param {{ fsync?: boolean, synchronousCommit?: "on" | "off" | "local" | "remote_write" | "remote_apply" }} [options]
 * @returns {Promise<{ url: string, host: string, port: number, dataDir: string, version: string, stop(): Promise<void> }>}
 */
export async function startCluster(options = {}) {
  const fsync = options.fsync ?? false;
  const synchronousCommit = options.synchronousCommit ?? (fsync ? "on" : "off");
  const binDir = findBinDir();
  const versionLine = spawnSync(join(binDir, "postgres"), ["--version"], { encoding: "utf8" }).stdout ?? "";
  const version = /\(PostgreSQL\)\s+(\S+)/.exec(versionLine)?.[1] ?? versionLine.trim();
  const pgCtl = join(binDir, "pg_ctl");

  const dataDir = mkdtempSync(join(tmpdir(), "exarp-pg-"));
  if (asRoot) chownSync(dataDir, idOfNobody("-u"), idOfNobody("-g"));
  const watchdog = startWatchdog(dataDir);

  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      const stopped = await run(
        serverCommand(pgCtl, ["stop", "-D", dataDir, "-m", "immediate", "-w", "-t", "10"]),
        15_000,
      );
      // A folder without postmaster.pid had no server left to stop.
      if (!stopped.ok && existsSync(join(dataDir, "postmaster.pid"))) {
        throw new Error(`pg_ctl stop failed (the watchdog ends the server when this process exits): ${stopped.output}`);
      }
      rmSync(dataDir, { recursive: true, force: true });
      watchdog.kill();
    })();
    return stopping;
  };

  try {
    const initdbArgs = ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"];
    const initdb = await run(
      serverCommand(join(binDir, "initdb"), fsync ? initdbArgs : [...initdbArgs, "--no-sync"]),
      60_000,
    );
    if (!initdb.ok) throw new Error(`initdb failed: ${initdb.output}`);
    appendFileSync(join(dataDir, "postgresql.conf"), settings({ fsync, synchronousCommit, dataDir }));
    const port = await startOnFreePort(pgCtl, dataDir);
    return { url: `postgres://postgres@${HOST}:${port}/postgres`, host: HOST, port, dataDir, version, stop };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}

/** Starts the server on a free port, trying another when the one picked was taken in between. */
async function startOnFreePort(pgCtl, dataDir) {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const log = join(dataDir, `server-${port}.log`);
    const start = serverCommand(pgCtl, ["start", "-D", dataDir, "-l", log, "-w", "-t", "30", "-o", `-p ${port}`]);
    const started = await run(start, 40_000);
    if (started.ok) return port;
    const reason = logTail(log) || started.output;
    if (attempt < START_ATTEMPTS && /could not bind|already in use/i.test(reason)) continue;
    throw new Error(`PostgreSQL did not start on ${HOST}:${port}: ${reason}`);
  }
}

if (process.argv[2] === "--watchdog" && process.argv[1] === fileURLToPath(import.meta.url)) {
  await watch(Number(process.env.EXARP_PG_WATCH_OWNER), String(process.env.EXARP_PG_WATCH_DIR));
}
