// The notifier's rules with an injected clock and a recording runner (the real notify-send on a real
// bus: test/notify-dbus.test.ts): de-duplication, quiet hours, the focus check, and failures that
// come back as values.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Notification } from "./command.ts";
import { type Run, terminalFocused } from "./focus.ts";
import { createNotifier, type NotifierOptions } from "./notifier.ts";
import { isQuietAt, localMinute, parseQuietHours } from "./quiet-hours.ts";

type Call = { file: string; args: string[] };

/** A runner that records each command and answers with `reply` (default: success). */
function recorder(reply: Run = async () => ({ code: 0, stdout: "", stderr: "" })) {
  const calls: Call[] = [];
  const run: Run = async (file, args, options) => {
    calls.push({ file, args });
    return reply(file, args, options);
  };
  return { calls, run };
}

function notifier(options: NotifierOptions = {}) {
  let t = new Date(2026, 0, 1, 12, 0).getTime();
  const { calls, run } = recorder();
  const logs: string[] = [];
  const n = createNotifier({
    platform: "linux",
    run,
    now: () => t,
    focused: false,
    log: (m) => logs.push(m),
    ...options,
  });
  return {
    n,
    calls,
    logs,
    advance: (ms: number) => (t += ms),
    at: (h: number, m: number) => (t = new Date(2026, 0, 1, h, m).getTime()),
  };
}

const note = (i: number): Notification => ({ title: `task ${i}`, body: "waits" });

describe("de-duplication", () => {
  it("drops the same title and body within the window, and shows it again after", async () => {
    const { n, calls, advance } = notifier({ dedupMs: 60_000 });
    expect(await n.notify(note(1))).toEqual({ sent: true });
    expect(await n.notify(note(1))).toEqual({ sent: false, reason: "duplicate" });
    expect(await n.notify(note(2))).toEqual({ sent: true });
    advance(59_999);
    expect((await n.notify(note(1))).sent).toBe(false);
    advance(1);
    expect(await n.notify(note(1))).toEqual({ sent: true });
    expect(calls.map((c) => c.args.at(-2))).toEqual(["task 1", "task 2", "task 1"]);
  });

  it("counts text that neutralises the same as the same message", async () => {
    const { n, calls } = notifier();
    await n.notify({ title: "a  b", body: "x\ny" });
    await n.notify({ title: "a b", body: "x y" });
    expect(calls).toHaveLength(1);
  });

  it("for any sequence: a message is shown iff it was not shown within the window before", async () => {
    const step = fc.record({ message: fc.integer({ min: 0, max: 3 }), wait: fc.integer({ min: 0, max: 40_000 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        const { n, calls, advance } = notifier({ dedupMs: 30_000 });
        const shownAt = new Map<number, number>();
        let t = 0;
        let shown = 0;
        for (const { message, wait } of steps) {
          advance(wait);
          t += wait;
          const last = shownAt.get(message);
          const expected = last === undefined || t - last >= 30_000;
          if (expected) {
            shownAt.set(message, t);
            shown++;
          }
          expect((await n.notify(note(message))).sent).toBe(expected);
        }
        expect(calls).toHaveLength(shown);
      }),
      { numRuns: 200 },
    );
  });
});

describe("quiet hours", () => {
  it("parses HH:MM-HH:MM and refuses anything else", () => {
    expect(parseQuietHours("22:00-07:30")).toEqual({ start: 22 * 60, end: 7 * 60 + 30 });
    expect(parseQuietHours(" 09:15-17:00 ")).toEqual({ start: 555, end: 1020 });
    expect(parseQuietHours("")).toBeUndefined();
    for (const bad of ["24:00-07:00", "22:00-22:00", "22-07", "7:00-8:00", "22:00–07:00", 7, null])
      expect(parseQuietHours(bad)).toHaveProperty("error");
  });

  it("a span is exactly the minutes from its start, one by one, wrapping midnight, up to its end", () => {
    const minute = fc.integer({ min: 0, max: 1439 });
    fc.assert(
      fc.property(minute, minute, minute, (start, end, at) => {
        fc.pre(start !== end);
        const inside = new Set<number>();
        for (let m = start; m !== end; m = (m + 1) % 1440) inside.add(m);
        expect(isQuietAt({ start, end }, at)).toBe(inside.has(at));
      }),
    );
  });

  it("holds back low and normal notifications in quiet hours; critical ones still go", async () => {
    const { n, calls, at } = notifier({ quietHours: "22:00-07:00" });
    at(23, 30);
    expect(await n.notify({ ...note(1), urgency: "normal" })).toEqual({ sent: false, reason: "quiet" });
    expect(await n.notify({ ...note(2), urgency: "low" })).toEqual({ sent: false, reason: "quiet" });
    expect(await n.notify({ ...note(3), urgency: "critical" })).toEqual({ sent: true });
    at(6, 59);
    expect((await n.notify(note(4))).sent).toBe(false);
    at(7, 0);
    // Held back, not remembered: the same message after quiet hours is shown.
    expect(await n.notify({ ...note(1), urgency: "normal" })).toEqual({ sent: true });
    expect(calls.map((c) => c.args.at(-2))).toEqual(["task 3", "task 1"]);
    expect(localMinute(new Date(2026, 0, 1, 7, 0).getTime())).toBe(420);
  });

  it("refuses malformed quiet hours when the notifier is made", () => {
    expect(() => createNotifier({ quietHours: "late" })).toThrow(/quiet hours must be a span of local time/);
  });
});

describe("focus, failures, platforms", () => {
  it("does not notify while the person looks at the terminal, and asks only when no other rule drops it", async () => {
    let asked = 0;
    const looking = async () => {
      asked++;
      return true;
    };
    const { n, calls } = notifier({ focused: looking, enabled: true });
    expect(await n.notify(note(1))).toEqual({ sent: false, reason: "focused" });
    expect(await n.notify(note(1))).toEqual({ sent: false, reason: "duplicate" });
    expect([asked, calls.length]).toEqual([1, 0]);
    const unknown = notifier({ focused: async () => undefined });
    expect(await unknown.n.notify(note(1))).toEqual({ sent: true });
  });

  it("never rejects: a failing program, a program that cannot start, a throwing check are values and log lines", async () => {
    const failing = createNotifier({
      platform: "linux",
      focused: false,
      run: async () => ({ code: 1, stdout: "", stderr: "Cannot autolaunch D-Bus without X11 $DISPLAY\n" }),
      log: (m) => logs.push(m),
    });
    const logs: string[] = [];
    expect(await failing.notify(note(1))).toEqual({
      sent: false,
      reason: "failed",
      detail: "notify-send exited with 1: Cannot autolaunch D-Bus without X11 $DISPLAY",
    });
    const missing = createNotifier({ platform: "linux", focused: false, env: { PATH: "/nonexistent" } });
    expect(await missing.notify(note(1))).toMatchObject({ sent: false, reason: "failed" });
    const throwing = createNotifier({
      platform: "darwin",
      focused: async () => {
        throw new Error("boom");
      },
      log: (m) => logs.push(m),
    });
    expect(await throwing.notify(note(1))).toEqual({ sent: false, reason: "failed", detail: "boom" });
    expect(logs).toEqual([
      "notification failed: notify-send exited with 1: Cannot autolaunch D-Bus without X11 $DISPLAY",
      "notification failed: boom",
    ]);
  });

  it("runs the platform's command; BSDs notify like Linux; others and a disabled notifier run nothing", async () => {
    for (const [platform, file] of [
      ["darwin", "osascript"],
      ["win32", "powershell.exe"],
      ["freebsd", "notify-send"],
    ] as const) {
      const { n, calls } = notifier({ platform });
      await n.notify(note(1));
      expect(calls.map((c) => c.file)).toEqual([file]);
    }
    const aix = notifier({ platform: "aix" });
    expect(await aix.n.notify(note(1))).toEqual({
      sent: false,
      reason: "unsupported",
      detail: "no notifications on aix",
    });
    const off = notifier({ enabled: false });
    expect(await off.n.notify(note(1))).toEqual({ sent: false, reason: "disabled" });
    expect([aix.calls, off.calls]).toEqual([[], []]);
  });
});

describe("terminalFocused", () => {
  const answer = (stdout: string, code = 0) => recorder(async () => ({ code, stdout, stderr: "" }));

  it("macOS: the frontmost application against $TERM_PROGRAM", async () => {
    const iterm = { TERM_PROGRAM: "iTerm.app" };
    const front = answer("iTerm2\n");
    expect(await terminalFocused("darwin", iterm, front.run)).toBe(true);
    expect(front.calls[0]?.file).toBe("osascript");
    expect(await terminalFocused("darwin", iterm, answer("Safari\n").run)).toBe(false);
    expect(await terminalFocused("darwin", { TERM: "xterm-kitty" }, answer("kitty").run)).toBe(true);
    expect(await terminalFocused("darwin", iterm, answer("", 1).run)).toBeUndefined();
    const unknown = answer("Terminal");
    expect(await terminalFocused("darwin", { TERM_PROGRAM: "SomethingNew" }, unknown.run)).toBeUndefined();
    expect(unknown.calls).toEqual([]);
  });

  it("X11: the active window against $WINDOWID; unknown without either, or over ssh", async () => {
    const x11 = { WINDOWID: "41943047", DISPLAY: ":0" };
    const same = answer("41943047\n");
    expect(await terminalFocused("linux", x11, same.run)).toBe(true);
    expect(same.calls).toEqual([{ file: "xdotool", args: ["getactivewindow"] }]);
    expect(await terminalFocused("linux", x11, answer("12\n").run)).toBe(false);
    expect(await terminalFocused("linux", x11, answer("", -1).run)).toBeUndefined();
    const none = answer("1");
    expect(await terminalFocused("linux", { DISPLAY: ":0" }, none.run)).toBeUndefined();
    expect(await terminalFocused("linux", { WINDOWID: "x1", DISPLAY: ":0" }, none.run)).toBeUndefined();
    expect(await terminalFocused("linux", { ...x11, SSH_CONNECTION: "1 2 3 4" }, none.run)).toBeUndefined();
    expect(await terminalFocused("win32", {}, none.run)).toBeUndefined();
    expect(none.calls).toEqual([]);
  });
});
