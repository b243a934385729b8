// Rewrites the CLI reference in README.md from the commands themselves (`exarp help --markdown`).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const readme = join(root, "README.md");
const table = execFileSync(process.execPath, [join(root, "packages/exarp/dist/bin/exarp.js"), "help", "--markdown"], {
  encoding: "utf8",
});
const text = readFileSync(readme, "utf8");
const start = "<!-- cli-reference:start -->";
const end = "<!-- cli-reference:end -->";
const [before, rest] = text.split(start);
const after = rest?.split(end)[1];
if (before === undefined || after === undefined) throw new Error(`README.md lacks ${start} … ${end}`);
writeFileSync(readme, `${before}${start}\n${table.trimEnd()}\n${end}${after}`);
