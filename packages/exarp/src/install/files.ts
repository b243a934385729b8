// Reading and writing the files `exarp init` manages, inside the project only: never through a
// symbolic link, never outside the root, always whole (a temporary file renamed over the old one).
import { randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { DiskFull, StorageError } from "../errors-catalog.ts";
import { isInside } from "../project/root.ts";
import type { Current } from "./plan.ts";

const errnoCode = (error: unknown) => (error as NodeJS.ErrnoException).code ?? String(error);

const exists = (path: string) => {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
};

/** Why the deepest existing folder on the way to `path` (inside `root`) leads outside it, if it does. */
function escapes(root: string, path: string): string | undefined {
  const realRoot = realpathSync(root);
  let dir = dirname(path);
  while (dir !== root && isInside(dir, root) && !exists(dir)) dir = dirname(dir);
  let real: string;
  try {
    real = realpathSync(dir);
  } catch (error) {
    return `${relative(root, dir) || "."} cannot be resolved (${errnoCode(error)})`;
  }
  return isInside(real, realRoot) ? undefined : `${relative(root, dir) || "."} leads outside the project (to ${real})`;
}

/** What `rel` (a project-relative path) holds now. */
export function readCurrent(root: string, rel: string): Current {
  const path = join(root, ...rel.split("/"));
  const out = escapes(root, path);
  if (out) return { unusable: out };
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(path);
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return { absent: true };
    return { unusable: `cannot be read (${errnoCode(error)})` };
  }
  if (stat.isSymbolicLink()) return { unusable: "is a symbolic link; exarp writes only regular files" };
  if (!stat.isFile()) return { unusable: "is not a regular file" };
  try {
    return { text: readFileSync(path, "utf8") };
  } catch (error) {
    return { unusable: `cannot be read (${errnoCode(error)})` };
  }
}

/**
 * Writes `text` to `rel` atomically: beside it first, flushed, then renamed over it, keeping the
 * old file's permissions. Missing folders are created (the first one made is returned). A full
 * disk is DiskFull; any other failure is thrown with the path, and no temporary file or new folder
 * is left.
 */
export function writeAtomic(root: string, rel: string, text: string): string | undefined {
  const path = join(root, ...rel.split("/"));
  const temp = join(dirname(path), `.${rel.split("/").pop()}.exarp-${process.pid}-${randomBytes(4).toString("hex")}`);
  let mode = 0o644;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    // a new file
  }
  let madeDir: string | undefined;
  try {
    madeDir = mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(temp, "wx", mode);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
    return madeDir;
  } catch (error) {
    rmSync(temp, { force: true });
    if (madeDir) rmSync(madeDir, { recursive: true, force: true });
    const code = errnoCode(error);
    if (code === "ENOSPC" || code === "EDQUOT") throw new DiskFull({ path });
    throw new StorageError({ path: path.split(sep).join("/"), reason: `cannot write it (${code})` });
  }
}

/** Deletes `rel` (a regular file, checked by readCurrent); one already gone is fine. */
export function removeFile(root: string, rel: string): void {
  try {
    rmSync(join(root, ...rel.split("/")), { force: true });
  } catch (error) {
    throw new StorageError({ path: rel, reason: `cannot remove it (${errnoCode(error)})` });
  }
}
