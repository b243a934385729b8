// The logger the environment asks for: `EXARP_LOG` (a file path, or `stderr`) and `EXARP_LOG_LEVEL`.
// Loaded only when `EXARP_LOG` is set.
import { VERSION } from "../version.ts";
import { createLogger, type Logger } from "./logger.ts";
import { NO_LOGGER } from "./none.ts";
import { DEFAULT_LEVEL, LEVELS, parseLevel } from "./severity.ts";
import { openSink } from "./sink.ts";

export type OpenLoggerOptions = {
  /** The part of exarp that writes (`exarp.cli`, `exarp.plugin`…). */
  scope: string;
  /** Where a relative `EXARP_LOG` path starts. */
  cwd: string;
  /** Told once about a level it does not know or a file it cannot open or write; never throws. */
  warn: (message: string) => void;
};

/** The logger `env` configures; NO_LOGGER when `EXARP_LOG` is unset or empty. */
export function openLogger(env: NodeJS.ProcessEnv, options: OpenLoggerOptions): Logger {
  const destination = env.EXARP_LOG;
  if (!destination) return NO_LOGGER;
  const given = env.EXARP_LOG_LEVEL;
  let level = given === undefined || given === "" ? DEFAULT_LEVEL : parseLevel(given);
  if (level === undefined) {
    options.warn(
      `EXARP_LOG_LEVEL=${JSON.stringify(String(given).slice(0, 40))} is not a level (${LEVELS.join(", ")}); logging at ${DEFAULT_LEVEL}`,
    );
    level = DEFAULT_LEVEL;
  }
  const sink = openSink(destination, options.cwd, options.warn);
  if (!sink) return NO_LOGGER;
  return createLogger({
    sink,
    level,
    scope: options.scope,
    resource: { "service.name": "exarp", "service.version": VERSION, "process.pid": process.pid },
  });
}
