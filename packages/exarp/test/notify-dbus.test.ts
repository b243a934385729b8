// A real desktop notification on Linux: the notifier runs the real notify-send against a private
// D-Bus session bus in the test's folder, where a minimal notification server (python3-gi's Gio,
// owning org.freedesktop.Notifications) records every Notify call it receives. Needs the Debian
// packages dbus-daemon, libnotify-bin and python3-gi (.ci/run installs them).
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { initProject } from "../src/app/project.ts";
import { createNotifier } from "../src/notify/notifier.ts";
import { CLI } from "./support/cli.ts";
import { until } from "./support/expect.ts";
import { childEnv } from "./support/hermetic.ts";
import { tempDir } from "./support/temp.ts";

/** The system's Python, which has python3-gi (a `python3` earlier on PATH may be another one). */
const PYTHON = "/usr/bin/python3";

/** A session bus that listens only on a socket in `dir` and lets its one user own any name. */
const busConfig = (dir: string) => `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${join(dir, "bus")}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;

/** The notification server: answers the four methods of the specification, appends each Notify call as a JSON line. */
const SERVER = `import json, sys
from gi.repository import Gio, GLib
XML = """<node><interface name="org.freedesktop.Notifications">
<method name="Notify"><arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/>
<arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/>
<arg type="a{sv}" direction="in"/><arg type="i" direction="in"/><arg type="u" direction="out"/></method>
<method name="GetCapabilities"><arg type="as" direction="out"/></method>
<method name="GetServerInformation"><arg type="s" direction="out"/><arg type="s" direction="out"/>
<arg type="s" direction="out"/><arg type="s" direction="out"/></method>
<method name="CloseNotification"><arg type="u" direction="in"/></method>
</interface></node>"""
address, out = sys.argv[1], sys.argv[2]
flags = Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION
conn = Gio.DBusConnection.new_for_address_sync(address, flags, None, None)
count = [0]
def call(conn, sender, path, iface, method, params, invocation):
    if method == "Notify":
        a = params.unpack()
        urgency = a[6].get("urgency")
        with open(out, "a") as f:
            f.write(json.dumps({"app": a[0], "summary": a[3], "body": a[4], "urgency": urgency}) + "\\n")
        count[0] += 1
        invocation.return_value(GLib.Variant("(u)", (count[0],)))
    elif method == "GetCapabilities":
        invocation.return_value(GLib.Variant("(as)", (["body", "body-markup"],)))
    elif method == "GetServerInformation":
        invocation.return_value(GLib.Variant("(ssss)", ("capture", "exarp", "1", "1.2")))
    else:
        invocation.return_value(None)
info = Gio.DBusNodeInfo.new_for_xml(XML)
conn.register_object("/org/freedesktop/Notifications", info.interfaces[0], call, None, None)
reply = conn.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "RequestName",
    GLib.Variant("(su)", ("org.freedesktop.Notifications", 4)), GLib.VariantType("(u)"), 0, -1, None)
print("owner" if reply.unpack()[0] == 1 else "not owner", flush=True)
GLib.MainLoop().run()
`;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0).reverse()) child.kill("SIGKILL");
});

/** Starts `file`, returns it and its stdout as it grows; fails clearly when the program is missing. */
function start(file: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(file, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  const out = { stdout: "", stderr: "", error: undefined as Error | undefined };
  child.stdout?.on("data", (d) => (out.stdout += d));
  child.stderr?.on("data", (d) => (out.stderr += d));
  child.on("error", (error) => (out.error = error));
  return out;
}

async function sessionBus() {
  const dir = tempDir("exarp-dbus-");
  const env = { PATH: process.env.PATH, HOME: dir, LANG: "C.UTF-8" };
  writeFileSync(join(dir, "bus.conf"), busConfig(dir));
  const daemon = start("dbus-daemon", [`--config-file=${join(dir, "bus.conf")}`, "--print-address", "--nofork"], env);
  await until(() => daemon.stdout.includes("\n") || daemon.error !== undefined, 10_000);
  expect(daemon.error, "dbus-daemon (Debian package dbus-daemon) must be installed").toBeUndefined();
  const address = daemon.stdout.split("\n")[0] as string;
  expect(address).toMatch(/^unix:path=/);
  writeFileSync(join(dir, "server.py"), SERVER);
  const capture = join(dir, "notify.jsonl");
  const server = start(PYTHON, [join(dir, "server.py"), address, capture], env);
  await until(() => server.stdout.includes("\n") || server.error !== undefined || server.stderr !== "", 10_000);
  expect(server.stderr, "the notification server needs python3-gi").toBe("");
  expect(server.stdout).toBe("owner\n");
  const captured = () =>
    existsSync(capture)
      ? readFileSync(capture, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((line) => JSON.parse(line))
      : [];
  return { env: { ...env, DBUS_SESSION_BUS_ADDRESS: address }, captured, dir };
}

describe("a real notification on a D-Bus session bus", () => {
  it("reaches the notification server with the app name, summary, body and urgency, once", async () => {
    const bus = await sessionBus();
    const notifier = createNotifier({ platform: "linux", env: bus.env });
    const hostile = {
      title: '-u low "T-1" waits\u001b]0;pwned\u0007',
      body: "<a href='x'>Fix</a> & ship\n$(rm -rf ~)",
    };
    expect(await notifier.notify({ ...hostile, urgency: "critical" })).toEqual({ sent: true });
    expect(await notifier.notify({ ...hostile, urgency: "critical" })).toEqual({ sent: false, reason: "duplicate" });
    expect(await notifier.notify({ title: "second", body: "plain", urgency: "low" })).toEqual({ sent: true });
    await until(() => bus.captured().length >= 2, 10_000);
    expect(bus.captured()).toEqual([
      {
        app: "exarp",
        summary: '-u low "T-1" waits\\x1b]0;pwned\\x07',
        body: "&lt;a href='x'&gt;Fix&lt;/a&gt; &amp; ship $(rm -rf ~)",
        urgency: 2,
      },
      { app: "exarp", summary: "second", body: "plain", urgency: 0 },
    ]);
  });

  it("exarp serve notifies once of a task moved to review: not with --no-notify, and without a terminal only when told", async () => {
    const bus = await sessionBus();
    const root = tempDir();
    const exarp = initProject(root, { actor: { name: "user:ana", session: null } });
    const agent = exarp.as({ name: "agent:build", session: "ses_1" });
    const toReview = (title: string) => {
      const task = exarp.tasks.create({ title });
      agent.leases.claim({ taskId: task.id });
      agent.tasks.setStatus({ id: task.id, to: "review" });
      return task.id;
    };
    const serve = async (args: string[], extra: NodeJS.ProcessEnv) => {
      const env = childEnv({ DBUS_SESSION_BUS_ADDRESS: bus.env.DBUS_SESSION_BUS_ADDRESS, ...extra });
      const out = start(process.execPath, [CLI, "-C", root, "serve", "--port", "0", ...args], env);
      await until(() => out.stdout.includes("exarp serve: http"), 20_000);
      return children.at(-1) as ChildProcess;
    };
    try {
      const quiet = [
        await serve(["--no-notify"], { EXARP_NOTIFY_ENABLED: "true" }),
        // Pipes, not a terminal: the default is off.
        await serve([], {}),
      ];
      toReview("Unseen");
      await new Promise((r) => setTimeout(r, 700));
      for (const child of quiet) child.kill("SIGTERM");
      expect(bus.captured()).toEqual([]);
      await serve([], { EXARP_NOTIFY_ENABLED: "true" });
      const id = toReview("Fix the <parser>");
      await until(() => bus.captured().length > 0, 10_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(bus.captured()).toEqual([
        {
          app: "exarp",
          summary: `exarp: ${id} waits for your review`,
          body: '"Fix the &lt;parser&gt;" asked by agent:build',
          urgency: 1,
        },
      ]);
    } finally {
      exarp.close();
    }
  });

  it("exarp serve without a notification daemon says so once, and goes on serving", async () => {
    const root = tempDir();
    const exarp = initProject(root, { actor: { name: "user:ana", session: null } });
    const agent = exarp.as({ name: "agent:build", session: "ses_1" });
    const env = childEnv({ EXARP_NOTIFY_ENABLED: "true", DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(root, "none")}` });
    const out = start(process.execPath, [CLI, "-C", root, "serve", "--port", "0"], env);
    try {
      await until(() => out.stdout.includes("exarp serve: http"), 20_000);
      for (const title of ["one", "two"]) {
        const task = exarp.tasks.create({ title });
        agent.leases.claim({ taskId: task.id });
        agent.tasks.setStatus({ id: task.id, to: "review" });
        await new Promise((r) => setTimeout(r, 600));
      }
      await until(() => out.stderr.includes("notification failed"), 10_000);
      const failures = out.stderr.split("\n").filter((line) => line.includes("notification failed"));
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatch(
        /^exarp serve: notification failed: notify-send exited with \d+: .* \(said once; --no-notify turns notifications off\)$/,
      );
      const url = (out.stdout.match(/exarp serve: (http\S+)/) as RegExpMatchArray)[1] as string;
      expect((await fetch(`${url}api/tasks`)).status).toBe(401);
    } finally {
      exarp.close();
    }
  });

  it("without a notification server, says it failed and throws nothing", async () => {
    const dir = tempDir("exarp-dbus-");
    const logs: string[] = [];
    const env = { PATH: process.env.PATH, HOME: dir, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(dir, "none")}` };
    const notifier = createNotifier({ platform: "linux", env, log: (m) => logs.push(m) });
    const result = await notifier.notify({ title: "nobody", body: "listens" });
    expect(result).toMatchObject({ sent: false, reason: "failed" });
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^notification failed: notify-send exited with [1-9]/);
  });
});
