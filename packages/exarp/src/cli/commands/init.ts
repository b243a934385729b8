import { existsSync } from "node:fs";
import { join } from "node:path";
import { Refused } from "../../errors-catalog.ts";
import { applyPlan } from "../../install/apply.ts";
import {
  type Artifact,
  artifactsFor,
  CLIENT_INFO,
  CLIENTS,
  type Client,
  mcpFor,
  type Wiring,
} from "../../install/artifacts.ts";
import { readCurrent } from "../../install/files.ts";
import { findOpencode, findPlugin, ownScript } from "../../install/locate.ts";
import { type Plan, planInstall, type Step } from "../../install/plan.ts";
import { readRecord } from "../../install/record.ts";
import { BUILD_AGENT } from "../../install/templates.ts";
import { checkMcp, checkOpencodePlugin, type Verdict } from "../../install/verify.ts";
import { initRoot, projectPaths } from "../../project/root.ts";
import { inline, unsafeReason } from "../../text/safe.ts";
import { type CliContext, type CliRun, str, UsageError } from "../command.ts";
import { applyDatabase, databaseData, databaseLines, planDatabase } from "./init-database.ts";

/** A choice of clients and models, from flags or from the prompts. */
export type InitChoice = { clients: Client[]; model?: string; smallModel?: string };

const MCP_CLIENTS: readonly Client[] = ["opencode-mcp", "claude-code", "cursor", "zed"];

/** Clients this project already shows signs of, for `--yes` and the prompts' defaults. */
export function detectClients(root: string, pluginFound: boolean): Client[] {
  const has = (...names: string[]) => names.some((n) => existsSync(join(root, n)));
  const found: Client[] = [];
  if (has("opencode.json", "opencode.jsonc", ".opencode")) found.push(pluginFound ? "opencode" : "opencode-mcp");
  if (has(".claude", ".mcp.json", "CLAUDE.md")) found.push("claude-code");
  if (has(".cursor")) found.push("cursor");
  if (has(".zed")) found.push("zed");
  return found;
}

/** A model name as the templates hold it: one line, no spaces; OpenCode's are `provider/model`. */
export function checkModel(flag: string, value: string | undefined, clients: readonly Client[]): string | undefined {
  if (value === undefined) return undefined;
  const bad = unsafeReason(value, false);
  if (bad) throw new UsageError(`--${flag} ${bad}`);
  if (value.length === 0 || value.length > 200 || /\s/.test(value))
    throw new UsageError(`--${flag} must be a model name of 1 to 200 characters without spaces`);
  if (clients.some((c) => c.startsWith("opencode")) && !/^[^/]+\/.+$/.test(value))
    throw new UsageError(
      `--${flag} for OpenCode is provider/model (for example anthropic/claude-sonnet-4-5), not ${JSON.stringify(value)}`,
    );
  return value;
}

function choiceFromFlags(ctx: CliContext, root: string, pluginFound: boolean): InitChoice | undefined {
  const flagged = CLIENTS.filter((c) => ctx.values[c] === true);
  if (flagged.length === 0 && ctx.values.yes !== true) return undefined;
  const clients = flagged.length ? flagged : detectClients(root, pluginFound);
  return { clients, model: str(ctx.values, "model"), smallModel: str(ctx.values, "small-model") };
}

export function checkChoice(choice: InitChoice): InitChoice {
  if (choice.clients.includes("opencode") && choice.clients.includes("opencode-mcp"))
    throw new UsageError(
      "choose one of --opencode (the plugin) and --opencode-mcp (the MCP server): with both, the model gets two sets of exarp tools for the same work",
    );
  return {
    clients: choice.clients,
    model: checkModel("model", choice.model, choice.clients),
    smallModel: checkModel("small-model", choice.smallModel, choice.clients),
  };
}

/** The wiring for this project; refuses when --opencode has no plugin package to point at. */
export function wiringFor(root: string, choice: InitChoice, plugin: string | undefined, removing = false): Wiring {
  const script = ownScript();
  if (!script)
    throw new UsageError("cannot tell where this exarp's CLI script is; run it as `exarp` or `node …/exarp.js`");
  if (choice.clients.includes("opencode") && !plugin && !removing)
    throw new UsageError(
      `opencode-exarp is not installed in ${root} (nor beside this exarp): run \`npm install --save-dev opencode-exarp\` there, or use --opencode-mcp`,
    );
  const opencodeFile = existsSync(join(root, "opencode.jsonc"))
    ? ({ path: "opencode.jsonc", format: "jsonc" } as const)
    : ({ path: "opencode.json", format: "jsonc" } as const);
  return {
    mcp: { command: process.execPath, args: [script, "mcp", "-C", root] },
    plugin: plugin ?? "./node_modules/opencode-exarp",
    opencodeFile,
    ...(choice.model ? { model: choice.model } : {}),
    ...(choice.smallModel ? { smallModel: choice.smallModel } : {}),
  };
}

const SAID: Record<Step["action"], string> = {
  create: "create",
  add: "add",
  update: "update",
  unchanged: "unchanged",
  remove: "remove",
  overwrite: "overwrite (--force)",
};

/**
 * Refuses a plan that cannot be carried out: files exarp cannot use are bad input (exit 2); things
 * someone else changed are named, to keep or to replace with --force (Refused, exit 1).
 */
export function refusal(plan: Plan, byHand: string, forceDoes: string): void {
  if (plan.invalid.length)
    throw new UsageError(`nothing changed: ${plan.invalid.map((p) => inline(p)).join("; ")} — fix it, or ${byHand}`);
  if (plan.conflicts.length)
    throw new Refused({
      reason: `nothing changed: changed by someone else since exarp wrote them (or never exarp's): ${plan.conflicts.map((c) => inline(c)).join("; ")} — keep them, or run again with --force to ${forceDoes}`,
    });
}

export function planLines(plan: Plan): string[] {
  return plan.steps.map((s) => `  ${SAID[s.action].padEnd(19)} ${inline(s.label)}`);
}

export const init: CliRun = async (ctx) => {
  if (ctx.values.remove === true) {
    const database = ["database", "database-password-env"].filter((o) => ctx.values[o] !== undefined);
    if (database.length) throw new UsageError(`init --remove takes no ${database.map((o) => `--${o}`).join(", ")}`);
    return (await import("./init-remove.ts")).remove(ctx);
  }
  const root = initRoot(ctx.start(), ctx.env);
  const plugin = findPlugin(root, ownScript());
  const interactive =
    !ctx.json && process.stdin.isTTY === true && process.stdout.isTTY === true && CLIENTS.every((c) => !ctx.values[c]);
  let choice = choiceFromFlags(ctx, root, plugin !== undefined);
  if (!choice && interactive && ctx.values.yes !== true) {
    const { askChoice } = await import("./init-prompts.ts");
    choice = await askChoice(detectClients(root, plugin !== undefined), plugin !== undefined, checkModel);
    if (!choice) return { data: { cancelled: true }, text: "cancelled; nothing changed", exitCode: 1 };
  }
  const chosen = checkChoice(choice ?? { clients: [] });
  const paths = projectPaths(root);
  const wiring = chosen.clients.length ? wiringFor(root, chosen, plugin) : undefined;
  const artifacts: Artifact[] = wiring ? chosen.clients.flatMap((c) => artifactsFor(c, wiring)) : [];
  const plan = planInstall(artifacts, (rel) => readCurrent(root, rel), readRecord(root), ctx.values.force === true);
  refusal(plan, "wire that client by hand", "replace them");
  const steps = plan.steps.map((s) => ({ ...s }));
  // The database is looked at (a team database: reached, and its schema judged) before anything is written.
  const database = planDatabase(ctx, root);
  if (ctx.values["dry-run"] === true) {
    return {
      data: {
        dryRun: true,
        project: { ...paths, created: false },
        database: databaseData(database),
        clients: chosen.clients,
        steps,
      },
      text: [...databaseLines(database, paths.dir, true), ...planLines(plan), "dry run: nothing changed"].join("\n"),
    };
  }

  applyDatabase(database, root);
  ctx.initExarp();
  const lines = databaseLines(database, paths.dir, false);
  const verified: Record<string, Verdict> = {};
  // Each MCP entry is started exactly as written before the file naming it is.
  for (const client of wiring ? chosen.clients.filter((c) => MCP_CLIENTS.includes(c)) : []) {
    const launch = mcpFor(client, wiring as Wiring);
    const verdict = await checkMcp(launch, root, ctx.env);
    verified[client] = verdict;
    if (!verdict.ok)
      throw new Refused({
        reason: `${CLIENT_INFO[client].title}: the MCP server did not start as it would be written (${inline(verdict.reason, 600)}); no client was wired, the project is at ${paths.dir}`,
      });
  }
  applyPlan(root, plan, chosen.clients.length > 0);
  lines.push(...planLines(plan));

  let exitCode = 0;
  for (const client of chosen.clients) {
    const title = CLIENT_INFO[client].title;
    if (client === "opencode") {
      const opencode = findOpencode(root, ctx.env);
      if (!opencode) {
        lines.push(
          `${title}: wired; not verified: no \`opencode\` in node_modules/.bin or on PATH (run \`exarp init --opencode\` again once it is installed)`,
        );
        continue;
      }
      if (existsSync(join(root, ".opencode")))
        ctx.note(
          "note: this project has .opencode/, where OpenCode installs packages at each start; offline, the plugin waits for it",
        );
      const entry = (wiring as Wiring).plugin;
      const pluginPath = entry.startsWith(".") ? join(root, entry) : entry;
      const verdict = await checkOpencodePlugin(opencode, BUILD_AGENT, "exarp_board", pluginPath, root, ctx.env);
      verified[client] = verdict;
      if (verdict.ok) lines.push(`${title}: ${verdict.detail} in ${verdict.ms} ms`);
      else {
        ctx.note(`exarp: ${title}: wired, but OpenCode does NOT load the plugin: ${inline(verdict.reason, 600)}`);
        exitCode = 1;
      }
      continue;
    }
    const verdict = verified[client];
    if (verdict?.ok)
      lines.push(`${title}: ${verdict.detail} (${verdict.ms} ms), acting as ${CLIENT_INFO[client].agent}`);
  }
  const seen = chosen.clients.length ? [] : detectClients(root, plugin !== undefined);
  if (seen.length)
    lines.push(
      `seen in this project, not wired: ${seen.map((c) => CLIENT_INFO[c].title).join(", ")} (\`exarp init ${seen.map((c) => `--${c}`).join(" ")}\`)`,
    );
  if (/[/\\]_npx[/\\]/.test(wiring?.mcp.args[0] ?? "") && chosen.clients.some((c) => MCP_CLIENTS.includes(c)))
    lines.push(
      "note: this exarp runs from npx's cache, which npm may clear; `npm install --save-dev exarp` keeps the MCP entries working",
    );
  return {
    data: {
      project: { ...paths, created: !database.exists },
      database: databaseData(database),
      clients: chosen.clients,
      steps,
      verified,
      seen,
    },
    text: lines.join("\n"),
    exitCode,
  };
};
