// OpenCode's title request and the task summary. On a session's first step OpenCode forks the title
// request with the very array of messages that `experimental.chat.messages.transform` then receives,
// and the forked request takes its copy of that array only when it gets to run, which under load was
// after the transform had put the summary in. So on that step the summary waits (boundedly) until the
// title request has been made: from then on nothing the transform does can reach the title model.

import type { LoopMessage } from "./primer.ts";

/** The titles OpenCode gives sessions it has not named yet; only such sessions get a generated title. */
const DEFAULT_TITLE = /^(New session - |Child session - )\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The system prompt of a title request. */
const TITLE_PROMPT = /^You are a title generator/;

export const isTitleRequest = (system: readonly string[]): boolean => TITLE_PROMPT.test(system[0] ?? "");

/**
 * Whether OpenCode will ask for a title on this step, as it decides: a top-level session, still
 * untitled (an unknown title counts as untitled), whose messages hold exactly one user message with
 * something other than synthetic parts.
 */
export function expectsTitle(
  session: { parentID?: string; title?: string },
  messages: readonly LoopMessage[],
): boolean {
  if (session.parentID) return false;
  if (session.title !== undefined && !DEFAULT_TITLE.test(session.title)) return false;
  const real = messages.filter(
    (m) => m.info.role === "user" && !m.parts.every((p) => (p as { synthetic?: boolean }).synthetic),
  );
  return real.length === 1;
}

/** Which sessions' title requests have been made, and a bounded wait for one. */
export function createTitleWatch() {
  const asked = new Set<string>();
  const waiting = new Map<string, (() => void)[]>();
  return {
    /** A title request of the session reached a hook (so it has already built its messages). */
    asked(sessionID: string): void {
      asked.add(sessionID);
      for (const wake of waiting.get(sessionID) ?? []) wake();
      waiting.delete(sessionID);
    },

    /** Settles once the session's title request was made, or after `ms`, whichever is first. */
    wait(sessionID: string, ms: number): Promise<void> {
      if (asked.has(sessionID)) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, ms);
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        waiting.set(sessionID, [...(waiting.get(sessionID) ?? []), wake]);
      });
    },
  };
}

export type TitleWatch = ReturnType<typeof createTitleWatch>;
