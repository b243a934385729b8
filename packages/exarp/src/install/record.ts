// The installer's record: what `exarp init` wrote on this machine (SHA-256 per file and key), kept in
// `.exarp/local.json` under `install`. Machine-local because the MCP entries it writes hold this
// machine's paths; a file a teammate committed that matches what init would write is simply adopted.
import { StorageError } from "../errors-catalog.ts";
import { EXARP_DIR } from "../project/root.ts";
import { LOCAL_FILE } from "../project/settings.ts";
import { readCurrent, writeAtomic } from "./files.ts";
import { parseSettings } from "./json-edit.ts";
import type { Record_ } from "./plan.ts";

export const RECORD_FILE = `${EXARP_DIR}/${LOCAL_FILE}`;
const SECTION = "install";

function readLocal(root: string): Record<string, unknown> {
  const now = readCurrent(root, RECORD_FILE);
  if ("absent" in now) return {};
  if ("unusable" in now) throw new StorageError({ path: RECORD_FILE, reason: now.unusable });
  const parsed = parseSettings(now.text, "json");
  if (!parsed.ok) throw new StorageError({ path: RECORD_FILE, reason: parsed.reason });
  return parsed.root;
}

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
