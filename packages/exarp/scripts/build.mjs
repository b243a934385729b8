// Builds the package: the library with tsc (JavaScript and declarations in dist/; declarations are
// rewritten to import `.js`, so a strict nodenext consumer compiles against them), then the command
// line in dist/bin/:
//   exarp.js  the launcher (src/cli/launch.ts), which compiles the two scripts below with V8's code cache;
//   cli.js    every verb in one CommonJS bundle whose verbs still load on demand (esbuild turns each
//             `import()` into a function run on first use), carrying better-sqlite3's JavaScript,
//             used beside the installed addon of the same version (src/store/driver-node.ts);
//   zod.js    zod with its English messages only, required by the verbs that validate input.
// `bundleCli` is exported for the bench, which builds the other layouts it compares against.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { thirdPartyNotices } from "./licenses.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");

/**
 * zod's own modules import all 40-odd locales (about 200 KB, ~45% of zod's code) to offer them in
 * `z.locales`; exarp only ever uses the English messages zod installs by default.
 */
const englishOnly = {
  name: "zod-english-only",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)
        ? { path: resolve(args.resolveDir, "../locales/index.js"), namespace: "zod-locales" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      resolveDir: dirname(args.path),
    }));
  },
};

/** The better-sqlite3 whose JavaScript the bundle carries (src/store/driver-node.ts uses it beside its own addon). */
const betterSqlite3 = JSON.parse(readFileSync(createRequire(root).resolve("better-sqlite3/package.json"), "utf8"));

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: "node",
  // ESM builds first: jsonc-parser's UMD main requires its parts through a parameter esbuild cannot follow.
  mainFields: ["module", "main"],
  target: "node20",
  // bun:sqlite exists only inside Bun, where this bundle never runs.
  external: ["bun:sqlite"],
  minifySyntax: true,
  minifyWhitespace: true,
  // Their licenses are gathered whole into dist/THIRD-PARTY-LICENSES.txt (scripts/licenses.mjs).
  legalComments: "none",
  logLevel: "warning",
};

/**
 * The command line as esbuild builds it. `layout: "cjs"` (what ships) is two CommonJS scripts for
 * the launcher (src/cli/launch.ts): `outdir/cli.js`, exporting `main`, and `outdir/zod.js`, the `zod`
 * it requires; `layout: "esm-split"` (the previous layout, for the bench) is `outdir/exarp.js` plus
 * ES module chunks, run directly. `allLocales` keeps zod whole (bench).
 */
export async function bundleCli({ outdir, layout = "cjs", allLocales = false, metafile = false }) {
  const plugins = allLocales ? [] : [englishOnly];
  if (layout === "esm-split") {
    return build({
      ...common,
      stdin: {
        contents: 'import { main } from "./src/cli/main.ts";\nprocess.exitCode = await main(process.argv.slice(2));\n',
        resolveDir: root,
        sourcefile: "exarp.ts",
        loader: "ts",
      },
      outdir,
      entryNames: "exarp",
      // As it was: better-sqlite3 loaded from its package.
      external: ["better-sqlite3", ...common.external],
      splitting: true,
      format: "esm",
      chunkNames: "chunks/[name]-[hash]",
      plugins,
      metafile,
      banner: {
        js: "import { createRequire as __exarpRequire } from 'node:module'; const require = __exarpRequire(import.meta.url);",
      },
    });
  }
  const [cli, zod] = await Promise.all([
    build({
      ...common,
      entryPoints: { cli: join(root, "src/cli/main.ts") },
      outdir,
      format: "cjs",
      // zod is its own script (below): the verbs that never validate input neither read nor compile it.
      // Its `import()` becomes a `require` the launcher answers (a vm script has no ES module loader).
      external: ["zod", ...common.external],
      supported: { "dynamic-import": false },
      metafile,
      // CommonJS has no import.meta: the modules that resolve packages from where they are use this file's URL.
      define: { "import.meta.url": "__exarpUrl", EXARP_BUNDLED_BETTER_SQLITE3: JSON.stringify(betterSqlite3.version) },
      banner: { js: "var __exarpUrl = require('node:url').pathToFileURL(__filename).href;" },
    }),
    build({
      ...common,
      stdin: { contents: 'export { z } from "zod";\n', resolveDir: root, sourcefile: "zod.ts", loader: "ts" },
      outdir,
      entryNames: "zod",
      format: "cjs",
      plugins,
      metafile,
    }),
  ]);
  return { cli, zod };
}

async function buildPackage() {
  // Always from scratch: a stale file in dist/ would ship in the tarball.
  rmSync(dist, { recursive: true, force: true });
  const tsc = fileURLToPath(import.meta.resolve("typescript/bin/tsc"));
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

  const bin = join(dist, "bin");
  const { cli, zod } = await bundleCli({ outdir: bin, metafile: true });
  await build({
    ...common,
    entryPoints: { exarp: join(root, "src/cli/launch.ts") },
    outdir: bin,
    format: "cjs",
    define: { "import.meta.url": "__exarpUrl" },
    banner: { js: "var __exarpUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  // dist/bin/ holds CommonJS (the launcher Node runs as `exarp`, and the scripts it compiles).
  writeFileSync(join(bin, "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);
  const web = await (await import("./build-web.mjs")).buildWeb({ metafile: true });
  const notices = thirdPartyNotices(root, [cli.metafile, zod.metafile, web.metafile], "dist/bin/ and dist/web/");
  if (notices) writeFileSync(join(dist, "THIRD-PARTY-LICENSES.txt"), notices);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await buildPackage();
