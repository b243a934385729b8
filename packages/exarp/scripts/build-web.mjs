// Builds the dashboard (web/) into dist/web/: index.html, assets/app.js and assets/app.css, and
// assets/layout-worker.js (the waves graph's layout, with dagre bundled in), minified. Nothing inline, so the server's `Content-Security-Policy: default-src 'self'`
// holds; nothing fetched at run time. Run by build.mjs (so by `npm install`'s prepare) or alone.
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Builds web/ into `outdir` (default dist/web/); answers esbuild's result. */
export async function buildWeb({ outdir = join(root, "dist", "web"), metafile = false } = {}) {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  copyFileSync(join(root, "web", "index.html"), join(outdir, "index.html"));
  return build({
    entryPoints: { app: join(root, "web", "app.ts"), "layout-worker": join(root, "web", "waves", "layout-worker.ts") },
    outdir: join(outdir, "assets"),
    absWorkingDir: root,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["chrome110", "firefox115", "safari16"],
    minify: true,
    legalComments: "none",
    metafile,
    logLevel: "warning",
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await buildWeb();
