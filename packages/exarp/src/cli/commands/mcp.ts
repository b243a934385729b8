import { SHORT_BUSY_TIMEOUT_MS } from "../../kernel/busy.ts";
import { alsoRecorded } from "../../log/tee.ts";
import { serverActor } from "../../mcp/identity.ts";
import { projectPaths } from "../../project/root.ts";
import { type CliRun, UsageError } from "../command.ts";

export const mcp: CliRun = async (ctx) => {
  let note: string | undefined;
  // A long-lived process: each write attempt blocks at most SHORT_BUSY_TIMEOUT_MS, the server retries.
  const exarp = ctx.exarp({
    busyTimeoutMs: SHORT_BUSY_TIMEOUT_MS,
    actor: (given, fromEnv) => {
      const decided = serverActor(given, fromEnv, ctx.env.EXARP_AGENT);
      if (decided.refused) throw new UsageError(decided.refused);
      note = decided.note;
      return decided.actor;
    },
  });
  if (note) ctx.note(note);
  // Loaded here, not at start-up: the SDK costs every other command nothing.
  const { serveStdio } = await import("../../mcp/stdio.ts");
  const logger = ctx.logger.scoped("exarp.mcp");
  await serveStdio(exarp, { watchDir: projectPaths(ctx.root()).dir, log: alsoRecorded(ctx.note, logger), logger });
  return { data: {}, text: "", silent: true };
};
