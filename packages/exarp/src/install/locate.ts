// Finding what the wiring points at: this exarp's own CLI, the opencode-exarp package, an opencode
// binary. Paths are checked to exist, so nothing is wired to a file that is not there.
import { accessSync, constants, existsSync, realpathSync, statSync } from "node:fs";
import { delimiter, dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { isInside } from "../project/root.ts";

/**
 * The installed CLI launcher (`dist/bin/exarp.js`), found from this code's own location: beside it
 * in the bundle, or in the package's dist/ when running from source. Undefined when not built.
 */
export function ownScript(): string | undefined {
  for (const rel of ["./exarp.js", "../../dist/bin/exarp.js"]) {
    try {
      const path = realpathSync(fileURLToPath(new URL(rel, import.meta.url)));
      if (statSync(path).isFile()) return path;
    } catch {
      // not this layout
    }
  }
  return undefined;
}

const packageDir = (dir: string, name: string) => {
  const candidate = join(dir, "node_modules", name);
  return existsSync(join(candidate, "package.json")) ? candidate : undefined;
};

/**
 * How opencode.json should name the plugin: `./node_modules/opencode-exarp` when the project has it
 * installed, else the absolute folder of the copy installed beside this exarp (a checkout, a global
 * install); undefined when neither exists.
 */
export function findPlugin(root: string, script: string | undefined): string | undefined {
  if (packageDir(root, "opencode-exarp")) return "./node_modules/opencode-exarp";
  for (let dir = script ? dirname(script) : undefined; dir; ) {
    const found = packageDir(dir, "opencode-exarp");
    if (found) {
      const real = realpathSync(found);
      return isInside(real, root) ? `./${relative(root, real).split(sep).join("/")}` : real;
    }
    const parent = dirname(dir);
    dir = parent === dir ? undefined : parent;
  }
  return undefined;
}

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

/** The opencode binary the project would use: its own node_modules/.bin first, then PATH. */
export function findOpencode(root: string, env: NodeJS.ProcessEnv): string | undefined {
  const local = join(root, "node_modules", ".bin", "opencode");
  if (executable(local)) return local;
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir && executable(join(dir, "opencode"))) return join(dir, "opencode");
  }
  return undefined;
}
