// Quoting one word for each scheduler's own syntax, so a project path with spaces, quotes, `%`, `$`,
// control characters or any Unicode reaches the program exactly, or is refused with the reason: it
// never breaks the file or adds a word, a command or a setting of its own.
import { InvalidInput } from "../errors-catalog.ts";
import { codePoint } from "../text/safe.ts";

const refuse = (what: string, text: string, why: string): never => {
  throw new InvalidInput({ issues: [`${what} ${JSON.stringify(text)} ${why}`] });
};

/** Refuses what no scheduler file can carry: NUL and lone UTF-16 surrogates (not valid UTF-8). */
function checkEncodable(what: string, text: string): void {
  if (text.includes("\0")) refuse(what, text, "contains a NUL character");
  if (/\p{Cs}/u.test(text)) refuse(what, text, "is not valid Unicode");
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this is for
const CONTROL = /[\u0000-\u001f\u007f]/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this is for
const CONTROLS = /[\u0000-\u001f\u007f]/gu;

const hex2 = (code: number) => `\\x${code.toString(16).padStart(2, "0")}`;

const C_ESCAPES: Record<string, string> = { "\n": "\\n", "\t": "\\t", "\r": "\\r", "\\": "\\\\", '"': '\\"' };

/**
 * A word of a systemd ExecStart= line: double-quoted, `\` and `"` escaped, control characters as C
 * escapes, `%` as `%%` (specifiers). `$` becomes `$$` in arguments (variable expansion) but stays
 * as it is in the program's path, which systemd does not expand.
 */
function systemdWord(word: string, what: string, dollars: boolean): string {
  checkEncodable(what, word);
  let out = '"';
  for (const char of word) {
    const code = char.codePointAt(0) as number;
    if (C_ESCAPES[char]) out += C_ESCAPES[char];
    else if (char === "%") out += "%%";
    else if (char === "$" && dollars) out += "$$";
    else if (code < 0x20 || code === 0x7f) out += hex2(code);
    else out += char;
  }
  return `${out}"`;
}

/**
 * The program of an ExecStart= line (an absolute path). systemd refuses a program path holding a
 * quote, a backslash or a control character, however it is escaped, so such a path is refused here.
 */
export function systemdProgram(path: string): string {
  if (/['"\\]/.test(path) || CONTROL.test(path))
    refuse("the program path", path, "holds a quote, a backslash or a control character, which systemd does not run");
  return systemdWord(path, "the program path", false);
}

/** An argument of an ExecStart= line. */
export const systemdArg = (arg: string) => systemdWord(arg, "the argument", true);

/**
 * A path as WorkingDirectory= takes it (no quoting, no escapes: only `%` is special), or undefined
 * when it cannot be written there: a control character, or blanks at either end (systemd trims them).
 */
export function systemdPath(path: string): string | undefined {
  checkEncodable("the path", path);
  if (CONTROL.test(path) || path.trim() !== path) return undefined;
  return path.replaceAll("%", "%%");
}

/** Free text for Description=: one line, specifiers escaped, control characters shown as `?`. */
export const systemdText = (text: string) => text.replace(CONTROLS, "?").replaceAll("%", "%%").trim();

const XML_ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
  "\r": "&#13;",
};

/**
 * Text for an XML element or attribute (plist, Task Scheduler): the five entities, CR as `&#13;` so
 * the parser does not fold it into a newline; characters XML 1.0 cannot hold are refused.
 */
export function xmlText(text: string, what = "the text"): string {
  checkEncodable(what, text);
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    const legal = code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code !== 0xfffe && code !== 0xffff);
    if (!legal) refuse(what, text, `contains ${codePoint(char)}, which XML cannot hold`);
  }
  return text.replace(/[&<>"'\r]/g, (c) => XML_ENTITIES[c] as string);
}

/**
 * One argument on a Windows command line, as CommandLineToArgvW and the C runtime split it: quoted
 * when it holds blanks or quotes (or is empty), backslashes doubled only before a quote.
 */
export function windowsArg(arg: string): string {
  checkWindows("the argument", arg);
  if (arg !== "" && !/[ \t"]/.test(arg)) return arg;
  let out = '"';
  let backslashes = 0;
  for (const char of arg) {
    if (char === "\\") {
      backslashes++;
      continue;
    }
    out += "\\".repeat(char === '"' ? backslashes * 2 + 1 : backslashes) + char;
    backslashes = 0;
  }
  return `${out}${"\\".repeat(backslashes * 2)}"`;
}

/**
 * Refuses what a Windows task cannot carry: control characters, and `%`, since Task Scheduler
 * expands `%NAME%` in its command line and offers no escape.
 */
export function checkWindows(what: string, text: string): void {
  checkEncodable(what, text);
  if (CONTROL.test(text)) refuse(what, text, "contains a control character, which a Windows task cannot hold");
  if (text.includes("%")) refuse(what, text, "contains %, which Task Scheduler would expand as a variable");
}

const CRON_ESCAPES: Record<string, string> = { "'": "'\\''", "\\": `'"\\\\"'`, "%": "\\%" };

/**
 * A word of a crontab command: single-quoted for sh (`'` as `'\''`, `\` as `'"\\"'`), `%` as `\%`
 * (cron turns a bare `%` into a newline, and a backslash escapes the character after it). A crontab
 * entry is one line, so control characters are refused.
 */
export function cronWord(word: string): string {
  checkEncodable("the word", word);
  if (CONTROL.test(word)) refuse("the word", word, "contains a control character, which a crontab line cannot hold");
  // A backslash leaves the single quotes (as "\\" for sh), since cron would let it escape what follows.
  return `'${[...word].map((c) => CRON_ESCAPES[c] ?? c).join("")}'`;
}
