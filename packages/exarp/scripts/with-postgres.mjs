// `node with-postgres.mjs <command> [args...]`: runs the command with EXARP_TEST_POSTGRES_URL naming a
// throw-away PostgreSQL server started for it and removed after it, whatever way the command ends. A URL
// already in the environment is used as it is. No server, no run: the reason is printed and the exit is 1.
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { startCluster } from "./postgres-cluster.mjs";

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error("usage: node with-postgres.mjs <command> [args...]");
  process.exit(2);
}

/** Signals that would end this process: they go to the command, and this process waits for it. */
const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP"];
let child;
let received;
for (const signal of FORWARDED) {
  process.on(signal, () => {
    received = signal;
    child?.kill(signal);
  });
}

/** The command's exit code, 128 + the signal's number when a signal ended it. */
function runCommand(env) {
  return new Promise((resolve) => {
    child = spawn(command, args, { stdio: "inherit", shell: false, env });
    child.on("error", (error) => {
      console.error(`with-postgres: cannot run ${command}: ${error.message}`);
      resolve(127);
    });
    child.on("exit", (code, signal) => resolve(code ?? 128 + (constants.signals[signal] ?? 0)));
  });
}

if (process.env.EXARP_TEST_POSTGRES_URL) process.exit(await runCommand(process.env));

let cluster;
try {
  cluster = await startCluster();
} catch (error) {
  console.error(`with-postgres: PostgreSQL could not start, so no test ran: ${error.message}`);
  process.exit(1);
}
let exitCode = 128 + (constants.signals[received] ?? 0);
try {
  console.error(
    `with-postgres: PostgreSQL ${cluster.version} on ${cluster.host}:${cluster.port} (throw-away, ${cluster.dataDir})`,
  );
  if (!received) exitCode = await runCommand({ ...process.env, EXARP_TEST_POSTGRES_URL: cluster.url });
} finally {
  await cluster.stop();
}
process.exit(exitCode);
