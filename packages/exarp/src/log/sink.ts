// Where the lines go: a file opened for appending, or stderr. Each line is one write(2) on a file
// opened with O_APPEND, so the lines of processes logging to one file never interleave.
import { closeSync, constants, fstatSync, openSync, writeSync } from "node:fs";
import { resolve } from "node:path";

/** A destination for whole lines. */
export type Sink = { write(line: string): void; close(): void };

const errorText = (error: unknown) => (error as NodeJS.ErrnoException).code ?? String((error as Error).message);

/**
 * The sink `EXARP_LOG` names: `stderr`, or a file path (relative to `cwd`), created (mode 0600) if
 * missing. A file that cannot be opened (no such folder, a folder, no permission, a FIFO nobody
 * reads: opened non-blocking; standard output, which carries a command's answers and MCP's protocol)
 * is reported through `warn`: undefined, and nothing is logged. A write
 * that fails is reported once, and the sink writes nothing more.
 */
export function openSink(destination: string, cwd: string, warn: (message: string) => void): Sink | undefined {
  if (destination === "stderr") {
    return { write: (line) => void process.stderr.write(line), close: () => undefined };
  }
  const path = resolve(cwd, destination);
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK, 0o600);
  } catch (error) {
    warn(`cannot open the log file ${path} (${errorText(error)}); logging is off`);
    return undefined;
  }
  if (isStdout(fd)) {
    closeSync(fd);
    warn(`the log file ${path} is this command's standard output, which belongs to its answers; logging is off`);
    return undefined;
  }
  const stop = () => {
    if (fd === undefined) return;
    const open = fd;
    fd = undefined;
    try {
      closeSync(open);
    } catch {
      // Already gone: nothing to release.
    }
  };
  return {
    write(line) {
      if (fd === undefined) return;
      try {
        writeSync(fd, line);
      } catch (error) {
        warn(`cannot write the log file ${path} (${errorText(error)}); logging is off`);
        stop();
      }
    },
    close: stop,
  };
}

/** True when `fd` is the file standard output writes to (`EXARP_LOG=/dev/stdout`, or both sent to one file). */
function isStdout(fd: number): boolean {
  try {
    const [log, out] = [fstatSync(fd), fstatSync(1)];
    return log.dev === out.dev && log.ino === out.ino;
  } catch {
    // No standard output at all: nothing to protect.
    return false;
  }
}
