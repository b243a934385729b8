// Copies non-TypeScript assets (SQL migrations) from src/ to dist/ after tsc.
import { cpSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");
const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
for (const file of walk(src).filter((f) => f.endsWith(".sql"))) {
  cpSync(file, join(root, "dist", relative(src, file)));
}
