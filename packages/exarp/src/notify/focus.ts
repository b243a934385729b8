// Is the person already looking at the terminal this process runs in? Best effort, and only a
// confident "yes" holds a notification back: anything unknown (Wayland, Windows, a terminal not in
// the table, a tool missing) counts as "not looking".
import type { NotifyPlatform } from "./command.ts";

/** Starts a program and collects what it printed; never rejects (a failure is a non-zero code). */
export type Run = (
  file: string,
  args: string[],
  options: { timeoutMs: number; env?: NodeJS.ProcessEnv },
) => Promise<{ code: number; stdout: string; stderr: string }>;

/** macOS: the name System Events gives the frontmost application, by the terminal's `$TERM_PROGRAM`. */
const MAC_APPS: Record<string, string[]> = {
  Apple_Terminal: ["Terminal"],
  "iTerm.app": ["iTerm2", "iTerm"],
  vscode: ["Code", "Code - Insiders", "Cursor", "VSCodium", "Windsurf"],
  WezTerm: ["WezTerm", "wezterm-gui"],
  ghostty: ["Ghostty", "ghostty"],
  WarpTerminal: ["Warp", "stable"],
  Hyper: ["Hyper"],
  Tabby: ["Tabby"],
  zed: ["Zed"],
};

/** Terminals that do not set `$TERM_PROGRAM` but name themselves in `$TERM`. */
const MAC_TERMS: Record<string, string[]> = { "xterm-kitty": ["kitty"], alacritty: ["Alacritty", "alacritty"] };

const FRONTMOST = 'tell application "System Events" to get name of first application process whose frontmost is true';

/** The names the terminal of `env` may have as the frontmost macOS application; undefined when unknown. */
export function terminalApps(env: NodeJS.ProcessEnv): string[] | undefined {
  return MAC_APPS[env.TERM_PROGRAM ?? ""] ?? MAC_TERMS[env.TERM ?? ""];
}

/**
 * True when the terminal of `env` has the focus, false when another window has it, undefined when
 * that cannot be told. macOS: the frontmost application against `$TERM_PROGRAM`; X11: the active
 * window (`xdotool getactivewindow`) against `$WINDOWID`.
 */
export async function terminalFocused(
  platform: NotifyPlatform,
  env: NodeJS.ProcessEnv,
  run: Run,
): Promise<boolean | undefined> {
  // Over ssh the desktop that shows notifications is not the one whose focus could be read.
  if (env.SSH_CONNECTION || env.SSH_TTY) return undefined;
  if (platform === "darwin") {
    const apps = terminalApps(env);
    if (!apps) return undefined;
    const r = await run("osascript", ["-e", FRONTMOST], { timeoutMs: 1_000 });
    return r.code === 0 ? apps.includes(r.stdout.trim()) : undefined;
  }
  if (platform === "linux") {
    const own = Number(env.WINDOWID);
    if (!env.WINDOWID || !Number.isSafeInteger(own) || own <= 0 || !env.DISPLAY) return undefined;
    const r = await run("xdotool", ["getactivewindow"], { timeoutMs: 1_000 });
    const active = Number(r.stdout.trim());
    return r.code === 0 && Number.isSafeInteger(active) && active > 0 ? active === own : undefined;
  }
  return undefined;
}
