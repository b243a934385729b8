import type { Logger } from "./logger.ts";

/**
 * The logger when `EXARP_LOG` is unset: every call does nothing, and nothing else of log/ is loaded
 * (the command line's start-up is measured; see bench/cli-start.mjs).
 */
export const NO_LOGGER: Logger = {
  on: false,
  enabled: () => false,
  emit: () => undefined,
  scoped: () => NO_LOGGER,
  inSpan: (_span, run) => run(),
  span: () => undefined,
  close: () => undefined,
};
