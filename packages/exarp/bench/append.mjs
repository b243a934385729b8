// Single-command append rate: N creates then N status changes, one transaction each, with and without the audit mirror.
import { statSync } from "node:fs";
import { join } from "node:path";
import { createExarp, initProject, openStore } from "../dist/index.js";
import { finish, mean, percentile, report, sample, tempDir } from "./util.mjs";

const N = Number(process.env.BENCH_N ?? 5000);

function run(label, exarp) {
  const ids = [];
  const create = sample((i) => ids.push(exarp.tasks.create({ title: `task ${i}` }).id), N, 0);
  const status = sample((i) => exarp.tasks.setStatus({ id: ids[i], to: "in_progress" }), N, 0);
  for (const [op, ms] of [
    ["create", create],
    ["setStatus", status],
  ]) {
    const us = ms.map((x) => x * 1000);
    report(`append ${label} ${op}`, {
      n: N,
      "cmd/s": Math.round(1000 / mean(ms)),
      p50_us: percentile(us, 50),
      p99_us: percentile(us, 99),
      max_us: Math.max(...us),
    });
  }
  // Drift check: the first and last 500 commands of each phase, to show whether cost grows with the log.
  const head = (xs) => mean(xs.slice(0, 500)) * 1000;
  const tail = (xs) => mean(xs.slice(-500)) * 1000;
  report(`append ${label} drift`, {
    create_first500_us: head(create),
    create_last500_us: tail(create),
    status_first500_us: head(status),
    status_last500_us: tail(status),
  });
}

const withAudit = tempDir();
const a = initProject(withAudit);
run("audit-on ", a);
a.close();
report("append audit-on  files", {
  db_bytes: statSync(join(withAudit, ".exarp", "exarp.db")).size,
  audit_bytes: statSync(join(withAudit, ".exarp", "audit.jsonl")).size,
});

const noAudit = tempDir();
const b = createExarp({ store: openStore(join(noAudit, "exarp.db")) });
run("audit-off", b);
b.close();

finish();
