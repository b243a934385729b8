import type { Logger } from "./logger.ts";

/** A diagnostics writer (a server's `log`) that also records each line, at WARN, when logging is on. */
export function alsoRecorded(write: (line: string) => void, logger: Logger): (line: string) => void {
  if (!logger.on) return write;
  return (line) => {
    write(line);
    logger.emit("warn", line);
  };
}
