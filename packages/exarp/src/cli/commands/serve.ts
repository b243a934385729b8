import { closeSync, openSync, writeSync } from "node:fs";
import { osActor } from "../../app/actor.ts";
import type { Exarp } from "../../app/exarp.ts";
import type { Watcher } from "../../feed/feed.ts";
import { retryWhileBusy, SHORT_BUSY_TIMEOUT_MS } from "../../kernel/busy.ts";
import { alsoRecorded } from "../../log/tee.ts";
import { createNotifier } from "../../notify/notifier.ts";
import { projectPaths } from "../../project/root.ts";
import { loadSettings } from "../../project/settings.ts";
import { isLoopback } from "../../serve/hosts.ts";
import { notifiesReviews, notifyReviews } from "../../serve/notify.ts";
import { CannotListen, DEFAULT_HOST, DEFAULT_PORT, startServer } from "../../serve/server.ts";
import { type CliContext, type CliRun, int, str, UsageError } from "../command.ts";

/** Where a secret may be shown: this terminal only, never a pipe, a file or a log. */
type Terminal = { write(text: string): void; close(): void };

/** The terminal: stdout when it is one, else the controlling terminal; undefined when there is none. */
function openTerminal(): Terminal | undefined {
  if (process.stdout.isTTY) return { write: (text) => process.stdout.write(text), close: () => undefined };
  let fd: number;
  try {
    fd = openSync("/dev/tty", "w");
  } catch {
    return undefined;
  }
  return { write: (text) => writeSync(fd, text), close: () => closeSync(fd) };
}

/**
 * A project without a live owner token gets one on its first `exarp serve`, made for the person at
 * this machine and shown once on their terminal; without a terminal none is made, and stderr says
 * how to make one.
 */
async function firstOwnerToken(exarp: Exarp, ctx: CliContext, makeOne: string): Promise<void> {
  if (exarp.tokens.hasOwner()) return;
  const terminal = openTerminal();
  if (!terminal) {
    ctx.note(`exarp serve: no owner token yet, and no terminal to show one on; make one with \`${makeOne}\``);
    return;
  }
  try {
    const { token, secret } = await retryWhileBusy(() => exarp.tokens.create({ scope: "owner" }));
    terminal.write(`exarp serve: first owner token, for ${token.identity} (shown once, keep it): ${secret}\n`);
  } finally {
    terminal.close();
  }
}

/** A path as one shell word, quoted only when it needs to be. */
const shellWord = (path: string) => (/^[\w./-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`);

function portOf(ctx: CliContext): number {
  const port = int(ctx.values, "port") ?? DEFAULT_PORT;
  if (port < 0 || port > 65_535) throw new UsageError(`--port must be 0–65535, not ${port}`);
  return port;
}

/** Desktop notifications of new review requests, when this serve gives them (see notifiesReviews). */
function reviewNotifications(ctx: CliContext, exarp: Exarp, host: string) {
  const dir = projectPaths(ctx.root()).dir;
  const { settings, source } = loadSettings(dir, ctx.env);
  const on = notifiesReviews({
    optedOut: ctx.values["no-notify"] === true,
    enabled: settings["notify.enabled"],
    explicit: source["notify.enabled"] !== "default",
    loopback: isLoopback(host),
    terminal: Boolean(process.stdin.isTTY || process.stderr.isTTY),
  });
  if (!on) return undefined;
  // Said once: a desktop without a notification daemon would otherwise repeat it for every review.
  let told = false;
  const log = (line: string) => {
    if (told) return;
    told = true;
    ctx.note(`exarp serve: ${line} (said once; --no-notify turns notifications off)`);
  };
  // The serve's own terminal shows nothing of a review: notify whatever window has the focus.
  const notifier = createNotifier({ env: ctx.env, quietHours: settings["notify.quietHours"], focused: false, log });
  return notifyReviews(exarp, notifier, { watchDir: dir, self: osActor().name });
}

/** Resolves with the first of SIGINT or SIGTERM. */
function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

export const serve: CliRun = async (ctx) => {
  const host = str(ctx.values, "host") ?? DEFAULT_HOST;
  const port = portOf(ctx);
  // A long-lived process: each write attempt blocks at most SHORT_BUSY_TIMEOUT_MS, the server retries.
  const exarp = ctx.exarp({
    busyTimeoutMs: SHORT_BUSY_TIMEOUT_MS,
    actor: (given) => {
      if (given.name !== undefined || given.session !== undefined)
        throw new UsageError("exarp serve acts as each request's token; --as and --session do not apply");
      return osActor();
    },
  });
  if (!isLoopback(host))
    ctx.note(
      `exarp serve: warning: listening on ${host}, reachable from other machines; plain HTTP, so tokens cross the network unencrypted`,
    );
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    const logger = ctx.logger.scoped("exarp.http");
    const log = alsoRecorded(ctx.note, logger);
    server = await startServer(exarp, { host, port, watchDir: projectPaths(ctx.root()).dir, log, logger });
  } catch (error) {
    if (CannotListen.is(error)) throw new UsageError(`${error.message}; choose another --port (0 picks a free one)`);
    throw error;
  }
  const stopped = stopSignal();
  // Said with the project's folder when it is not the working one (`npm start` serves the demo's).
  const root = ctx.root();
  const makeOne = `exarp ${root === ctx.cwd ? "" : `-C ${shellWord(root)} `}token create --scope owner`;
  let reviews: Watcher | undefined;
  try {
    reviews = reviewNotifications(ctx, exarp, host);
    await firstOwnerToken(exarp, ctx, makeOne);
    process.stdout.write(`exarp serve: ${server.url}\n`);
    ctx.note(
      `exarp serve: open ${server.url} and log in with an owner token (\`${makeOne}\` makes one); API clients send Authorization: Bearer <token>`,
    );
    await stopped;
  } finally {
    reviews?.close();
    await server.close();
  }
  return { data: {}, text: "", silent: true };
};
