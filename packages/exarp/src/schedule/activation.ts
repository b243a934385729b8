// The commands that make the scheduler take up (or let go of) what install wrote. Pure: the adapter
// runs them, best effort, and says plainly when they could not run.
import { join } from "node:path";
import type { Platform } from "./jobs.ts";

/** A command to run; `mayFail` when failing means only that there was nothing to undo. */
export type Command = { argv: string[]; mayFail?: boolean };

/** Run before the files change, after, or (Windows) only printed for the user to run. */
export type Activation = { before: Command[]; after: Command[]; manual: Command[] };

const NONE: Activation = { before: [], after: [], manual: [] };

/** `launchctl`'s name for the user's GUI session domain. */
const gui = (uid: number) => `gui/${uid}`;

/**
 * For the files install keeps (`kept`) and the ones it deletes (`deleted`), by file name in `dir`.
 * systemd: stop and disable what goes, reload, enable and (re)start the timers that stay, passing
 * the kept variables' current values to the user manager (memory only, never a file). launchd:
 * boot out what goes or changes, bootstrap what stays. Windows: schtasks lines to run by hand.
 */
export function activation(
  platform: Platform,
  dir: string,
  files: { kept: readonly string[]; deleted: readonly string[] },
  options: { keepEnv: readonly string[]; uid: number; taskName: (file: string) => string },
): Activation {
  const timers = (names: readonly string[]) => names.filter((n) => n.endsWith(".timer"));
  const label = (name: string) => name.replace(/\.plist$/, "");
  if (!files.kept.length && !files.deleted.length) return NONE;
  if (platform === "linux") {
    const keep = timers(files.kept);
    const gone = timers(files.deleted);
    return {
      before: gone.length ? [{ argv: ["systemctl", "--user", "disable", "--now", ...gone], mayFail: true }] : [],
      after: [
        ...(keep.length && options.keepEnv.length
          ? [{ argv: ["systemctl", "--user", "import-environment", ...options.keepEnv] }]
          : []),
        { argv: ["systemctl", "--user", "daemon-reload"] },
        ...(keep.length
          ? [
              { argv: ["systemctl", "--user", "enable", ...keep] },
              { argv: ["systemctl", "--user", "restart", ...keep] },
            ]
          : []),
      ],
      manual: [],
    };
  }
  if (platform === "macos") {
    const bootout = (name: string) => ({
      argv: ["launchctl", "bootout", `${gui(options.uid)}/${label(name)}`],
      mayFail: true,
    });
    return {
      before: files.deleted.map(bootout),
      after: files.kept.flatMap((name) => [
        bootout(name),
        { argv: ["launchctl", "bootstrap", gui(options.uid), join(dir, name)] },
      ]),
      manual: [],
    };
  }
  if (platform === "windows")
    return {
      before: [],
      after: [],
      manual: [
        ...files.deleted.map((name) => ({ argv: ["schtasks", "/Delete", "/TN", options.taskName(name), "/F"] })),
        ...files.kept.map((name) => ({
          argv: ["schtasks", "/Create", "/TN", options.taskName(name), "/XML", join(dir, name), "/F"],
        })),
      ],
    };
  return NONE;
}
