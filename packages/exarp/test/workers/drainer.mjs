// Drains a project through the real CLI, one process per command, as an agent's loop would:
// `exarp ready --claim --as agent:NAME --session s_NAME --json` until it answers {"acquired": false}.
// Prints one JSON line per command {claimed: id | null, code, error?} and at the end {done, claimed: [ids]}.
// A command that fails otherwise (any exit but 0, or 1 with {"acquired": false}) is an error, reported.
// Usage: node drainer.mjs ROOT NAME   (the project's EXARP_DATABASE_URL, if any, comes from the environment)
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../../dist/bin/exarp.js", import.meta.url));
const [root, name] = process.argv.slice(2);
const claimed = [];
const errors = [];
for (let i = 0; i < 1000 && errors.length < 5; i++) {
  const r = spawnSync(
    process.execPath,
    [CLI, "ready", "--claim", "--as", `agent:${name}`, "--session", `s_${name}`, "--json"],
    { cwd: root, encoding: "utf8", timeout: 60_000 },
  );
  let answer;
  try {
    answer = JSON.parse(r.stdout);
  } catch {
    answer = undefined;
  }
  if (r.status === 0 && answer?.acquired === true) {
    claimed.push(answer.task.id);
    process.stdout.write(`${JSON.stringify({ claimed: answer.task.id, code: 0 })}\n`);
  } else if (r.status === 1 && answer?.acquired === false) {
    process.stdout.write(`${JSON.stringify({ claimed: null, code: 1 })}\n`);
    break;
  } else {
    errors.push(`exit ${r.status}: ${r.stderr.trim()}`);
    process.stdout.write(`${JSON.stringify({ claimed: null, code: r.status, error: r.stderr.trim() })}\n`);
  }
}
process.stdout.write(`${JSON.stringify({ done: true, claimed, errors })}\n`);
