// Writes through the real CLI, one process per command, as a shell script or an agent would: adds
// tasks, edits and comments on its own, until MAX commands ran or a line "stop" arrives on stdin.
// After each command prints {i, code, stderr} as a JSON line; at the end {done: true, commands}.
// Usage: node cli-writer.mjs ROOT NAME MAX
import { spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../../dist/bin/exarp.js", import.meta.url));
const [root, name, max] = process.argv.slice(2);
let stopped = false;
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line === "stop") stopped = true;
});

const exarp = (args) => {
  const r = spawnSync(process.execPath, [CLI, ...args, "--as", `agent:${name}`], {
    cwd: root,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
};

let mine;
let i = 0;
for (; i < Number(max) && !stopped; i++) {
  const args =
    mine && i % 3 === 1
      ? ["comment", mine, `${name} note ${i}`]
      : mine && i % 3 === 2
        ? ["edit", mine, "--title", `${name} ${i} edited`, "-d", `${name} `.repeat(i % 40)]
        : ["add", `${name} ${i}`, "-q"];
  const r = exarp(args);
  if (args[0] === "add" && r.code === 0) mine = r.stdout.trim();
  process.stdout.write(`${JSON.stringify({ i, code: r.code, stderr: r.stderr })}\n`);
  // Yield to the event loop so a "stop" line is read between commands.
  await new Promise((resolve) => setImmediate(resolve));
}
process.stdout.write(`${JSON.stringify({ done: true, commands: i })}\n`);
process.exit(0);
