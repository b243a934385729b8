import { actorFromEnv } from "../../app/actor.ts";
import { type MigrateTarget, migrateProject } from "../../app/migrate.ts";
import { teamTarget } from "../../app/team.ts";
import { inline } from "../../text/safe.ts";
import { type CliRun, str, UsageError } from "../command.ts";

export const migrate: CliRun = (ctx) => {
  const to = str(ctx.values, "to");
  const passwordEnv = str(ctx.values, "database-password-env");
  if (to === undefined) throw new UsageError("migrate needs --to postgres://USER@HOST/DB[?schema=NAME] or --to sqlite");
  let target: MigrateTarget;
  if (to === "sqlite") {
    if (passwordEnv !== undefined) throw new UsageError("--database-password-env goes with --to postgres://…");
    target = { backend: "sqlite" };
  } else target = { backend: "postgres", ...teamTarget("--to", to, passwordEnv, ctx.env) };
  const result = migrateProject(ctx.root(), target, {
    env: ctx.env,
    warn: (message) => ctx.note(`exarp: warning: ${inline(message, 600)}`),
    actor: actorFromEnv(ctx.env),
  });
  const name = (side: { backend: string; location: string }) => `${inline(side.location)} (${side.backend})`;
  const lines = [
    `copied ${result.events} event${result.events === 1 ? "" : "s"} from ${name(result.from)} to ${name(result.to)}; hash chain verified on both sides${result.lastHash ? `, last hash ${result.lastHash.slice(0, 16)}…` : ""}`,
    result.repointed.length
      ? `the project now uses ${inline(result.to.location)}: changed ${result.repointed.join(" and ")}${result.to.backend === "postgres" ? " (commit .exarp/config.json; each teammate's `exarp init` then joins)" : ""}`
      : `the project now uses ${inline(result.to.location)}`,
    ...(result.keptAside ? [`kept the old SQLite database and audit files, unchanged, in ${result.keptAside}`] : []),
    `${result.from.backend === "postgres" ? `${inline(result.from.location)} still holds the project as it was (nothing was removed); ` : ""}exarp processes already running (exarp serve, exarp mcp) still use the old place: restart them`,
    ...result.notes.map((n) => `note: ${inline(n)}`),
  ];
  return { data: { migrate: result }, text: lines.join("\n") };
};
