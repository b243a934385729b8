// The OpenCode plugin on a team project (PostgreSQL), under Bun as OpenCode runs it, without OpenCode
// itself: team-plugin-script.ts loads the plugin module, calls it with the plugin input and drives its
// hooks and tools for one primary session. The project is made by `exarp init --database`; the CLI
// writes before the plugin starts (a ready task, a task it holds) and checks afterwards that the
// plugin's writes are in the PostgreSQL log. Once for the published bundle (dist/index.js, what
// OpenCode loads from npm) and once for the source (what the end-to-end suites load).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { freshPgUrl } from "../../exarp/test/support/exarp.ts";
import { childEnv, lines, run, runJson } from "../../exarp/test/support/hermetic.ts";
import { type LoggedEvent, shown } from "../../exarp/test/support/team.ts";
import { tempDir } from "../../exarp/test/support/temp.ts";

const BUN = fileURLToPath(new URL("../../../node_modules/.bin/bun", import.meta.url));
const SCRIPT = fileURLToPath(new URL("./team-plugin-script.ts", import.meta.url));
const BUNDLE = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const SOURCE = fileURLToPath(new URL("../src/index.ts", import.meta.url));
/** The session and identity the script's primary session acts as. */
const SESSION = "ses_team_plugin";
const AGENT = "agent:build";

type Seen = {
  state: "open" | "unusable";
  plugin: string;
  logs: string[];
  toasts: string[];
  system: string[];
  board: string;
  next: string;
  added: string;
  addedId: string;
  heldByCli: string;
  claimed: string;
  shell: Record<string, string>;
};
/** A team project with a ready task and a task the CLI holds as agent:cli. */
function teamProject() {
  const root = tempDir("exarp-team-plugin-");
  const url = freshPgUrl();
  const init = run(root, ["init", "--database", url]);
  expect(init.code, init.stderr).toBe(0);
  expect(lines(init.stdout)[0]).toBe(`created the team project at ${shown(url)} (PostgreSQL)`);
  const ready = runJson(root, ["add", "CLI ready task", "-p", "high"]).task.id as string;
  const held = runJson(root, ["add", "CLI held task"]).task.id as string;
  expect(runJson(root, ["claim", held, "--as", "agent:cli"]).acquired).toBe(true);
  return { root, url, ready, held };
}

/** Runs the script under Bun on `root` with the plugin module `entry`; its parsed answer. */
function underBun(entry: string, root: string, held: string): Seen {
  const r = spawnSync(BUN, [SCRIPT, entry, root, held], {
    cwd: root,
    encoding: "utf8",
    env: childEnv(),
    timeout: 50_000,
  });
  const said = `exit ${r.status} ${r.signal ?? ""}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
  const last = lines(r.stdout ?? "").at(-1);
  const seen = last?.startsWith("{") ? (JSON.parse(last) as Seen) : undefined;
  expect(seen?.state, `the plugin did not open the team project: ${said}`).toBe("open");
  expect(r.status, said).toBe(0);
  return seen as Seen;
}

/** What the plugin saw and wrote, checked against the CLI's view of the PostgreSQL log. */
function expectTeamWork(entry: string) {
  const { root, url, ready, held } = teamProject();
  const seen = underBun(entry, root, held);

  expect(seen.plugin).toBe("ExarpPlugin");
  expect(seen.logs).toContain(`exarp plugin ready on ${root}`);
  expect(seen.toasts).toEqual([]);
  // It saw the CLI's writes: the board, the ready set (the system block and exarp_next), the lease.
  expect(seen.board.split("\n").sort()).toEqual(
    [`${ready} [todo] [high] CLI ready task`, `${held} [in progress] [medium] CLI held task`].sort(),
  );
  expect(seen.next.split("\n")[0]).toBe(`${ready} [todo] [high] CLI ready task`);
  const system = seen.system.join("\n");
  expect(system).toContain("Ready to start:");
  expect(system).toContain(`- ${ready} [high] CLI ready task`);
  expect(seen.heldByCli).toBe(`Not yours: ${held} is held by agent:cli. Pick another task (exarp_next).`);
  // Its own writes.
  expect(seen.added).toMatch(/^Created T-\w+ \[todo\] \[medium\] Plugin task/);
  expect(seen.claimed).toMatch(new RegExp(`^Claimed: ${seen.addedId} \\(lease #\\d+`));
  expect(seen.shell).toMatchObject({ EXARP_PROJECT_ROOT: root, EXARP_AGENT: AGENT, EXARP_SESSION: SESSION });

  // The CLI finds them in the PostgreSQL log, as the plugin's session.
  const { events } = runJson<{ events: LoggedEvent[] }>(root, ["history", seen.addedId]);
  expect(events.map((e) => [e.type, e.actor, e.session])).toEqual([
    ["task.created", AGENT, SESSION],
    ["lease.acquired", AGENT, SESSION],
    ["task.status_changed", AGENT, SESSION],
  ]);
  expect(runJson(root, ["show", seen.addedId]).task).toMatchObject({ status: "in_progress", tags: ["team"] });
  const leases = runJson<{ leases: { taskId: string; agent: string; session: string | null }[] }>(root, ["leases"]);
  expect(leases.leases.map((l) => [l.taskId, l.agent, l.session]).sort()).toEqual(
    [
      [held, "agent:cli", null],
      [seen.addedId, AGENT, SESSION],
    ].sort(),
  );
  const all = runJson<{ events: LoggedEvent[] }>(root, ["history", "-n", "1000"]).events;
  expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
  const doctor = runJson(root, ["doctor"]);
  expect(doctor.ok, JSON.stringify(doctor)).toBe(true);
  expect(doctor.checks.find((c: { name: string }) => c.name === "postgres").summary).toContain(shown(url));
  // Team mode: the plugin opened PostgreSQL, never a SQLite file.
  expect(existsSync(join(root, ".exarp", "exarp.db"))).toBe(false);
}

describe("the OpenCode plugin on a team project, under Bun", () => {
  it("the published bundle (dist/index.js) sees the CLI's tasks and leases and writes to the PostgreSQL log", () => {
    expectTeamWork(BUNDLE);
  });

  it("the plugin's source (src/index.ts) does the same", () => {
    expectTeamWork(SOURCE);
  });
});
