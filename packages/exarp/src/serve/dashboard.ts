// The dashboard's files, served from one folder (the package's dist/web/, built at install): the page
// at `/`, its files under `/assets/`. A name is looked up only if every segment is a plain file name,
// and only if the file it resolves to (links followed) is inside the folder.
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { extname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** Segments of 1–100 letters, digits, `.`, `_` or `-`, none starting with a dot: no `..`, no hidden files. */
const ASSET_PATH = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}(\/[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}){0,7}$/;

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>exarp</title></head>
<body><h1>exarp</h1><p>The dashboard is not built. Run <code>npm run build</code> in the exarp checkout, then reload.
The API under <code>/api</code> works without it.</p></body></html>
`;

/**
 * The dashboard folder of this exarp: `dist/web/` beside the bundle (`dist/bin/cli.js`), or the
 * package's `dist/web/` when running from source. The bundle's place when neither exists.
 */
export function dashboardDir(): string {
  const candidates = ["../web/", "../../dist/web/"].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  return candidates.find((dir) => existsSync(join(dir, "index.html"))) ?? (candidates[0] as string);
}

const file = (bytes: Uint8Array | string, type: string) =>
  new Response(bytes, { headers: { "Content-Type": type, "Cache-Control": "no-cache" } });

export function createDashboard(dir: string) {
  const root = existsSync(dir) ? realpathSync(dir) : dir;

  /** The file under the folder, or undefined when the name is not plain or the file is not there. */
  const read = (name: string): Buffer | undefined => {
    if (!ASSET_PATH.test(name)) return undefined;
    try {
      const path = realpathSync(join(root, name));
      if (!path.startsWith(root + sep) || !statSync(path).isFile()) return undefined;
      return readFileSync(path);
    } catch {
      return undefined;
    }
  };

  return {
    /** The page, or a short one saying the dashboard is not built. */
    page(): Response {
      return file(read("index.html") ?? NOT_BUILT, TYPES[".html"] as string);
    },

    /** A file under `assets/`, or undefined (the caller answers 404). */
    asset(name: string): Response | undefined {
      const bytes = read(`assets/${name}`);
      return bytes && file(bytes, TYPES[extname(name).toLowerCase()] ?? "application/octet-stream");
    },
  };
}

export type Dashboard = ReturnType<typeof createDashboard>;
