// Undo is a write like any other: it respects another agent's live lease, it undoes only the caller's
// own change unless told which, and it works again once the lease is gone (released or expired).
// Comments follow the same lease rule for agents; a person may always comment.
// On both backends (EXARP_TEST_BACKEND=postgres: the CLI gets the project's EXARP_DATABASE_URL); a refused
// command writes nothing: not a byte of the files nor a row over SQLite, not a row over PostgreSQL.
import { describe, expect, it } from "vitest";
import type { CliRun } from "./support/cli.ts";
import { testBackend } from "./support/exarp.ts";
import { lines, run as runCli, runJson as runCliJson } from "./support/hermetic.ts";
import { projectEnv, projectState } from "./support/processes.ts";
import { tempDir } from "./support/temp.ts";

/** The CLI on the project at `root`, on the suite's backend. */
const run = (root: string, args: string[], options: { input?: string } = {}): CliRun =>
  runCli(root, args, { ...options, env: projectEnv(root) });
// biome-ignore lint/suspicious/noExplicitAny: tests read answers field by field
const runJson = (root: string, args: string[]): any => runCliJson(root, args, projectEnv(root));

const A = ["--as", "agent:a", "--session", "sa"];
const B = ["--as", "agent:b", "--session", "sb"];
const ANA = ["--as", "user:ana"];

type Event = { seq: number; type: string; actor: string; command: number; undoes: number | null };

function project() {
  const root = tempDir();
  expect(run(root, ["init"]).code).toBe(0);
  const id = runJson(root, ["add", "original title"]).task.id as string;
  return { root, id };
}

const events = (root: string): Event[] => runJson(root, ["history", "-n", "1000"]).events;
const title = (root: string, id: string): string => runJson(root, ["show", id]).task.title;

/** A refused command: exit 1 with the error named, one stderr line, and not one byte written. */
function refused(root: string, args: string[], name: string, message: RegExp) {
  const before = projectState(root);
  const r = run(root, [...args, "--json"]);
  expect(r.code, r.stderr).toBe(1);
  expect(r.stdout).toBe("");
  expect(lines(r.stderr)).toHaveLength(1);
  const error = JSON.parse(r.stderr).error;
  expect(error.name).toBe(name);
  expect(error.message).toMatch(message);
  const text = run(root, args);
  expect(text.code).toBe(1);
  expect(lines(text.stderr)).toEqual([`exarp: ${error.message}`]);
  expect(projectState(root)).toEqual(before);
}

/** A's claim and edit; returns the seq of the edit and when the lease ends. */
function claimAndEdit(root: string, id: string, ttl = "900"): { seq: number; expiresAt: number } {
  const claim = runJson(root, ["claim", id, "--ttl", ttl, ...A]);
  expect(claim.acquired).toBe(true);
  runJson(root, ["edit", id, "--title", "edited by a", ...A]);
  const edit = events(root).at(-1) as Event;
  expect(edit).toMatchObject({ type: "task.edited", actor: "agent:a" });
  return { seq: edit.seq, expiresAt: claim.lease.expiresAt };
}

/** Sleeps until just past `at` (a lease's end, by the wall clock the CLI also reads: over PostgreSQL the server's, on this machine). */
const after = (at: number) => new Promise((r) => setTimeout(r, Math.max(0, at - Date.now()) + 150));

describe(`undo under a lease (${testBackend})`, () => {
  it("another agent can neither edit nor undo the holder's change while the lease is live; after release it can", () => {
    const { root, id } = project();
    const { seq } = claimAndEdit(root, id);
    refused(root, ["edit", id, "--title", "by b", ...B], "LeaseConflict", /is leased by agent:a\/sa until/);
    refused(root, ["undo", String(seq), ...B], "LeaseConflict", new RegExp(`${id} is leased by agent:a/sa until`));
    // A person is held to the same rule for undo: the lease protects the holder's work.
    refused(root, ["undo", String(seq), ...ANA], "LeaseConflict", /is leased by agent:a\/sa/);
    // B has no change of its own to undo: a bare `undo` never reaches for someone else's.
    refused(root, ["undo", ...B], "Refused", /^agent:b\/sb has no change to undo/);
    expect(title(root, id)).toBe("edited by a");

    runJson(root, ["release", id, ...A]);
    const undone = runJson(root, ["undo", String(seq), ...B]);
    expect(undone.undone.map((e: Event) => e.seq)).toEqual([seq]);
    expect(undone.events).toMatchObject([{ type: "task.edited", undoes: seq }]);
    expect(title(root, id)).toBe("original title");
    expect(run(root, ["doctor"]).code).toBe(0);
  });

  it("after the lease expired the undo works, and reads showed the task as todo before it", async () => {
    const { root, id } = project();
    // Long enough for the refusal below to be judged while the lease is live on a slow machine.
    const { seq, expiresAt } = claimAndEdit(root, id, "6");
    refused(root, ["undo", String(seq), ...B], "LeaseConflict", /is leased by agent:a\/sa/);
    expect(Date.now()).toBeLessThan(expiresAt);
    await after(expiresAt);
    const before = projectState(root);
    expect(runJson(root, ["show", id]).task.status).toBe("todo");
    expect(projectState(root)).toEqual(before);
    const undone = runJson(root, ["undo", String(seq), ...B]);
    expect(undone.undone.map((e: Event) => e.seq)).toEqual([seq]);
    expect(runJson(root, ["show", id]).task).toMatchObject({ title: "original title", status: "todo" });
    // The undo persisted the sweep first, as a command of its own, then undid the edit.
    expect(
      events(root)
        .slice(-3)
        .map((e) => [e.type, e.undoes]),
    ).toEqual([
      ["lease.expired", null],
      ["task.status_changed", null],
      ["task.edited", seq],
    ]);
    expect(run(root, ["doctor"]).code).toBe(0);
  });

  it("a status move undone after the lease expired is refused: the task is no longer where the move left it", async () => {
    const { root, id } = project();
    const { expiresAt } = runJson(root, ["claim", id, "--ttl", "3", ...A]).lease;
    runJson(root, ["block", id, "-r", "waiting", ...A]);
    runJson(root, ["start", id, ...A]);
    const start = (events(root).at(-1) as Event).seq;
    await after(expiresAt);
    // The expiry moved it in progress → todo; undoing the start would claim it moves in progress → blocked.
    const r = run(root, ["undo", String(start), ...A, "--json"]);
    expect(r.code, r.stderr).toBe(1);
    expect(JSON.parse(r.stderr).error.message).toMatch(new RegExp(`${id} is todo now, not in progress`));
    expect(runJson(root, ["show", id]).task.status).toBe("todo");
    expect(run(root, ["doctor"]).code).toBe(0);
  });

  it("a bare undo takes back the caller's own newest change, not a later one by someone else", () => {
    const { root, id } = project();
    const other = runJson(root, ["add", "other"]).task.id as string;
    runJson(root, ["edit", id, "--title", "a's title", ...A]);
    runJson(root, ["edit", other, "--title", "b's title", ...B]);
    const undone = runJson(root, ["undo", ...A]);
    expect(undone.undone).toMatchObject([{ type: "task.edited", actor: "agent:a" }]);
    expect(title(root, id)).toBe("original title");
    expect(title(root, other)).toBe("b's title");
    // Another session of the same agent name is another caller.
    refused(root, ["undo", "--as", "agent:a", "--session", "other"], "Refused", /has no change to undo/);
  });

  it("putting a dependency back is refused when it would close a cycle made since", () => {
    const { root, id: a } = project();
    const b = runJson(root, ["add", "b"]).task.id as string;
    runJson(root, ["dep", "add", a, b]);
    runJson(root, ["dep", "rm", a, b]);
    const removal = (events(root).at(-1) as Event).seq;
    runJson(root, ["dep", "add", b, a]);
    refused(root, ["undo", String(removal)], "CycleDetected", new RegExp(`would close a cycle: ${a} → ${b} → ${a}$`));
    expect(run(root, ["doctor"]).code).toBe(0);
    // Without the cycle it goes back as it was.
    runJson(root, ["undo"]);
    expect(runJson(root, ["undo", String(removal)]).events).toMatchObject([
      { type: "dependency.added", undoes: removal },
    ]);
    expect(runJson(root, ["show", a]).task.dependsOn).toEqual([b]);
    expect(run(root, ["doctor"]).code).toBe(0);
  });

  it("an agent may not comment on a task someone else holds; a person may", () => {
    const { root, id } = project();
    claimAndEdit(root, id);
    refused(root, ["comment", id, "b was here", ...B], "LeaseConflict", /is leased by agent:a\/sa/);
    const fromStdin = run(root, ["comment", id, "-", ...B], { input: "b via stdin\n" });
    expect(fromStdin.code).toBe(1);
    const byAna = runJson(root, ["comment", id, "looks good", ...ANA]);
    expect(byAna.comment).toMatchObject({ taskId: id, author: "user:ana", body: "looks good" });
    const own = run(root, ["comment", id, "-", ...A, "--json"], { input: "holder's note\n" });
    expect(own.code, own.stderr).toBe(0);
    expect(runJson(root, ["show", id]).task.comments.map((c: { body: string }) => c.body)).toEqual([
      "looks good",
      "holder's note",
    ]);
  });
});
