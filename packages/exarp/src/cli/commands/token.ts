import { inline } from "../../text/safe.ts";
import type { TokenCreate, TokenView } from "../../token/token.ts";
import { type CliContext, type CliResult, type CliRun, str, UsageError } from "../command.ts";
import { table, time } from "../render.ts";

/** Whoever runs the command creates or revokes: `--as` names the new token's identity, never the actor. */
const open = (ctx: CliContext) =>
  ctx.exarp({ actor: (given, fromEnv) => ({ name: fromEnv.name, session: given.session ?? fromEnv.session }) });

const tokenLine = (t: TokenView) => `${t.id} (${t.scope}, acts as ${inline(t.identity)}, ${inline(t.name, 60)})`;

/** Refuses options that only `create` takes. */
function createOnly(ctx: CliContext, action: string): void {
  const given = ["scope", "name", "as", "quiet"].filter((o) => ctx.values[o] !== undefined);
  if (given.length) throw new UsageError(`token ${action} takes no ${given.map((o) => `--${o}`).join(", ")}`);
}

function create(ctx: CliContext): CliResult {
  const created = open(ctx).tokens.create({
    // The service checks the scope (and names `--scope` when it is missing or unknown).
    scope: str(ctx.values, "scope") as TokenCreate["scope"],
    name: str(ctx.values, "name"),
    as: str(ctx.values, "as"),
  });
  if (ctx.values.quiet === true) return { data: created, text: created.secret };
  return {
    data: created,
    text: [
      `created token ${tokenLine(created.token)}`,
      created.secret,
      "This secret is shown once and will not be shown again: keep it now.",
    ].join("\n"),
  };
}

function list(ctx: CliContext): CliResult {
  const tokens = open(ctx).tokens.list();
  if (!tokens.length) return { data: { tokens }, text: "no tokens" };
  const rows = tokens.map((t) => [
    t.id,
    t.scope,
    inline(t.identity),
    inline(t.name, 60),
    time(t.createdAt),
    t.revokedAt === null ? "-" : time(t.revokedAt),
  ]);
  return { data: { tokens }, text: table(["ID", "SCOPE", "IDENTITY", "NAME", "CREATED", "REVOKED"], rows) };
}

function revoke(ctx: CliContext, id: string): CliResult {
  const revoked = open(ctx).tokens.revoke({ id });
  return { data: { token: revoked }, text: `revoked token ${tokenLine(revoked)}` };
}

export const token: CliRun = (ctx) => {
  const [action, id] = ctx.args as [string, string | undefined];
  if (action !== "create" && action !== "list" && action !== "revoke")
    throw new UsageError(`token takes create, list or revoke, not ${JSON.stringify(inline(action, 40))}`);
  if (action === "revoke") {
    if (id === undefined) throw new UsageError("missing arguments; usage: exarp token revoke ID");
    createOnly(ctx, action);
    return revoke(ctx, id);
  }
  if (id !== undefined)
    throw new UsageError(`unexpected argument ${JSON.stringify(inline(id, 40))}; usage: exarp token ${action}`);
  if (action === "list") {
    createOnly(ctx, action);
    return list(ctx);
  }
  return create(ctx);
};
