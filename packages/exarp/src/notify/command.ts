// The one command line that shows a desktop notification on each platform, as an argument vector
// (never a shell string): the text is neutralised first, then carried where the platform's parser
// cannot read it as code (a positional argument after `--`, an AppleScript string literal, a base64
// literal that the PowerShell script decodes).
import { inline } from "../text/safe.ts";

/** The platforms exarp knows how to notify on (`process.platform` names). */
export type NotifyPlatform = "linux" | "darwin" | "win32";

/** How loud: `low` is a passing note, `critical` something that needs a person (it passes quiet hours). */
export type Urgency = "low" | "normal" | "critical";

export type Notification = { title: string; body: string; urgency?: Urgency };

/** A process to start: the program and its arguments, each passed as one argument. */
export type NotificationCommand = { file: string; args: string[] };

/** The longest title and body shown; longer text ends in `…`. */
export const TITLE_MAX = 120;
export const BODY_MAX = 400;

/** The application name notifications carry (notify-send's `-a`, the Notify call's app_name). */
export const APP_NAME = "exarp";

/** Windows shows toasts only for a registered application id: Windows PowerShell's is always there. */
const WINDOWS_APP_ID = "{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}\\WindowsPowerShell\\v1.0\\powershell.exe";

/** One line of at most `max` characters, controls made visible, and no unpaired surrogate (argv is UTF-8). */
function clean(text: string, max: number): string {
  return inline(text, max).replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}

/** The title and body as every platform shows them. */
export function notificationText(n: Notification): { title: string; body: string } {
  return { title: clean(n.title, TITLE_MAX) || APP_NAME, body: clean(n.body, BODY_MAX) };
}

/**
 * The body as notification servers read it: most take a little HTML-like markup there (and links),
 * so `&`, `<` and `>` are written as entities and hostile text shows as itself.
 */
export function escapeMarkup(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** An AppleScript string literal: only `\` and `"` are special inside one (the text has no line breaks). */
export function appleScriptString(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

/** The toast script: its only variable parts are base64 literals, which cannot end a quoted string. */
export function toastScript(title: string, body: string, urgency: Urgency): string {
  const toast =
    urgency === "critical"
      ? `<toast duration="long">`
      : urgency === "low"
        ? `<toast><audio silent="true"/>`
        : "<toast>";
  return [
    "$ErrorActionPreference = 'Stop'",
    "$decode = { param($s) [System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String($s)) }",
    `$title = & $decode '${base64(title)}'`,
    `$body = & $decode '${base64(body)}'`,
    "[Windows.UI.Notifications.ToastNotificationManager, Windows.UI.Notifications, ContentType = WindowsRuntime] > $null",
    "[Windows.Data.Xml.Dom.XmlDocument, Windows.Data.Xml.Dom.XmlDocument, ContentType = WindowsRuntime] > $null",
    "$xml = New-Object Windows.Data.Xml.Dom.XmlDocument",
    `$xml.LoadXml('${toast}<visual><binding template="ToastGeneric"><text/><text/></binding></visual></toast>')`,
    "$texts = $xml.GetElementsByTagName('text')",
    "$texts.Item(0).AppendChild($xml.CreateTextNode($title)) > $null",
    "$texts.Item(1).AppendChild($xml.CreateTextNode($body)) > $null",
    "$toast = [Windows.UI.Notifications.ToastNotification]::new($xml)",
    `[Windows.UI.Notifications.ToastNotificationManager]::CreateToastNotifier('${WINDOWS_APP_ID}').Show($toast)`,
  ].join("\n");
}

/** The command that shows `n` on `platform`. */
export function notificationCommand(platform: NotifyPlatform, n: Notification): NotificationCommand {
  const { title, body } = notificationText(n);
  const urgency = n.urgency ?? "normal";
  switch (platform) {
    case "linux":
      // `--`: a title that starts with `-` is a title, not an option.
      return { file: "notify-send", args: ["-a", APP_NAME, "-u", urgency, "--", title, escapeMarkup(body)] };
    case "darwin": {
      const sound = urgency === "critical" ? ` sound name "default"` : "";
      const script = `display notification ${appleScriptString(body)} with title ${appleScriptString(title)}${sound}`;
      return { file: "osascript", args: ["-e", script] };
    }
    case "win32": {
      const encoded = Buffer.from(toastScript(title, body, urgency), "utf16le").toString("base64");
      return { file: "powershell.exe", args: ["-NoProfile", "-NonInteractive", "-EncodedCommand", encoded] };
    }
  }
}
