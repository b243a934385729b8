// The installer's record: what `exarp init` wrote on this machine (SHA-256 per file and key), kept in
// `.exarp/local.json` under `install`. Machine-local because the MCP entries it writes hold this
// machine's paths; a file a teammate committed that matches what init would write is simply adopted.
import { StorageError } from "../errors-catalog.ts";
import { LOCAL_FILE } from "../project/settings.ts";
import { writeAtomic } from "./files.ts";
import type { Record_ } from "./plan.ts";
import { readSettingsFile, settingsFile } from "./settings-file.ts";

export const RECORD_FILE = settingsFile(LOCAL_FILE);
const SECTION = "install";

const readLocal = (root: string) => readSettingsFile(root, RECORD_FILE);

/** What init recorded writing in this project (empty when it never ran here). */
export function readRecord(root: string): Record_ {
  const section = readLocal(root)[SECTION];
  if (section === undefined) return {};
  if (typeof section !== "object" || section === null || Array.isArray(section))
    throw new StorageError({ path: RECORD_FILE, reason: `"${SECTION}" is not an object` });
  return Object.fromEntries(
    Object.entries(section).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
}

/** Replaces the record, keeping every other section of local.json. */
export function writeRecord(root: string, record: Record_): void {
  const local = readLocal(root);
  const sorted = Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
  writeAtomic(root, RECORD_FILE, `${JSON.stringify({ ...local, [SECTION]: sorted }, null, 2)}\n`);
}
