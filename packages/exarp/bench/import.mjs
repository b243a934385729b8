// Batched import rate (10k tasks, ~20k deps, 2k comments), then export, then a full-log restore of that export.
import { initProject } from "../dist/index.js";
import { buildExport, finish, report, tempDir, time } from "./util.mjs";

const TASKS = Number(process.env.BENCH_TASKS ?? 10_000);
const built = time(() => buildExport({ tasks: TASKS, deps: TASKS * 2, comments: TASKS / 5 }));
const { text, deps } = built.result;
report("import build-jsonl", { tasks: TASKS, deps, comments: TASKS / 5, mb: text.length / 1e6, ms: built.ms });

const a = initProject(tempDir());
const imported = time(() => a.transfer.importText(text));
const r = imported.result;
report("import tasks-mode", {
  mode: r.mode,
  events: r.events,
  ms: imported.ms,
  "tasks/s": Math.round(r.tasks / (imported.ms / 1000)),
  "events/s": Math.round(r.events / (imported.ms / 1000)),
});

const lines = [];
const exported = time(() => a.transfer.exportTo((line) => lines.push(line)));
const exportText = `${lines.join("\n")}\n`;
a.close();
report("export", {
  lines: lines.length,
  mb: exportText.length / 1e6,
  ms: exported.ms,
  "events/s": Math.round(exported.result.events / (exported.ms / 1000)),
});

const b = initProject(tempDir());
const restored = time(() => b.transfer.importText(exportText));
const s = restored.result;
b.close();
report("import log-restore", {
  mode: s.mode,
  events: s.events,
  ms: restored.ms,
  "tasks/s": Math.round(s.tasks / (restored.ms / 1000)),
  "events/s": Math.round(s.events / (restored.ms / 1000)),
});

finish();
