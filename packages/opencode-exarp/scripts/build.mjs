// Builds the published plugin: one esbuild bundle (dist/index.js) of the plugin's source with the
// exarp core inside, built from the core's source, so the package has no runtime dependencies; its
// declarations (dist/*.d.ts) name nothing but the peer @opencode-ai/plugin; and the licenses of the
// third-party code inside the bundle (dist/THIRD-PARTY-LICENSES.txt).
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import ts from "typescript";
import { thirdPartyNotices } from "../../exarp/scripts/licenses.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");
const dist = join(root, "dist");
const core = join(root, "..", "exarp");
/** Provided by OpenCode's project (a peer), by Bun itself, or never loaded under Bun (the core's Node driver). */
const EXTERNAL = ["@opencode-ai/plugin", "bun:sqlite", "better-sqlite3"];

// Always from scratch: a stale file in dist/ would ship in the tarball.
rmSync(dist, { recursive: true, force: true });

const { metafile } = await build({
  absWorkingDir: root,
  entryPoints: { index: join(src, "index.ts") },
  outdir: dist,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "es2022",
  alias: { exarp: join(core, "src", "index.ts") },
  external: EXTERNAL,
  // The core loads its SQLite driver with a `require` made by createRequire, at run time: bun:sqlite
  // under Bun, better-sqlite3 never here. Bun also gives ES modules a `require`, so a require()
  // that esbuild keeps in bundled CommonJS code would work too.
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
});

// Declarations: the entry and what it re-exports, emitted one file at a time (the rest of the
// plugin's source is internal). They may import only the peer; anything else would be missing for
// whoever installs the package.
const config = ts.getParsedCommandLineOfConfigFile(
  join(root, "tsconfig.build.json"),
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  },
);
const program = ts.createProgram(config.fileNames, config.options);
const pending = [join(src, "index.ts")];
const done = new Set();
while (pending.length > 0) {
  const file = pending.pop();
  if (done.has(file)) continue;
  done.add(file);
  const source = program.getSourceFile(file);
  if (!source) throw new Error(`declarations: ${relative(root, file)} is not in tsconfig.build.json's program`);
  let text;
  const result = program.emit(
    source,
    (_name, data) => {
      text = data;
    },
    undefined,
    true,
  );
  if (result.emitSkipped || text === undefined) throw new Error(`declarations: nothing emitted for ${file}`);
  const fixed = text.replace(/(from\s+|import\()(["'])([^"']+)\2/g, (whole, lead, quote, specifier) => {
    if (specifier.startsWith("./") || specifier.startsWith("../")) {
      const target = join(dirname(file), specifier);
      if (!target.endsWith(".ts")) throw new Error(`declarations: ${relative(root, file)} imports ${specifier}`);
      pending.push(target);
      return `${lead}${quote}${specifier.replace(/\.ts$/, ".js")}${quote}`;
    }
    if (specifier !== "@opencode-ai/plugin")
      throw new Error(
        `declarations: ${relative(root, file)} exposes ${specifier}, which the package does not depend on`,
      );
    return whole;
  });
  const out = join(dist, relative(src, file).replace(/\.ts$/, ".d.ts"));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, fixed);
}

// Licenses of the packages bundled in (the core's own license is the package's LICENSE).
const notices = thirdPartyNotices(root, [metafile], "dist/index.js");
if (notices) writeFileSync(join(dist, "THIRD-PARTY-LICENSES.txt"), notices);
