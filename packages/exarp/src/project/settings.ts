import { readFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidInput, StorageError } from "../errors-catalog.ts";
import { parseQuietHours } from "../notify/quiet-hours.ts";

/**
 * Project settings live in three places, highest first:
 *   1. the environment (`EXARP_…`), for one shell or one CI job;
 *   2. `.exarp/local.json`, this machine's settings (not committed);
 *   3. `.exarp/config.json`, the team's settings (the one file of `.exarp/` that git keeps).
 * Each file is a JSON object of sections (`{ "audit": { "maxBytes": 1048576 } }`). A value of the
 * wrong type is refused, naming the file and key; unknown keys are reported once and ignored, so an
 * older exarp still opens a project a newer one configured.
 */
export const CONFIG_FILE = "config.json";
/** Sections of local.json that are records kept by exarp, not settings (`install`: what `exarp init` wrote). */
const RECORDS = new Set(["install"]);
export const LOCAL_FILE = "local.json";

type Setting<T> = {
  env: string;
  default: T;
  /** The value, or a sentence saying what is wrong with it. */
  parse(raw: unknown): T | { error: string };
  help: string;
};

const integer =
  (min: number, max: number) =>
  (raw: unknown): number | { error: string } => {
    const n = typeof raw === "string" && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw;
    if (typeof n !== "number" || !Number.isInteger(n)) return { error: "must be a whole number" };
    if (n < min || n > max) return { error: `must be between ${min} and ${max}` };
    return n;
  };

/** A PostgreSQL URL without a password (saved in files: the password comes from ~/.pgpass or a variable). */
const databaseUrl = (raw: unknown): string | { error: string } => {
  if (typeof raw !== "string") return { error: "must be a postgres:// URL, or empty for the SQLite file" };
  if (raw === "") return raw;
  if (!/^postgres(ql)?:\/\/[^\s]+$/i.test(raw))
    return { error: "must be a postgres:// URL, or empty for the SQLite file" };
  return raw;
};

/** True for the name of an environment variable (`database.passwordEnv`). */
export const isVariableName = (name: string) => /^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name);

/** The name of an environment variable, or empty. */
const variableName = (raw: unknown): string | { error: string } =>
  typeof raw === "string" && (raw === "" || isVariableName(raw))
    ? raw
    : { error: "must be the name of an environment variable" };

/** A switch: true or false (from a variable: true, false, 1 or 0). */
const boolean = (raw: unknown): boolean | { error: string } => {
  if (typeof raw === "boolean") return raw;
  if (raw === "true" || raw === "1") return true;
  if (raw === "false" || raw === "0") return false;
  return { error: "must be true or false" };
};

/** Quiet hours, kept as written (trimmed) once they parse. */
const quietHours = (raw: unknown): string | { error: string } => {
  const parsed = parseQuietHours(raw);
  if (parsed && "error" in parsed) return parsed;
  return typeof raw === "string" ? raw.trim() : "";
};

/** Every setting exarp reads, with its variable, default and check. */
export const SETTINGS = {
  "audit.maxBytes": {
    env: "EXARP_AUDIT_MAX_BYTES",
    default: 16 * 1024 * 1024,
    parse: integer(1024, 2 ** 40),
    help: "size at which .exarp/audit.jsonl is rotated to audit.<first>-<last>.jsonl",
  },
  "audit.mirror": {
    env: "EXARP_AUDIT_MIRROR",
    default: false,
    parse: boolean,
    help: "over PostgreSQL, keep this machine's copy of the audit trail in .exarp/audit.jsonl (set in local.json); SQLite always does",
  },
  "busy.timeoutMs": {
    env: "EXARP_BUSY_TIMEOUT_MS",
    default: 5_000,
    parse: integer(0, 600_000),
    help: "how long a write waits for another process's write before it reports Busy (exit 5)",
  },
  "database.url": {
    env: "EXARP_DATABASE_URL",
    default: "",
    parse: databaseUrl,
    help: "the team's PostgreSQL (postgres://user@host/db[?schema=NAME]); empty: the SQLite file .exarp/exarp.db",
  },
  "database.passwordEnv": {
    env: "EXARP_DATABASE_PASSWORD_ENV",
    default: "",
    parse: variableName,
    help: "the variable holding the PostgreSQL password (else ~/.pgpass, PGPASSFILE or PGPASSWORD)",
  },
  "notify.enabled": {
    env: "EXARP_NOTIFY_ENABLED",
    default: true,
    parse: boolean,
    help: "desktop notifications from `exarp serve` and the OpenCode plugin (a review waits, a session failed); false: none",
  },
  "notify.quietHours": {
    env: "EXARP_NOTIFY_QUIET_HOURS",
    default: "",
    parse: quietHours,
    help: 'local time with no desktop notifications but critical ones, like "22:00-07:00" (may wrap midnight); empty: none',
  },
} satisfies Record<string, Setting<number> | Setting<string> | Setting<boolean>>;

export type SettingName = keyof typeof SETTINGS;
export type Settings = {
  [K in SettingName]: (typeof SETTINGS)[K]["default"] extends boolean ? boolean : (typeof SETTINGS)[K]["default"];
};

/** Where each value came from, for `doctor` and error messages. */
export type SettingsSource = { [K in SettingName]: string };

function readJson(path: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new StorageError({ path, reason: `cannot read settings: ${(error as NodeJS.ErrnoException).code}` });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new StorageError({ path, reason: `settings are not valid JSON (${(error as Error).message})` });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new StorageError({ path, reason: "settings must be a JSON object" });
  return value as Record<string, unknown>;
}

const lookup = (file: Record<string, unknown>, key: string): unknown => {
  const [section, name] = key.split(".") as [string, string];
  const inner = file[section];
  return inner && typeof inner === "object" ? (inner as Record<string, unknown>)[name] : undefined;
};

function unknownKeys(file: Record<string, unknown>): string[] {
  const known = new Set<string>(Object.keys(SETTINGS));
  const out: string[] = [];
  for (const [section, inner] of Object.entries(file)) {
    if (section === "$schema" || RECORDS.has(section)) continue;
    if (!inner || typeof inner !== "object" || Array.isArray(inner)) {
      out.push(section);
      continue;
    }
    for (const name of Object.keys(inner)) if (!known.has(`${section}.${name}`)) out.push(`${section}.${name}`);
  }
  return out;
}

/**
 * Reads the settings of the project whose `.exarp/` is `dir` (none: defaults and environment only).
 * `warn` hears about unknown keys.
 */
export function loadSettings(
  dir: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  warn: (message: string) => void = () => undefined,
): { settings: Settings; source: SettingsSource } {
  const files = dir
    ? [join(dir, LOCAL_FILE), join(dir, CONFIG_FILE)].flatMap((path) => {
        const data = readJson(path);
        return data ? [{ path, data }] : [];
      })
    : [];
  for (const { path, data } of files) {
    const extra = unknownKeys(data);
    if (extra.length) warn(`${path}: unknown settings ignored: ${extra.join(", ")}`);
  }
  const settings = {} as Record<string, unknown>;
  const source = {} as Record<string, string>;
  for (const [key, setting] of Object.entries(SETTINGS) as [SettingName, Setting<unknown>][]) {
    const candidates: { where: string; raw: unknown }[] = [
      ...(env[setting.env] !== undefined && env[setting.env] !== ""
        ? [{ where: setting.env, raw: env[setting.env] }]
        : []),
      ...files.map(({ path, data }) => ({ where: `${path}: ${key}`, raw: lookup(data, key) })),
    ];
    const chosen = candidates.find((c) => c.raw !== undefined);
    if (!chosen) {
      settings[key] = setting.default;
      source[key] = "default";
      continue;
    }
    const value = setting.parse(chosen.raw);
    if (typeof value === "object" && value !== null) {
      // A bad variable is bad input to this run (exit 2); a bad file makes the project unusable (exit 3).
      const { error } = value as { error: string };
      if (chosen.where === setting.env) throw new InvalidInput({ issues: [`${setting.env} ${error}`] });
      throw new StorageError({ path: chosen.where, reason: `${key} ${error}` });
    }
    settings[key] = value;
    source[key] = chosen.where;
  }
  return { settings: settings as Settings, source: source as SettingsSource };
}
