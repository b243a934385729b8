// `exarp init`'s database step: the SQLite file in .exarp/, or the team's PostgreSQL (`--database
// URL`, or the database.url the settings already name), created when empty and joined when it
// already holds the project. Everything is checked before anything is written.
import { existsSync } from "node:fs";
import { passwordFrom, sqliteEvents } from "../../app/project.ts";
import { createTeamProject, probeTeamDatabase, teamTarget } from "../../app/team.ts";
import { Refused } from "../../errors-catalog.ts";
import { editSettings, readSettingsFile, settingIn, settingsFile } from "../../install/settings-file.ts";
import { projectPaths } from "../../project/root.ts";
import { CONFIG_FILE, loadSettings, type SettingName } from "../../project/settings.ts";
import { parsePgUrl } from "../../store/postgres/url.ts";
import { inline } from "../../text/safe.ts";
import { type CliContext, str, UsageError } from "../command.ts";

/** What init does about the database, decided before anything is written. */
export type DatabaseStep =
  | { backend: "sqlite"; location: string; exists: boolean }
  | {
      backend: "postgres";
      location: string;
      password: string | undefined;
      /** The database already holds the project: init joins it. */
      exists: boolean;
      events: number;
      /** Settings to write into .exarp/config.json (none when it already says so). */
      save: Partial<Record<SettingName, string>>;
      /** How long creating the project waits for another's lock (the project's busy.timeoutMs). */
      busyTimeoutMs: number | undefined;
    };

const CONFIG = settingsFile(CONFIG_FILE);

export function planDatabase(ctx: CliContext, root: string): DatabaseStep {
  const given = str(ctx.values, "database");
  const passwordEnv = str(ctx.values, "database-password-env");
  if (given === undefined && passwordEnv !== undefined)
    throw new UsageError("--database-password-env goes with --database URL");
  const paths = projectPaths(root);
  const dir = existsSync(paths.dir) ? paths.dir : undefined;
  const { settings, source } = loadSettings(dir, ctx.env);
  const busyTimeoutMs = settings["busy.timeoutMs"];
  const current = settings["database.url"];
  if (given === undefined) {
    if (!current) return { backend: "sqlite", location: paths.db, exists: existsSync(paths.db) };
    const password = passwordFrom(ctx.env, settings["database.passwordEnv"]);
    const probe = probeTeamDatabase(current, { password, busyTimeoutMs });
    return { backend: "postgres", location: parsePgUrl(current).display, password, ...probe, save: {}, busyTimeoutMs };
  }
  const target = teamTarget("--database", given, passwordEnv, ctx.env);
  if (current && parsePgUrl(current).display !== target.url) {
    const where = inline(parsePgUrl(current).display);
    if (source["database.url"] === "EXARP_DATABASE_URL")
      throw new UsageError(
        `EXARP_DATABASE_URL names ${where}, which overrides .exarp/config.json: unset it, or give that URL`,
      );
    throw new Refused({
      reason: `this project already uses ${where} (${inline(source["database.url"])}); \`exarp migrate --to URL\` moves it; nothing changed`,
    });
  }
  if (!current && dir) {
    const events = sqliteEvents(paths);
    if (events > 0)
      throw new Refused({
        reason: `this project's history (${events} event${events === 1 ? "" : "s"}) is in the SQLite database ${paths.db}: \`exarp migrate --to URL\` copies it into the team database and points the project there; nothing changed`,
      });
  }
  const probe = probeTeamDatabase(target.url, { password: target.password, busyTimeoutMs });
  const file = dir ? readSettingsFile(root, CONFIG) : {};
  const save: Partial<Record<SettingName, string>> = {};
  if (settingIn(file, "database.url") !== target.url) save["database.url"] = target.url;
  if (passwordEnv !== undefined && settingIn(file, "database.passwordEnv") !== passwordEnv)
    save["database.passwordEnv"] = passwordEnv;
  return { backend: "postgres", location: target.url, password: target.password, ...probe, save, busyTimeoutMs };
}

/**
 * Creates the team project when the database is empty (or joins it, when another checkout's init
 * created it meanwhile: `step` then says so), then saves the settings.
 */
export function applyDatabase(step: DatabaseStep, root: string): void {
  if (step.backend !== "postgres") return;
  const options = { password: step.password, busyTimeoutMs: step.busyTimeoutMs };
  if (!step.exists && !createTeamProject(step.location, options))
    Object.assign(step, probeTeamDatabase(step.location, options));
  if (Object.keys(step.save).length) editSettings(root, CONFIG, step.save);
}

/** What init says about the database (`would` for a dry run). */
export function databaseLines(step: DatabaseStep, dir: string, dryRun: boolean): string[] {
  if (step.backend === "sqlite") {
    if (dryRun) return [`${step.exists ? "would keep" : "would create"} the exarp project at ${dir} (SQLite)`];
    return [`exarp project ${step.exists ? "already" : "now"} at ${dir} (SQLite: ${step.location})`];
  }
  const where = inline(step.location);
  const head = step.exists
    ? `${dryRun ? "would join" : "joined"} the team project at ${where} (${step.events} event${step.events === 1 ? "" : "s"})`
    : `${dryRun ? "would create" : "created"} the team project at ${where} (PostgreSQL)`;
  const saved = Object.keys(step.save);
  return [
    head,
    `this checkout's settings at ${dir}`,
    ...(saved.length
      ? [
          `${dryRun ? "would save" : "saved"} ${saved.join(" and ")} in ${CONFIG}: commit it, and each teammate's \`exarp init\` joins`,
        ]
      : []),
  ];
}

/** The database as init's `--json` answer gives it. */
export function databaseData(step: DatabaseStep) {
  return step.backend === "sqlite"
    ? { backend: step.backend, location: step.location, created: !step.exists, events: null }
    : {
        backend: step.backend,
        location: step.location,
        created: !step.exists,
        events: step.events,
        saved: Object.keys(step.save),
      };
}
