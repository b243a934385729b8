import { linkSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isPerson, isSubagent } from "../../identity/identity.ts";
import { SHORT_BUSY_TIMEOUT_MS } from "../../kernel/busy.ts";
import { DEFAULT_LEASE_TTL_MS } from "../../lease/lease.ts";
import { createNotifier } from "../../notify/notifier.ts";
import { projectPaths } from "../../project/root.ts";
import { loadSettings } from "../../project/settings.ts";
import { createOpenCodeClient } from "../../run/opencode.ts";
import { type StartedOpenCode, startOpenCode } from "../../run/opencode-serve.ts";
import { createTable, jsonLine, type Progress, textLine } from "../../run/progress.ts";
import { runRunner } from "../../run/runner.ts";
import { repoRoot } from "../../runner/worktree.ts";
import { type CliContext, type CliRun, int, str, UsageError } from "../command.ts";

export const DEFAULT_RUNNER = "agent:runner";

/** A positive number of seconds (decimals allowed), in milliseconds. */
function seconds(ctx: CliContext, key: string, min: number): number | undefined {
  const v = str(ctx.values, key);
  if (v === undefined) return undefined;
  const n = Number(v.trim());
  if (!/^\d+(\.\d+)?$/.test(v.trim()) || !Number.isFinite(n) || n < min || n > 86_400)
    throw new UsageError(`--${key} must be a number of seconds from ${min} to 86400, not ${JSON.stringify(v)}`);
  return Math.round(n * 1000);
}

function bounded(ctx: CliContext, key: string, min: number, max: number): number | undefined {
  const n = int(ctx.values, key);
  if (n !== undefined && (n < min || n > max)) throw new UsageError(`--${key} must be ${min}–${max}, not ${n}`);
  return n;
}

function modelOf(value: string | undefined): { providerID: string; modelID: string } | undefined {
  if (value === undefined) return undefined;
  const slash = value.indexOf("/");
  if (slash <= 0 || slash === value.length - 1 || /[\s\p{Cc}]/u.test(value))
    throw new UsageError(
      `--model must be PROVIDER/MODEL (e.g. anthropic/claude-sonnet-4-5), not ${JSON.stringify(value)}`,
    );
  return { providerID: value.slice(0, slash), modelID: value.slice(slash + 1) };
}

function urlOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(
      `--url must be the address of an \`opencode serve\`, such as http://127.0.0.1:4096, not ${JSON.stringify(value)}`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new UsageError(`--url must be http(s), not ${url.protocol}`);
  return url.toString();
}

/**
 * One runner per identity per project: a pid file in `.exarp/`, refused while the process it names
 * lives (a dead runner's file is taken over: that is how a restart adopts its leases).
 */
function lockRunner(dir: string, identity: string): () => void {
  const file = join(dir, `runner-${identity.replace(/[^A-Za-z0-9._-]/g, "_")}.pid`);
  // Written whole to a file of this process's own, then linked into place: the link either makes the
  // lock or fails because another runner has it, so two runners starting together never both proceed.
  const mine = `${file}.${process.pid}`;
  writeFileSync(mine, `${process.pid}\n`);
  try {
    for (let tries = 0; ; tries++) {
      try {
        linkSync(mine, file);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST" || tries >= 3) throw error;
      }
      const pid = Number(readText(file).trim());
      if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid))
        throw new UsageError(
          `another runner (pid ${pid}) works as ${identity} in this project; stop it first, or run --as another agent`,
        );
      // A dead runner's file (or a damaged one): taken over, which is how a restart adopts its leases.
      rmSync(file, { force: true });
    }
  } finally {
    rmSync(mine, { force: true });
  }
  return () => {
    if (readText(file).trim() === String(process.pid)) rmSync(file, { force: true });
  };
}

/** A file's text, or "" when it cannot be read (gone meanwhile). */
function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Refuses a --url nothing answers at, before anything is claimed. */
async function reachable(url: string): Promise<void> {
  try {
    await createOpenCodeClient(url).busySessions(process.cwd());
  } catch (error) {
    throw new UsageError(`--url ${url}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Failures a person should look at, logged as warnings; the rest of the runner's changes at info. */
const WARNED = new Set<Progress["kind"]>(["retrying", "blocked", "lost", "error", "permission_refused"]);

/**
 * Where progress goes: JSON lines, a live table on a terminal, or one line per change; and, when
 * EXARP_LOG is set, one structured record per change (scope exarp.run).
 */
function reporter(ctx: CliContext): { report: (p: Progress) => void; close: () => void } {
  const write = (text: string) => process.stdout.write(text);
  const logger = ctx.logger.scoped("exarp.run");
  const logged = (show: (p: Progress) => void) => (p: Progress) => {
    show(p);
    if (logger.on) {
      const { kind, title, at, ...rest } = p;
      logger.emit(WARNED.has(kind) ? "warn" : "info", textLine(p).trimEnd(), {
        "exarp.run.kind": kind,
        ...Object.fromEntries(Object.entries(rest).map(([k, v]) => [`exarp.run.${k}`, v])),
      });
    }
  };
  if (ctx.json) return { report: logged((p) => write(jsonLine(p))), close: () => undefined };
  if (!process.stdout.isTTY) return { report: logged((p) => write(textLine(p))), close: () => undefined };
  const table = createTable(write);
  const timer = setInterval(table.tick, 1000);
  return { report: logged(table.update), close: () => clearInterval(timer) };
}

/** An OpenCode session id as `--report-to` takes it: printable, short. */
function sessionOption(value: string | undefined): string | undefined {
  if (value !== undefined && !/^[\w.-]{1,100}$/.test(value))
    throw new UsageError(`--report-to must be an OpenCode session id (ses_…), not ${JSON.stringify(value)}`);
  return value;
}

/** One slot per `--can` (its tags comma-separated); undefined when none is given. */
function slotsOf(value: unknown): string[][] | undefined {
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value]).map((v: string) => {
    const tags = v.split(",").map((t) => t.trim());
    if (tags.some((t) => t === "")) throw new UsageError(`--can ${JSON.stringify(v)} has an empty tag`);
    return tags;
  });
}

/** The runner's desktop notifications (`--no-notify`, setting notify.enabled); its note on stderr either way. */
function alerts(ctx: CliContext, dir: string) {
  const { settings } = loadSettings(dir, ctx.env);
  const notifier =
    ctx.values["no-notify"] === true
      ? undefined
      : createNotifier({
          env: ctx.env,
          enabled: settings["notify.enabled"],
          quietHours: settings["notify.quietHours"],
          log: (line) => ctx.note(`exarp run: ${line}`),
        });
  return (title: string, body: string, urgency: "normal" | "critical") => {
    ctx.note(`${title}: ${body}`);
    void notifier?.notify({ title, body, urgency });
  };
}

export const run: CliRun = async (ctx) => {
  const slots = slotsOf(ctx.values.can);
  const max = bounded(ctx, "max", 1, 64) ?? slots?.length ?? 2;
  const options = {
    max,
    slots: slots ?? Array.from({ length: max }, () => ["*"]),
    prompt: { agent: str(ctx.values, "agent"), model: modelOf(str(ctx.values, "model")) },
    timeoutMs: seconds(ctx, "timeout", 1),
    attempts: bounded(ctx, "attempts", 1, 20) ?? 3,
    retryDelayMs: seconds(ctx, "retry-delay", 0) ?? 10_000,
  };
  if (options.prompt.agent !== undefined && !/^[\w.-]{1,64}$/.test(options.prompt.agent))
    throw new UsageError(
      `--agent must name an OpenCode agent (letters, digits, . _ -), not ${JSON.stringify(options.prompt.agent)}`,
    );
  const url = urlOf(str(ctx.values, "url"));
  const exarp = ctx.exarp({
    busyTimeoutMs: SHORT_BUSY_TIMEOUT_MS * 40,
    actor: (given) => ({ name: given.name ?? DEFAULT_RUNNER, session: null }),
  });
  const identity = exarp.actor.name;
  if (isPerson(exarp.actor) || isSubagent(exarp.actor))
    throw new UsageError(`the runner acts as an agent, never as ${identity}: a person approves what it hands in`);
  const root = ctx.root();
  const worktree = ctx.values.worktree === true;
  const repo = worktree ? await repoRoot(root) : root;
  const paths = projectPaths(root);
  const unlock = lockRunner(paths.dir, identity);
  const progress = reporter(ctx);
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  let server: StartedOpenCode | undefined;
  try {
    if (url) await reachable(url);
    else {
      const bin = str(ctx.values, "opencode") ?? "opencode";
      server = await startOpenCode({ bin, directory: root, env: ctx.env }).catch((error: Error) => {
        throw new UsageError(
          `cannot start OpenCode (${bin}): ${error.message.split("\n").slice(0, 3).join(" ").trim()}; install opencode-ai, pass --opencode BIN, or --url of a running opencode serve`,
        );
      });
      ctx.note(`exarp run: started opencode serve at ${server.url} (pid ${server.pid}); it stops with the runner`);
    }
    const result = await runRunner({
      exarp,
      identity,
      root: repo,
      watchDir: paths.dir,
      opencode: createOpenCodeClient(url ?? (server as StartedOpenCode).url),
      ...options,
      worktree,
      untilIdle: ctx.values["until-idle"] === true,
      leaseTtlMs: seconds(ctx, "ttl", 2) ?? DEFAULT_LEASE_TTL_MS,
      reportTo: sessionOption(str(ctx.values, "report-to")),
      report: progress.report,
      alert: alerts(ctx, paths.dir),
      signal: abort.signal,
    });
    return {
      data: { run: { runner: identity, ...result } },
      text: `exarp run: ${result.finished.length} task(s) to review${result.finished.length ? ` (${result.finished.join(", ")})` : ""}, ${result.blocked.length} blocked${result.blocked.length ? ` (${result.blocked.join(", ")})` : ""}`,
    };
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    progress.close();
    await server?.stop();
    unlock();
  }
};
