// OS-native scheduling: the builders' files checked by the real validators (systemd-analyze verify,
// xmllint), each quoting scheme round-tripped with hostile text through the real parser where one runs
// here (systemd, xmllint, sh) and through a faithful model where none does (Windows, cron's `%`), and
// `exarp schedule` driven as a child process with its folders, PATH and crontab inside temp folders.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildSchedule } from "../src/schedule/build.ts";
import { cronEntries, editCrontab } from "../src/schedule/cron.ts";
import { chooseJobs, JOBS, type Platform, parseCadence, projectHash, type ScheduleSpec } from "../src/schedule/jobs.ts";
import { cronWord, systemdArg, systemdProgram, windowsArg, xmlText } from "../src/schedule/quote.ts";
import { ownership } from "../src/schedule/stamp.ts";
import { detectPlatform } from "../src/schedule/system.ts";
import { onCalendar } from "../src/schedule/systemd.ts";
import { CLI } from "./support/cli.ts";
import { seed } from "./support/fc-seed.ts";
import { childEnv, picture, run } from "./support/hermetic.ts";
import { tempDir } from "./support/temp.ts";

const spec = (over: Partial<ScheduleSpec> = {}): ScheduleSpec => ({
  platform: "linux",
  projectDir: "/srv/project",
  node: process.execPath,
  exarp: CLI,
  jobs: chooseJobs({ sprintReport: false, every: [] }),
  keepEnv: [],
  ...over,
});

/** `systemd-analyze verify --user` on unit files written to a temp folder (no running manager needed). */
function verify(files: { name: string; text: string }[]): { code: number; output: string } {
  const dir = tempDir("exarp-units-");
  mkdirSync(join(dir, "run"));
  for (const f of files) writeFileSync(join(dir, f.name), f.text);
  const r = spawnSync("systemd-analyze", ["verify", "--user", ...files.map((f) => join(dir, f.name))], {
    encoding: "utf8",
    env: childEnv({ HOME: dir, XDG_RUNTIME_DIR: join(dir, "run"), XDG_CONFIG_HOME: join(dir, "config") }),
  });
  return { code: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

/** xmllint on a file: well-formed (no network), and what an XPath expression reads from it. */
function xml(path: string, xpath?: string): { ok: boolean; value?: string; output: string } {
  const r = spawnSync("xmllint", ["--nonet", ...(xpath ? ["--xpath", xpath] : ["--noout"]), path], {
    encoding: "utf8",
  });
  return { ok: r.status === 0, value: xpath ? r.stdout.replace(/\n$/, "") : undefined, output: r.stderr };
}

const hostileChar = fc.constantFrom(
  " ",
  '"',
  "'",
  "%",
  "$",
  "\\",
  ";",
  "`",
  "&",
  "<",
  ">",
  "é",
  "→",
  "😀",
  "\t",
  "\n",
  "\r",
  "\u001b",
  "a",
  "Z",
  "-",
  "=",
);
const hostile = (min = 0) =>
  fc
    .array(fc.oneof(hostileChar, fc.string({ maxLength: 3 })), { minLength: min, maxLength: 12 })
    .map((a) => a.join(""));
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what these strings test
const printable = (s: string) => !/[\u0000-\u001f\u007f]/u.test(s);

describe("cadences and jobs", () => {
  it("takes only cadences every scheduler keeps exactly", () => {
    expect([
      parseCadence("5m"),
      parseCadence("1m"),
      parseCadence("30m"),
      parseCadence("6h"),
      parseCadence("1d"),
    ]).toEqual([5, 1, 30, 360, 1440]);
    for (const bad of ["7m", "0m", "5h", "2d", "5", "", "m", "-5m", "99999m", "5 m x"])
      expect(() => parseCadence(bad)).toThrow(/cadence/);
  });

  it("sweeps every 5 minutes and checks daily by default; the sprint report only when asked", () => {
    expect(chooseJobs({ sprintReport: false, every: [] }).map((j) => [j.name, j.everyMinutes])).toEqual([
      ["sweep", 5],
      ["doctor", 1440],
    ]);
    const jobs = chooseJobs({ sprintReport: true, every: ["sweep=1m", "sprint-report=12h"] });
    expect(jobs.map((j) => [j.name, j.args.join(" "), j.everyMinutes])).toEqual([
      ["sweep", "sweep --as agent:schedule", 1],
      ["doctor", "doctor", 1440],
      ["sprint-report", "sprint report", 720],
    ]);
    expect(() => chooseJobs({ sprintReport: false, every: ["sprint-report=1d"] })).toThrow(/--sprint-report/);
    expect(() => chooseJobs({ sprintReport: false, every: ["sweep"] })).toThrow(/JOB=CADENCE/);
    expect(JOBS.sweep.args).toEqual(["sweep", "--as", "agent:schedule"]);
  });

  it("writes calendar times systemd reads as the cadence", () => {
    for (const minutes of [1, 5, 15, 30, 60, 120, 360, 720, 1440]) {
      const r = spawnSync("systemd-analyze", ["calendar", "--iterations=3", onCalendar(minutes)], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const times = [...r.stdout.matchAll(/(?:Next elapse|Iter\. #\d): \w+ (\S+ \S+)/g)].map((m) =>
        Date.parse((m[1] as string).replace(" ", "T")),
      );
      expect(times.length).toBe(3);
      expect((times[2] as number) - (times[1] as number)).toBe(minutes * 60_000);
    }
  });

  it("refuses relative paths and names that are not variables", () => {
    expect(() => buildSchedule(spec({ projectDir: "srv/p" }), "/logs")).toThrow(/absolute/);
    expect(() => buildSchedule(spec({ keepEnv: ["A=B"] }), "/logs")).toThrow(/variable name/);
  });
});

describe("systemd units", () => {
  it("pass systemd-analyze verify, and verify does fail a unit whose program is missing", () => {
    const project = tempDir("exarp sched %h $HOME 'q' \"d\" é→-");
    const built = buildSchedule(spec({ projectDir: project, keepEnv: ["EXARP_DATABASE_URL"] }), "/logs");
    expect(built.files.map((f) => f.name)).toEqual(
      ["sweep.service", "sweep.timer", "doctor.service", "doctor.timer"].map(
        (n) => `exarp-${projectHash(project)}-${n}`,
      ),
    );
    const service = built.files[0]?.text ?? "";
    expect(service).toContain(`WorkingDirectory=${project.replaceAll("%", "%%")}\n`);
    expect(service).toContain("PassEnvironment=EXARP_DATABASE_URL\n");
    expect(built.files[1]?.text).toContain("Persistent=true\n");
    const ok = verify(built.files);
    expect(ok.output).toBe("");
    expect(ok.code).toBe(0);
    const missing = buildSchedule(spec({ projectDir: project, node: join(tempDir(), "no-node") }), "/logs");
    const bad = verify(missing.files);
    expect(bad.code).not.toBe(0);
    expect(bad.output).toContain("no-node");
  });

  it("keep a project folder WorkingDirectory= cannot hold on the command line only (-C), and still verify", () => {
    const project = tempDir("exarp-nl-");
    const odd = join(project, "line\nbreak ");
    mkdirSync(odd);
    const built = buildSchedule(spec({ projectDir: odd }), "/logs");
    expect(built.files[0]?.text).not.toContain("WorkingDirectory=");
    expect(built.files[0]?.text).toContain('"-C" "');
    expect(verify(built.files).code).toBe(0);
  });

  it("round-trip any program path through systemd's own parser (verify finds the file only at the exact path)", () => {
    const root = tempDir("exarp-paths-");
    fc.assert(
      fc.property(
        hostile(1).filter((s) => !/[/'"\\]/.test(s) && printable(s)),
        hostile(),
        (name, arg) => {
          const dir = join(root, `d${Math.random().toString(36).slice(2)}${name}`);
          mkdirSync(dir);
          copyFileSync("/usr/bin/true", join(dir, "prog"));
          const unit = {
            name: "t.service",
            text: `[Service]\nType=oneshot\nExecStart=${systemdProgram(join(dir, "prog"))} ${systemdArg(arg)}\n`,
          };
          const r = verify([unit]);
          expect(r.output).toBe("");
          expect(r.code).toBe(0);
        },
      ),
      { seed: seed("systemd program paths"), numRuns: 25 },
    );
    for (const bad of ['/a"b/node', "/a'b/node", "/a\\b/node", "/a\nb/node"])
      expect(() => systemdProgram(bad)).toThrow(/does not run/);
  });

  it("round-trip any argument through systemd's documented unquoting (C escapes, %% and $$)", () => {
    fc.assert(
      fc.property(fc.array(hostile(), { maxLength: 5 }), (args) => {
        const line = args.map(systemdArg).join(" ");
        expect(line).not.toMatch(/[\n\r]/);
        expect(unquoteSystemd(line)).toEqual(args);
      }),
      { seed: seed("systemd arguments"), numRuns: 300 },
    );
  });
});

/** systemd's ExecStart= word splitting for arguments: quotes, C escapes, then `%%` → `%` and `$$` → `$`. */
function unquoteSystemd(line: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"/gy;
  let at = 0;
  while (at < line.length) {
    if (line[at] === " ") {
      at++;
      continue;
    }
    re.lastIndex = at;
    const m = re.exec(line);
    if (!m) throw new Error(`unquoted text at ${at}: ${line.slice(at)}`);
    at = re.lastIndex;
    const body = (m[1] as string).replace(/\\(x[0-9a-f]{2}|.)/g, (_, e: string) =>
      e.startsWith("x") && e.length === 3
        ? String.fromCharCode(Number.parseInt(e.slice(1), 16))
        : (({ n: "\n", t: "\t", r: "\r" } as Record<string, string>)[e] ?? e),
    );
    words.push(body.replace(/%%|\$\$/g, (s) => s[0] as string));
  }
  return words;
}

describe("launchd property lists and Task Scheduler XML", () => {
  it("are well-formed, carry the command word for word, and stay well-formed for hostile paths", () => {
    const project = tempDir("exarp plist <&> \"q\" 'a' % $ é\t-");
    const plist = buildSchedule(spec({ platform: "macos", projectDir: project }), "/Users/u/Library/Logs").files;
    expect(plist.map((f) => f.name)).toEqual([
      `exarp.${projectHash(project)}.sweep.plist`,
      `exarp.${projectHash(project)}.doctor.plist`,
    ]);
    const path = join(tempDir(), "a.plist");
    writeFileSync(path, plist[0]?.text ?? "");
    expect(xml(path)).toMatchObject({ ok: true, output: "" });
    const words = Array.from({ length: 7 }, (_, i) => xml(path, `string(/plist/dict/array/string[${i + 1}])`).value);
    expect(words).toEqual([process.execPath, CLI, "-C", project, "sweep", "--as", "agent:schedule"]);
    expect(xml(path, "string(/plist/dict/key[.='WorkingDirectory']/following-sibling::string[1])").value).toBe(project);
    expect(xml(path, "string(/plist/dict/key[.='StartInterval']/following-sibling::integer[1])").value).toBe("300");
    expect(xml(path, "string(/plist/dict/key[.='Label']/following-sibling::string[1])").value).toBe(
      `exarp.${projectHash(project)}.sweep`,
    );
    expect(ownership(plist[0]?.text ?? "")).toBe("ours");
  });

  it("Task Scheduler XML: UTF-16, the task schema's namespace, a repeating time trigger, Windows-quoted arguments", () => {
    const project = "C:\\Users\\Ana Lima\\proj 'x' é";
    const node = "C:\\Program Files\\nodejs\\node.exe";
    const exarp = "C:\\Users\\Ana Lima\\AppData\\Roaming\\npm\\node_modules\\exarp\\dist\\bin\\exarp.js";
    const [file] = buildSchedule(spec({ platform: "windows", projectDir: project, node, exarp }), "/logs").files;
    expect(file?.encoding).toBe("utf16le");
    const path = join(tempDir(), "task.xml");
    writeFileSync(path, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(file?.text ?? "", "utf16le")]));
    expect(xml(path)).toMatchObject({ ok: true, output: "" });
    const at = (name: string) => xml(path, `string(//*[local-name()='${name}'])`).value;
    expect(xml(path, "namespace-uri(/*)").value).toBe("http://schemas.microsoft.com/windows/2004/02/mit/task");
    expect(at("Interval")).toBe("PT5M");
    expect(at("StartWhenAvailable")).toBe("true");
    expect(at("Command")).toBe(node);
    expect(at("WorkingDirectory")).toBe(project);
    expect(parseWindows(at("Arguments") ?? "")).toEqual([exarp, "-C", project, "sweep", "--as", "agent:schedule"]);
    expect(() => buildSchedule(spec({ platform: "windows", projectDir: "C:\\100%\\p" }), "/l")).toThrow(/expand/);
  });

  it("XML text round-trips hostile strings through a real parser, and what XML cannot hold is refused", () => {
    const dir = tempDir();
    fc.assert(
      fc.property(hostile(), (text) => {
        // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what these strings test
        const legal = !/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/u.test(text);
        if (!legal) {
          expect(() => xmlText(text)).toThrow(/XML cannot hold/);
          return;
        }
        const path = join(dir, "t.xml");
        writeFileSync(
          path,
          `<?xml version="1.0" encoding="UTF-8"?>\n<a k="${xmlText(text)}"><b>${xmlText(text)}</b></a>\n`,
        );
        expect(xml(path, "string(/a/b)").value).toBe(text);
        expect(xml(path, "string(/a/@k)").value).toBe(text.replace(/[\t\n]/g, " "));
      }),
      { seed: seed("xml text"), numRuns: 60 },
    );
  });

  it("Windows arguments round-trip through the C runtime's splitting rules", () => {
    fc.assert(
      fc.property(
        fc.array(
          hostile().filter((s) => printable(s) && !s.includes("%")),
          { maxLength: 5 },
        ),
        (args) => {
          expect(parseWindows(args.map(windowsArg).join(" "))).toEqual(args);
        },
      ),
      { seed: seed("windows arguments"), numRuns: 500 },
    );
    expect(() => windowsArg("a\nb")).toThrow(/control character/);
    expect(() => windowsArg("%PATH%")).toThrow(/expand/);
  });
});

/** How the Microsoft C runtime (and CommandLineToArgvW after the program name) splits a command line. */
function parseWindows(line: string): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === " " || line[i] === "\t") i++;
    if (i >= line.length) break;
    let arg = "";
    let quoted = false;
    while (i < line.length && (quoted || (line[i] !== " " && line[i] !== "\t"))) {
      if (line[i] === "\\") {
        let n = 0;
        while (line[i] === "\\") {
          n++;
          i++;
        }
        if (line[i] === '"') {
          arg += "\\".repeat(Math.floor(n / 2));
          if (n % 2 === 1) {
            arg += '"';
            i++;
          }
        } else arg += "\\".repeat(n);
      } else if (line[i] === '"') {
        if (quoted && line[i + 1] === '"') {
          arg += '"';
          i += 2;
        } else {
          quoted = !quoted;
          i++;
        }
      } else arg += line[i++];
    }
    args.push(arg);
  }
  return args;
}

/** What cron hands sh from a crontab command: `\%` → `%`, a bare `%` ends the command (cron's do_command.c). */
function cronCommand(command: string): string {
  let out = "";
  let escaped = false;
  for (const ch of command) {
    if (escaped) {
      out = ch === "%" ? `${out.slice(0, -1)}%` : out + ch;
      escaped = false;
      continue;
    }
    if (ch === "%") break;
    if (ch === "\\") escaped = true;
    out += ch;
  }
  return out;
}

describe("crontab lines", () => {
  it("round-trip hostile words through cron's % handling and a real sh", () => {
    fc.assert(
      fc.property(fc.array(hostile(), { minLength: 1, maxLength: 5 }), (words) => {
        if (!words.every(printable)) {
          expect(() => words.map(cronWord)).toThrow(/crontab line/);
          return;
        }
        const command = ["printf", "%s\\0", ...words].map(cronWord).join(" ");
        const r = spawnSync("/bin/sh", ["-c", cronCommand(command)], { encoding: "utf8" });
        expect(r.status).toBe(0);
        expect(r.stdout.split("\0").slice(0, -1)).toEqual(words);
      }),
      { seed: seed("cron words"), numRuns: 150 },
    );
  });

  it("replace this project's entries in place, keep every other line, and take out exactly their own", () => {
    const mine = spec({ platform: "cron" });
    const other = spec({ platform: "cron", projectDir: "/srv/other" });
    const theirs = editCrontab("", other, cronEntries(other), false).text;
    const before = `MAILTO=me\n# backups\n0 3 * * * /usr/bin/backup\n${theirs}`;
    const installed = editCrontab(before, mine, cronEntries(mine), false);
    expect(installed.steps.map((s) => s.action)).toEqual(["create", "create"]);
    expect(installed.text.startsWith(before)).toBe(true);
    expect(installed.text).toContain(`# exarp:${projectHash(mine.projectDir)}:sweep sha256=`);
    expect(installed.text).toMatch(
      /\n\*\/5 \* \* \* \* '.+' '-C' '\/srv\/project' 'sweep' '--as' 'agent:schedule' >\/dev\/null\n/,
    );
    const again = editCrontab(installed.text, mine, cronEntries(mine), false);
    expect(again).toEqual({
      text: installed.text,
      steps: [
        { job: "sweep", action: "unchanged" },
        { job: "doctor", action: "unchanged" },
      ],
      conflicts: [],
    });
    const faster = cronEntries({ ...mine, jobs: chooseJobs({ sprintReport: false, every: ["sweep=1m"] }) });
    const updated = editCrontab(installed.text, mine, faster, false);
    expect(updated.steps.map((s) => s.action)).toEqual(["update", "unchanged"]);
    expect(updated.text).toContain("\n* * * * * ");
    const edited = installed.text.replace(
      new RegExp(`(# exarp:${projectHash(mine.projectDir)}:sweep .*\n)\\*/5`),
      "$1*/7",
    );
    expect(edited).not.toBe(installed.text);
    expect(editCrontab(edited, mine, cronEntries(mine), false).conflicts).toEqual([
      "crontab entry of sweep (changed since exarp wrote it)",
    ]);
    expect(editCrontab(edited, mine, [], false).conflicts).toHaveLength(1);
    expect(editCrontab(edited, mine, cronEntries(mine), true).steps[0]?.action).toBe("overwrite");
    expect(editCrontab(installed.text, mine, [], false).text).toBe(before);
  });
});

/** A project folder (its own repository, with `.exarp/`) whose name is as hostile as a path gets. */
function project(name = "exarp proj 'q' \"d\" %h $HOME é-"): string {
  const dir = tempDir(name);
  mkdirSync(join(dir, ".git"));
  mkdirSync(join(dir, ".exarp"));
  return dir;
}

/**
 * A home folder and a PATH of stand-ins for the scheduler's commands, each recording its arguments
 * (the real daemons do not run here); `crontab` keeps the crontab in a file of the home folder.
 */
function machine(commands: string[]) {
  const home = tempDir("exarp-home-");
  const bin = join(home, "bin");
  const log = join(home, "commands.log");
  mkdirSync(bin);
  for (const name of commands) {
    const script =
      name === "crontab"
        ? `#!/bin/sh\nf="${home}/crontab.txt"\nif [ "$1" = "-l" ]; then [ -f "$f" ] || { echo "no crontab for tester" >&2; exit 1; }; /bin/cat "$f"; exit 0; fi\nif [ "$1" = "-" ]; then /bin/cat > "$f"; exit 0; fi\nexit 2\n`
        : `#!/bin/sh\necho "${name} $*" >> "${log}"\n`;
    writeFileSync(join(bin, name), script);
    chmodSync(join(bin, name), 0o755);
  }
  const env = {
    HOME: home,
    XDG_CONFIG_HOME: join(home, "config"),
    XDG_RUNTIME_DIR: join(home, "run"),
    DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(home, "no-bus")}`,
    LOCALAPPDATA: join(home, "local"),
    PATH: `${bin}:/usr/bin:/bin`,
  };
  const commandsRun = () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []);
  const crontab = () => readFileSync(join(home, "crontab.txt"), "utf8");
  return { home, env, unitDir: join(home, "config", "systemd", "user"), commandsRun, crontab };
}

// biome-ignore lint/suspicious/noExplicitAny: tests read answers field by field
const json = (r: { code: number; stdout: string; stderr: string }): any => {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
};

const schedule = (dir: string, env: NodeJS.ProcessEnv, ...args: string[]) => run(dir, ["schedule", ...args], { env });

describe("exarp schedule (the built CLI)", () => {
  it("installs systemd units idempotently, refuses an edited one without --force, and removes exactly its own", () => {
    const dir = project();
    const m = machine(["systemctl"]);
    const hash = projectHash(dir);
    mkdirSync(m.unitDir, { recursive: true });
    writeFileSync(join(m.unitDir, "someone-else.service"), "[Service]\nExecStart=/bin/true\n");
    const first = json(schedule(dir, m.env, "install", "--json"));
    expect(first).toMatchObject({
      action: "install",
      platform: "linux",
      project: dir,
      dir: m.unitDir,
      activation: { status: "activated" },
    });
    expect(first.files.map((f: { action: string }) => f.action)).toEqual(["create", "create", "create", "create"]);
    const timers = `exarp-${hash}-sweep.timer exarp-${hash}-doctor.timer`;
    expect(m.commandsRun()).toEqual([
      `systemctl --user daemon-reload`,
      `systemctl --user enable ${timers}`,
      `systemctl --user restart ${timers}`,
    ]);
    const units = readdirSync(m.unitDir).filter((n) => n.startsWith("exarp-"));
    expect(verify(units.map((name) => ({ name, text: readFileSync(join(m.unitDir, name), "utf8") })))).toEqual({
      code: 0,
      output: "",
    });

    const again = json(schedule(dir, m.env, "install", "--json"));
    expect(again.files.map((f: { action: string }) => f.action)).toEqual([
      "unchanged",
      "unchanged",
      "unchanged",
      "unchanged",
    ]);

    const service = join(m.unitDir, `exarp-${hash}-sweep.service`);
    writeFileSync(service, `${readFileSync(service, "utf8")}Nice=5\n`);
    const before = picture(m.unitDir);
    const refused = schedule(dir, m.env, "install");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/sweep\.service \(changed since exarp wrote it\).*--force/);
    expect(picture(m.unitDir)).toEqual(before);
    expect(schedule(dir, m.env, "remove").code).toBe(1);
    const shown = json(schedule(dir, m.env, "show", "--json"));
    expect(shown.installed.find((f: { path: string }) => f.path === service).state).toBe("edited");
    expect(shown.notes.join(" ")).toMatch(/install would refuse/);

    const forced = json(schedule(dir, m.env, "install", "--force", "--every", "sweep=1m", "--json"));
    expect(forced.files.map((f: { action: string }) => f.action)).toEqual([
      "overwrite",
      "update",
      "unchanged",
      "unchanged",
    ]);
    expect(readFileSync(join(m.unitDir, `exarp-${hash}-sweep.timer`), "utf8")).toContain(
      "OnCalendar=*-*-* *:00/1:00\n",
    );

    const dry = picture(m.home);
    expect(schedule(dir, m.env, "remove", "--dry-run").stdout).toMatch(
      /would run:\n {2}systemctl --user disable --now/,
    );
    expect(picture(m.home)).toEqual(dry);
    const removed = json(schedule(dir, m.env, "remove", "--json"));
    expect(removed.files.map((f: { action: string }) => f.action)).toEqual(["remove", "remove", "remove", "remove"]);
    expect(m.commandsRun().slice(-2)).toEqual([
      `systemctl --user disable --now exarp-${hash}-doctor.timer exarp-${hash}-sweep.timer`,
      "systemctl --user daemon-reload",
    ]);
    expect(readdirSync(m.unitDir)).toEqual(["someone-else.service"]);
    expect(json(schedule(dir, m.env, "remove", "--json"))).toMatchObject({ files: [], activation: { status: "none" } });
  });

  it("drops a job no longer asked for, stopping its timer first", () => {
    const dir = project("exarp-jobs-");
    const m = machine(["systemctl"]);
    const id = `exarp-${projectHash(dir)}-sprint-report`;
    json(schedule(dir, m.env, "install", "--sprint-report", "--json"));
    expect(readFileSync(join(m.unitDir, `${id}.service`), "utf8")).toMatch(/ExecStart=.* "sprint" "report"\n/);
    const r = json(schedule(dir, m.env, "install", "--json"));
    expect(
      r.files.filter((f: { action: string }) => f.action === "remove").map((f: { name: string }) => f.name),
    ).toEqual([`${id}.service`, `${id}.timer`]);
    expect(m.commandsRun()).toContain(`systemctl --user disable --now ${id}.timer`);
    expect(readdirSync(m.unitDir).filter((n) => n.includes("sprint"))).toEqual([]);
  });

  it("says plainly when the units are written but systemd cannot take them up", () => {
    const dir = project();
    const m = machine([]);
    const r = schedule(dir, m.env, "install");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /written, but NOT activated \(systemctl exited with \d+: .+\); run these yourself:\n {2}systemctl --user daemon-reload/,
    );
    expect(r.stderr).toMatch(/warning: the schedule is written but not active/);
    const none = machine([]);
    const missing = json(
      schedule(dir, { ...none.env, PATH: join(none.home, "bin") }, "install", "--platform", "linux", "--json"),
    );
    expect(missing.activation).toMatchObject({ status: "failed", reason: "systemctl is not installed (not on PATH)" });
  });

  it("edits the crontab through crontab -l / crontab -, keeping every other line; the entry really runs exarp", () => {
    const dir = project();
    expect(run(dir, ["init", "--yes"], { env: machine([]).env }).code).toBe(0);
    const m = machine(["crontab"]);
    const mine = `MAILTO=me\n0 3 * * * /usr/bin/backup\n`;
    writeFileSync(join(m.home, "crontab.txt"), mine);
    const env = { ...m.env, PATH: join(m.home, "bin") };
    const first = json(schedule(dir, env, "install", "--json"));
    expect(first).toMatchObject({
      platform: "cron",
      crontab: [
        { job: "sweep", action: "create" },
        { job: "doctor", action: "create" },
      ],
    });
    const tab = m.crontab();
    expect(tab.startsWith(mine)).toBe(true);
    expect(json(schedule(dir, env, "install", "--json")).crontab.map((s: { action: string }) => s.action)).toEqual([
      "unchanged",
      "unchanged",
    ]);
    expect(m.crontab()).toBe(tab);
    for (const line of tab.split("\n").filter((l) => l.includes(" 'sweep' ") || l.includes(" 'doctor' "))) {
      const command = cronCommand(
        line
          .split(" ")
          .slice(5)
          .join(" ")
          .replace(/ >\/dev\/null$/, ""),
      );
      const r = spawnSync("/bin/sh", ["-c", command], { encoding: "utf8", env: childEnv(m.env) });
      expect(r.status, r.stderr).toBe(0);
    }
    expect(json(schedule(dir, env, "remove", "--json")).crontab.map((s: { action: string }) => s.action)).toEqual([
      "remove",
      "remove",
    ]);
    expect(m.crontab()).toBe(mine);
  });

  it("writes launchd agents and boots them in and out of the user's GUI session", () => {
    const dir = project();
    const m = machine(["launchctl"]);
    const r = json(schedule(dir, m.env, "install", "--platform", "macos", "--json"));
    const agents = join(m.home, "Library", "LaunchAgents");
    const label = `exarp.${projectHash(dir)}.sweep`;
    expect(r).toMatchObject({ dir: agents, activation: { status: "activated" } });
    const uid = process.getuid?.() ?? 0;
    expect(m.commandsRun().slice(0, 2)).toEqual([
      `launchctl bootout gui/${uid}/${label}`,
      `launchctl bootstrap gui/${uid} ${join(agents, `${label}.plist`)}`,
    ]);
    expect(readFileSync(join(agents, `${label}.plist`), "utf8")).toContain(
      `<string>${join(m.home, "Library", "Logs", `${label}.log`)}</string>`,
    );
    json(schedule(dir, m.env, "remove", "--platform", "macos", "--json"));
    expect(m.commandsRun().slice(-2)).toEqual([
      `launchctl bootout gui/${uid}/exarp.${projectHash(dir)}.doctor`,
      `launchctl bootout gui/${uid}/${label}`,
    ]);
    expect(readdirSync(agents)).toEqual([]);
  });

  it("writes Task Scheduler XML as UTF-16 and prints the schtasks lines to run", () => {
    const dir = project("exarp-win-");
    const m = machine([]);
    const r = schedule(dir, m.env, "install", "--platform", "windows");
    expect(r.code, r.stderr).toBe(0);
    const folder = join(m.home, "local", "exarp", "schedule");
    const file = join(folder, `exarp-${projectHash(dir)}-sweep.xml`);
    expect(readFileSync(file).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xfe]));
    expect(r.stdout).toContain(`schtasks /Create /TN 'exarp\\exarp-${projectHash(dir)}-sweep' /XML ${file} /F`);
    const removed = json(schedule(dir, m.env, "remove", "--platform", "windows", "--json"));
    expect(removed.activation.status).toBe("manual");
    expect(removed.activation.commands[0]).toEqual([
      "schtasks",
      "/Delete",
      "/TN",
      `exarp\\exarp-${projectHash(dir)}-doctor`,
      "/F",
    ]);
    expect(readdirSync(folder)).toEqual([]);
  });

  it("--dry-run writes nothing; a variable the jobs need is named, its value never written", () => {
    const dir = project();
    const m = machine(["systemctl"]);
    const env = { ...m.env, EXARP_DATABASE_URL: "postgres://ana@127.0.0.1:1/x?password=s3cr3t" };
    const before = picture(m.home);
    const r = json(schedule(dir, env, "install", "--dry-run", "--keep-env", "PGPASSWORD", "--json"));
    expect(picture(m.home)).toEqual(before);
    expect(r).toMatchObject({ dryRun: true, activation: { status: "dry-run" } });
    const service = r.contents[0].text as string;
    expect(service).toContain("PassEnvironment=PGPASSWORD EXARP_DATABASE_URL\n");
    expect(JSON.stringify(r.contents)).not.toContain("s3cr3t");
    expect(r.activation.commands[0]).toEqual([
      "systemctl",
      "--user",
      "import-environment",
      "PGPASSWORD",
      "EXARP_DATABASE_URL",
    ]);
  });

  it("keeps the project's password variable by name, and will not write through a symbolic link", () => {
    const dir = project();
    writeFileSync(join(dir, ".exarp", "config.json"), JSON.stringify({ database: { passwordEnv: "TEAM_PW" } }));
    const m = machine(["systemctl"]);
    const r = json(schedule(dir, { ...m.env, TEAM_PW: "hunter2" }, "install", "--json"));
    const service = readFileSync(join(m.unitDir, `exarp-${projectHash(dir)}-sweep.service`), "utf8");
    expect(service).toContain("PassEnvironment=TEAM_PW\n");
    expect(service).not.toContain("hunter2");
    expect(r.notes.join(" ")).toMatch(/TEAM_PW/);
    expect(m.commandsRun()[0]).toBe("systemctl --user import-environment TEAM_PW");

    const timer = join(m.unitDir, `exarp-${projectHash(dir)}-doctor.timer`);
    const target = join(m.home, "elsewhere.timer");
    writeFileSync(target, "mine\n");
    rmSync(timer);
    symlinkSync(target, timer);
    const before = picture(m.home);
    const refused = schedule(dir, m.env, "install", "--force");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/doctor\.timer is a symbolic link/);
    expect(picture(m.home)).toEqual(before);
  });

  it("refuses bad usage with exit 2 and the JSON error contract, and a folder with no project with exit 3", () => {
    const dir = project();
    const m = machine([]);
    const cases: [string[], number, string][] = [
      [["frob"], 2, "UsageError"],
      [["install", "--platform", "bsd"], 2, "UsageError"],
      [["remove", "--every", "sweep=1m"], 2, "UsageError"],
      [["install", "--every", "sweep=7m"], 2, "InvalidInput"],
      [["install", "--keep-env", "A-B"], 2, "InvalidInput"],
    ];
    for (const [args, code, name] of cases) {
      const r = schedule(dir, m.env, ...args, "--json");
      expect([r.code, JSON.parse(r.stderr).error.name], args.join(" ")).toEqual([code, name]);
    }
    const outside = tempDir();
    mkdirSync(join(outside, ".git"));
    expect(schedule(outside, m.env, "show").code).toBe(3);
  });
});

it("detects the scheduler: launchd, Task Scheduler, systemd where systemctl is on PATH, else cron", () => {
  const withSystemctl = machine(["systemctl"]).env.PATH;
  const without = tempDir();
  expect(detectPlatform("darwin", { PATH: without })).toBe("macos");
  expect(detectPlatform("win32", { PATH: without })).toBe("windows");
  expect(detectPlatform("linux", { PATH: withSystemctl })).toBe("linux");
  expect(detectPlatform("linux", { PATH: without })).toBe("cron");
  expect(detectPlatform("freebsd", {})).toBe("cron");
});

it("tells exarp's unedited files from edited ones and from files it did not write", () => {
  const [unit] = buildSchedule(spec(), "/l").files;
  const text = unit?.text ?? "";
  expect(ownership(text)).toBe("ours");
  expect(ownership(text.replace("Type=oneshot", "Type=simple"))).toBe("edited");
  expect(ownership(text.split("\n").slice(1).join("\n"))).toBe("foreign");
  expect(ownership(`[Unit]\n${text}`)).toBe("edited");
});

const platforms: Platform[] = ["linux", "macos", "windows", "cron"];
it("builds the same files from the same input, for every platform", () => {
  for (const platform of platforms) {
    const s = spec({ platform, projectDir: platform === "windows" ? "C:\\p" : "/p" });
    expect(buildSchedule(s, "/l")).toEqual(buildSchedule(s, "/l"));
  }
});
