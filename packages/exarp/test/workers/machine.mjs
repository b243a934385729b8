// One process of a team "machine": its own checkout ROOT (initProject makes .exarp/ there), the team's
// PostgreSQL from EXARP_DATABASE_URL, its own origin, acting as agent:NAME. It may run under faketime:
// its own clock (Date.now) is then skewed, the store's clock (the server's) is not.
// stdin: one JSON request per line {id, op, ...}; stdout: one answer per line {id, ok: true, ...} or
// {id, ok: false, error: {name, message}}. First line: {ready: true, origin, pid, hostname}.
//   clock                       {dateNow, storeNow}
//   claim {taskId, ttlMs}       leases.claim          renew {taskId, ttlMs}   leases.renew
//   claimNext                   leases.claimNext (`exarp ready --claim`)
//   sweep                       leases.sweep          leases / mine           leases.list / leases.mine
//   edit {taskId, title}        tasks.edit
//   cli {args}                  the exarp CLI in ROOT, in this process's environment (faketime included)
// Usage: node machine.mjs ROOT NAME
import { spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { initProject } from "../../dist/index.js";

const CLI = fileURLToPath(new URL("../../dist/bin/exarp.js", import.meta.url));
const [root, name] = process.argv.slice(2);
const exarp = initProject(root, { actor: { name: `agent:${name}`, session: `s_${name}` } });
const say = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);

const ops = {
  clock: () => ({ dateNow: Date.now(), storeNow: exarp.store.clock.now() }),
  claim: ({ taskId, ttlMs }) => exarp.leases.claim({ taskId, ttlMs }),
  claimNext: () => exarp.leases.claimNext(),
  renew: ({ taskId, ttlMs }) => ({ lease: exarp.leases.renew({ taskId, ttlMs }) }),
  sweep: () => ({ ended: exarp.leases.sweep() }),
  leases: () => ({ leases: exarp.leases.list() }),
  mine: () => ({ leases: exarp.leases.mine() }),
  edit: ({ taskId, title }) => ({ task: exarp.tasks.edit({ id: taskId, title }) }),
  cli: ({ args }) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd: root, encoding: "utf8", timeout: 30_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  },
};

say({ ready: true, origin: exarp.origin, pid: process.pid, hostname: process.env.HOSTNAME });
for await (const line of createInterface({ input: process.stdin })) {
  const { id, op, ...args } = JSON.parse(line);
  try {
    say({ id, ok: true, ...ops[op](args) });
  } catch (error) {
    say({ id, ok: false, error: { name: error.name, message: error.message } });
  }
}
exarp.close();
