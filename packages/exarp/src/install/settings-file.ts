// Reading and changing keys of exarp's own settings files (.exarp/config.json, the team's, and
// .exarp/local.json, this machine's), keeping every other key: written whole, atomically.
import { StorageError } from "../errors-catalog.ts";
import { EXARP_DIR } from "../project/root.ts";
import type { CONFIG_FILE, LOCAL_FILE, SettingName } from "../project/settings.ts";
import { readCurrent, writeAtomic } from "./files.ts";
import { parseSettings } from "./json-edit.ts";

/** The project-relative path of a settings file. */
export const settingsFile = (file: typeof CONFIG_FILE | typeof LOCAL_FILE) => `${EXARP_DIR}/${file}`;

/** A settings file's object (empty when the file does not exist); an unusable file is a StorageError. */
export function readSettingsFile(root: string, rel: string): Record<string, unknown> {
  const now = readCurrent(root, rel);
  if ("absent" in now) return {};
  if ("unusable" in now) throw new StorageError({ path: rel, reason: now.unusable });
  const parsed = parseSettings(now.text, "json");
  if (!parsed.ok) throw new StorageError({ path: rel, reason: parsed.reason });
  return parsed.root;
}

/** The value a settings file holds for `key` (undefined when it holds none). */
export function settingIn(file: Record<string, unknown>, key: SettingName): unknown {
  const [section, name] = key.split(".") as [string, string];
  const inner = file[section];
  return inner && typeof inner === "object" && !Array.isArray(inner)
    ? (inner as Record<string, unknown>)[name]
    : undefined;
}

/**
 * Sets (a value) or removes (undefined) settings in one file, keeping every other key; a section
 * left empty goes too. Returns false, writing nothing, when the file already says exactly that.
 */
export function editSettings(root: string, rel: string, changes: Partial<Record<SettingName, unknown>>): boolean {
  const file = readSettingsFile(root, rel);
  let changed = false;
  for (const [key, value] of Object.entries(changes)) {
    const [section, name] = key.split(".") as [string, string];
    const inner = file[section];
    if (inner !== undefined && (typeof inner !== "object" || inner === null || Array.isArray(inner)))
      throw new StorageError({ path: rel, reason: `"${section}" is not an object` });
    const keys = { ...(inner as Record<string, unknown> | undefined) };
    if (value === undefined) {
      if (!(name in keys)) continue;
      delete keys[name];
    } else {
      if (keys[name] === value) continue;
      keys[name] = value;
    }
    changed = true;
    if (Object.keys(keys).length) file[section] = keys;
    else delete file[section];
  }
  if (changed) writeAtomic(root, rel, `${JSON.stringify(file, null, 2)}\n`);
  return changed;
}
