// Single-command append rate: N creates then N status changes, one transaction each.
// SQLite: with the audit mirror (initProject, the real project) and without it (bare store).
// PostgreSQL (team mode, where the audit trail is the log table itself): the same through initProject, on
// a server with fsync=on and synchronous_commit=on, and once more in a database with
// synchronous_commit=off for comparison (a commit then does not wait for its WAL flush).
// Sizes: BENCH_N (SQLite, default 5000), BENCH_PG_N (PostgreSQL, default 500: every commit is a WAL flush).
import { statSync } from "node:fs";
import { join } from "node:path";
import { createExarp, initProject, openStore } from "../dist/index.js";
import { driverOf } from "../dist/store/store.js";
import { figure, openBackends, sideBySide } from "./backends.mjs";
import { finish, mean, percentile, report, sample, tempDir } from "./util.mjs";

const N = Number(process.env.BENCH_N ?? 5000);
const PG_N = Number(process.env.BENCH_PG_N ?? 500);

function run(label, exarp, n, column) {
  const ids = [];
  const create = sample((i) => ids.push(exarp.tasks.create({ title: `task ${i}` }).id), n, 0);
  const status = sample((i) => exarp.tasks.setStatus({ id: ids[i], to: "in_progress" }), n, 0);
  for (const [op, ms] of [
    ["create", create],
    ["setStatus", status],
  ]) {
    const us = ms.map((x) => x * 1000);
    const rate = Math.round(1000 / mean(ms));
    report(`append ${label} ${op}`, {
      n,
      "cmd/s": rate,
      p50_us: percentile(us, 50),
      p99_us: percentile(us, 99),
      max_us: Math.max(...us),
    });
    if (column) {
      figure(`append ${op} cmd/s`, column, rate);
      figure(`append ${op} p50 µs`, column, percentile(us, 50));
      figure(`append ${op} p99 µs`, column, percentile(us, 99));
    }
  }
  // Drift check: the first and last tenth (at most 500) of each phase, to show whether cost grows with the log.
  const k = Math.min(500, Math.max(1, Math.floor(n / 10)));
  const head = (xs) => mean(xs.slice(0, k)) * 1000;
  const tail = (xs) => mean(xs.slice(-k)) * 1000;
  report(`append ${label} drift (first/last ${k})`, {
    create_first_us: head(create),
    create_last_us: tail(create),
    status_first_us: head(status),
    status_last_us: tail(status),
  });
}

const backends = await openBackends();
try {
  for (const backend of backends.list) {
    if (backend.name === "sqlite") {
      const withAudit = backend.root();
      const a = initProject(withAudit);
      run("sqlite audit-on ", a, N, "sqlite");
      a.close();
      report("append sqlite audit-on  files", {
        db_bytes: statSync(join(withAudit, ".exarp", "exarp.db")).size,
        audit_bytes: statSync(join(withAudit, ".exarp", "audit.jsonl")).size,
      });
      const noAudit = tempDir();
      const b = createExarp({ store: openStore(join(noAudit, "exarp.db")) });
      run("sqlite audit-off", b, N);
      b.close();
    } else {
      const p = initProject(backend.root());
      run("postgres", p, PG_N, "postgres");
      p.close();
      const relaxed = await backends.asyncCommit();
      if (relaxed) {
        const q = initProject(relaxed.root());
        const setting = driverOf(q.store).prepare("SELECT current_setting('synchronous_commit') AS v").get()?.v;
        run(`postgres synchronous_commit=${setting}`, q, PG_N, "postgres sc=off");
        q.close();
      }
    }
  }
  sideBySide(
    "append side by side (postgres: fsync=on synchronous_commit=on; sc=off: the same server, commits not waiting for the WAL flush)",
  );
} finally {
  await backends.close();
}
finish();
