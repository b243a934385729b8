// Builds the package: the library with tsc (JavaScript and declarations in dist/), then the command
// line as an esbuild bundle in dist/bin/ whose verbs load on demand (help and --version load no
// core), with the MCP SDK bundled in so `exarp mcp` starts fast. Declarations are rewritten to
// import `.js`, so a strict nodenext consumer compiles against them.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const tsc = fileURLToPath(import.meta.resolve("typescript/bin/tsc"));

// Always from scratch: a stale file in dist/ would ship in the tarball.
rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.json")], { stdio: "inherit" });

const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
for (const file of walk(dist).filter((f) => f.endsWith(".d.ts"))) {
  const text = readFileSync(file, "utf8");
  const fixed = text.replace(/(from\s+|import\()(["'])(\.{1,2}\/[^"']+)\.ts\2/g, "$1$2$3.js$2");
  if (fixed !== text) writeFileSync(file, fixed);
}

await build({
  entryPoints: { exarp: join(root, "src/cli/main.ts") },
  outdir: join(dist, "bin"),
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  // ESM builds first: jsonc-parser's UMD main requires its parts through a parameter esbuild cannot follow.
  mainFields: ["module", "main"],
  target: "node20",
  // The native driver stays a dependency; bun:sqlite exists only inside Bun, where this bundle never runs.
  external: ["better-sqlite3", "bun:sqlite"],
  chunkNames: "chunks/[name]-[hash]",
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: "linked",
  logLevel: "warning",
  banner: {
    js: "import { createRequire as __exarpRequire } from 'node:module'; const require = __exarpRequire(import.meta.url);",
  },
});
