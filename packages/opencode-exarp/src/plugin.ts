import type { Hooks, Plugin, PluginInput } from "@opencode-ai/plugin";
import { openLogger } from "exarp";
import { createHooks } from "./hooks.ts";
import { type Log, withTimeout } from "./notify.ts";
import { openExarpProject } from "./project.ts";
import { userText } from "./text.ts";

/** How long after start the person is told about an unusable project, if no session started before. */
const TELL_AFTER_MS = 3_000;

/**
 * Hooks that add nothing for the model and only tell the person, once, why exarp is off: when the
 * first session event arrives (someone is at work, so a TUI is listening) or a few seconds after
 * start, whichever comes first. A toast sent while OpenCode is still starting reaches nobody.
 */
function tellOnce(input: PluginInput, message: string, log: Log): Hooks {
  let told = false;
  const tell = () => {
    if (told) return;
    told = true;
    clearTimeout(timer);
    withTimeout(input.client.tui.showToast({ body: { title: "exarp", message, variant: "error" } })).catch((e) =>
      log(`toast failed: ${e instanceof Error ? e.message : String(e)}`, "warn"),
    );
  };
  const timer = setTimeout(tell, TELL_AFTER_MS);
  timer.unref?.();
  return {
    event: async ({ event }) => {
      if (event.type.startsWith("session.")) tell();
    },
    dispose: async () => clearTimeout(timer),
  };
}

/**
 * The exarp plugin: task context per agent, task tools, leases and approvals, all in-process. Where
 * there is no `.exarp/` project it adds nothing at all (no tools, no text, no commands); where the
 * project cannot be used it tells the person once, with the cause, and adds nothing either.
 */
export const ExarpPlugin: Plugin = async (input: PluginInput) => {
  const forward: Log = (message, level = "info") => {
    withTimeout(input.client.app.log({ body: { service: "exarp", level, message } })).catch(() => undefined);
  };
  // Also exarp's own structured log when EXARP_LOG asks for one; its own warnings go to OpenCode's log.
  const logger = openLogger(process.env, {
    scope: "exarp.plugin",
    cwd: process.cwd(),
    warn: (message) => forward(message, "warn"),
  });
  const log: Log = (message, level = "info") => {
    forward(message, level);
    logger.emit(level, message);
  };
  const opened = openExarpProject(input.directory, (message) => log(message, "warn"));
  switch (opened.state) {
    case "none":
      log(userText.idle);
      return {} satisfies Hooks;
    case "unusable": {
      const message = userText.unusable(opened.reason);
      log(message, "error");
      return tellOnce(input, message, log);
    }
    case "open":
      log(userText.ready(opened.root));
      return createHooks(input, opened.root, opened.exarp, log);
  }
};
