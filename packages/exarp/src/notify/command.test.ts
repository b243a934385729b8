// The command each platform runs, exactly; and, for any text at all, that the text reaches the
// notification as itself (neutralised) and never as code: a positional argument after `--`, one
// AppleScript string literal, one base64 literal in an otherwise fixed PowerShell script.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BODY_MAX,
  escapeMarkup,
  type Notification,
  notificationCommand,
  notificationText,
  TITLE_MAX,
  toastScript,
  type Urgency,
} from "./command.ts";

const urgency = fc.constantFrom<Urgency>("low", "normal", "critical");
/** Hostile text: any code point (controls, quotes, backslashes, lone surrogates), often long. */
const hostile = fc.oneof(
  fc.string({ unit: "binary", maxLength: 600 }),
  fc.string({
    unit: fc.constantFrom('"', "\\", "'", "`", "$", "\n", "\r", "\u0000", "-", "<", "&", ";", "'@"),
    maxLength: 40,
  }),
);
const notification = fc.record({ title: hostile, body: hostile, urgency }, { requiredKeys: ["title", "body"] });

/** The text of an AppleScript string literal, or undefined when `literal` is not exactly one. */
function appleScriptText(literal: string): string | undefined {
  const m = /^"((?:[^"\\]|\\[\s\S])*)"$/.exec(literal);
  return m ? (m[1] as string).replace(/\\([\s\S])/g, "$1") : undefined;
}

const DARWIN = /^display notification ("(?:[^"\\]|\\.)*") with title ("(?:[^"\\]|\\.)*")( sound name "default")?$/;

/** The script inside `-EncodedCommand`. */
const decodeScript = (encoded: string) => Buffer.from(encoded, "base64").toString("utf16le");
const LITERAL = /^\$(title|body) = & \$decode '([A-Za-z0-9+/=]*)'$/;

describe("notificationCommand", () => {
  const n: Notification = { title: "T-1 waits for review", body: 'Fix "the" parser', urgency: "critical" };

  it("Linux: notify-send with the app name, the urgency, and the text after --", () => {
    expect(notificationCommand("linux", n)).toEqual({
      file: "notify-send",
      args: ["-a", "exarp", "-u", "critical", "--", "T-1 waits for review", 'Fix "the" parser'],
    });
    expect(notificationCommand("linux", { title: "-x", body: "<b>a & b</b>" }).args).toEqual([
      "-a",
      "exarp",
      "-u",
      "normal",
      "--",
      "-x",
      "&lt;b&gt;a &amp; b&lt;/b&gt;",
    ]);
  });

  it("macOS: osascript -e with both texts as escaped AppleScript strings, a sound when critical", () => {
    expect(notificationCommand("darwin", n)).toEqual({
      file: "osascript",
      args: [
        "-e",
        'display notification "Fix \\"the\\" parser" with title "T-1 waits for review" sound name "default"',
      ],
    });
    expect(notificationCommand("darwin", { title: "a\\b", body: "x", urgency: "low" }).args).toEqual([
      "-e",
      'display notification "x" with title "a\\\\b"',
    ]);
  });

  it("Windows: powershell -NoProfile -NonInteractive -EncodedCommand of a toast script carrying base64 text", () => {
    const command = notificationCommand("win32", n);
    expect(command.file).toBe("powershell.exe");
    expect(command.args.slice(0, 3)).toEqual(["-NoProfile", "-NonInteractive", "-EncodedCommand"]);
    const script = decodeScript(command.args[3] as string);
    expect(script).toBe(toastScript("T-1 waits for review", 'Fix "the" parser', "critical"));
    expect(script).toContain(`$title = & $decode '${Buffer.from("T-1 waits for review").toString("base64")}'`);
    expect(script).toContain("ToastNotificationManager]::CreateToastNotifier(");
    expect(script).toContain(`<toast duration="long">`);
    expect(toastScript("a", "b", "low")).toContain(`<toast><audio silent="true"/>`);
  });

  it("neutralises the text: one line, controls made visible, bounded, never empty as a title", () => {
    expect(notificationText({ title: "a\u001b[31m\nb", body: "x\ty\r\nz" })).toEqual({
      title: "a\\x1b[31m b",
      body: "x y z",
    });
    expect(notificationText({ title: "", body: "" }).title).toBe("exarp");
    const long = notificationText({ title: "t".repeat(500), body: "b".repeat(5000) });
    expect([long.title.length, long.body.length]).toEqual([TITLE_MAX, BODY_MAX]);
    expect(long.body.endsWith("…")).toBe(true);
  });

  it("keeps ordinary text verbatim", () => {
    const plain = fc.stringMatching(/^[\p{L}\p{N}][\p{L}\p{N}\p{P}\p{S} ]{0,60}[\p{L}\p{N}]$/u);
    fc.assert(
      fc.property(plain, plain, (title, body) => {
        fc.pre(!/ {2}/.test(title) && !/ {2}/.test(body));
        expect(notificationText({ title, body })).toEqual({ title, body });
      }),
    );
  });

  it("for any text: each platform carries exactly the neutralised text, and it never becomes code", () => {
    fc.assert(
      fc.property(notification, (n) => {
        const { title, body } = notificationText(n);
        expect(title.length).toBeLessThanOrEqual(TITLE_MAX);
        expect(body.length).toBeLessThanOrEqual(BODY_MAX);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: what must not survive
        expect(`${title}${body}`).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
        expect(`${title}${body}`).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);

        const linux = notificationCommand("linux", n);
        expect(linux.args).toEqual(["-a", "exarp", "-u", n.urgency ?? "normal", "--", title, escapeMarkup(body)]);
        expect(escapeMarkup(body)).not.toMatch(/[<>]|&(?!amp;|lt;|gt;)/);

        const darwin = notificationCommand("darwin", n);
        expect(darwin.args).toHaveLength(2);
        const m = DARWIN.exec(darwin.args[1] as string);
        expect(m, darwin.args[1]).not.toBeNull();
        expect(appleScriptText(m?.[1] as string)).toBe(body);
        expect(appleScriptText(m?.[2] as string)).toBe(title);
        expect(Boolean(m?.[3])).toBe(n.urgency === "critical");

        const win = notificationCommand("win32", n);
        const lines = decodeScript(win.args[3] as string).split("\n");
        const fixed = toastScript("", "", n.urgency ?? "normal").split("\n");
        expect(lines).toHaveLength(fixed.length);
        const carried: Record<string, string> = {};
        lines.forEach((line, i) => {
          const literal = LITERAL.exec(line);
          if (literal) carried[literal[1] as string] = Buffer.from(literal[2] as string, "base64").toString("utf8");
          else expect(line).toBe(fixed[i]);
        });
        expect(carried).toEqual({ title, body });
      }),
      { numRuns: 300 },
    );
  });
});
