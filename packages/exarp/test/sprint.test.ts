// `exarp sprint` on the demo project, through the built CLI in real child processes, on the suite's
// backend (EXARP_TEST_BACKEND=postgres: the CLI gets the project's EXARP_DATABASE_URL). Every field
// of the report is held to the event log as `exarp history` prints it; refusals write nothing.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CliRun } from "./support/cli.ts";
import { CONTROL, lines, run as runCli, runJson as runCliJson, UNSAFE_OUTPUT } from "./support/hermetic.ts";
import { projectEnv, projectState } from "./support/processes.ts";
import { tempDir } from "./support/temp.ts";

const run = (root: string, args: string[]): CliRun => runCli(root, args, { env: projectEnv(root) });
// biome-ignore lint/suspicious/noExplicitAny: tests read answers field by field
const json = (root: string, args: string[]): any => runCliJson(root, args, projectEnv(root));

const ANA = ["--as", "user:ana"];
const BUILD = ["--as", "agent:build", "--session", "ses_demo1"];

type Event = { seq: number; type: string; time: number; actor: string; payload: Record<string, unknown> };

const log = (root: string): Event[] => json(root, ["history", "-n", "100000"]).events;

/** The demo project (src/app/demo.ts) in a new folder, and its task ids by title. */
function demo() {
  const root = tempDir();
  const seeded = json(root, ["demo", "--dir", root]);
  const id = new Map<string, string>(seeded.tasks.map((t: { title: string; id: string }) => [t.title, t.id]));
  const of = (title: string) => {
    const found = id.get(title);
    if (!found) throw new Error(`demo has no task ${title}`);
    return found;
  };
  return {
    root,
    model: of("Invoice domain model and totals"),
    stripe: of("Stripe webhook receiver"),
    idem: of("Idempotency keys for webhook events"),
    pdf: of("Render invoice PDFs"),
    email: of("Email invoices to customers"),
    tax: of("Tax rates per country"),
    schema: of("Design the invoices schema"),
  };
}

/**
 * A refused command: `code`, one line on stderr (JSON under --json), nothing on stdout, nothing
 * written. Async only to give the test runner's event loop a turn between the blocking child runs.
 */
async function refused(root: string, args: string[], code: number, message: RegExp) {
  await new Promise((resolve) => setImmediate(resolve));
  const before = projectState(root);
  const r = run(root, args);
  expect(r.code, r.stderr).toBe(code);
  expect(r.stdout).toBe("");
  expect(lines(r.stderr)).toHaveLength(1);
  expect(r.stderr).toMatch(message);
  const asJson = run(root, [...args, "--json"]);
  expect(asJson.code).toBe(code);
  expect(JSON.parse(asJson.stderr).error.message).toMatch(message);
  expect(projectState(root)).toEqual(before);
}

const moves = (events: Event[], taskId: string) =>
  events.filter((e) => e.type === "task.status_changed" && e.payload.taskId === taskId);

describe("exarp sprint", () => {
  it("check, start, work, report (field by field against the log), end; the window closes at the end", async () => {
    const d = demo();
    const { root } = d;
    const api = [d.model, d.stripe, d.idem, d.pdf, d.email, d.tax];

    // Before a start: the api tasks are sound; a finished task and an unknown id are problems (exit 1).
    const sound = json(root, ["sprint", "check", "--tag", "api"]).check;
    expect(sound).toMatchObject({ ok: true, problems: [], openSprint: null, tag: "api" });
    expect([...sound.taskIds].sort()).toEqual([...api].sort());
    const bad = run(root, ["sprint", "check", d.schema, "T-nope", "--json"]);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).check).toMatchObject({ ok: false, unknown: ["T-nope"], finished: [d.schema] });
    json(root, ["add", "Write the changelog", "--tag", "later"]);
    const unestimated = run(root, ["sprint", "check", "--tag", "later"]);
    expect(unestimated.code).toBe(1);
    expect(unestimated.stdout).toMatch(/has no estimate/);

    const started = json(root, ["sprint", "start", "s1", "--tag", "api", "--goal", "invoices out", ...ANA]).sprint;
    const startEvent = log(root).at(-1) as Event;
    expect(startEvent).toMatchObject({
      type: "sprint.started",
      actor: "user:ana",
      payload: { sprint: "s1", tag: "api", goal: "invoices out", taskIds: started.taskIds },
    });
    expect([...started.taskIds].sort()).toEqual([...api].sort());
    expect(started).toMatchObject({ startedSeq: startEvent.seq, startedAt: startEvent.time, endedSeq: null });
    expect(json(root, ["history", "sprint:s1"]).events.map((e: Event) => e.seq)).toEqual([startEvent.seq]);

    // Work: the model and the receiver are approved; the PDFs go to review; a short lease on the keys runs out.
    json(root, ["done", d.model, ...ANA]);
    json(root, ["review", d.stripe, ...BUILD]);
    json(root, ["done", d.stripe, ...ANA]);
    json(root, ["claim", d.pdf, ...BUILD]);
    json(root, ["review", d.pdf, ...BUILD]);
    json(root, ["claim", d.idem, "--ttl", "1", ...BUILD]);
    await new Promise((resolve) => setTimeout(resolve, 1200));

    const events = log(root);
    const report = json(root, ["sprint", "report"]).report;
    expect(report).toMatchObject({ sprint: "s1", state: "open", goal: "invoices out", tag: "api", endedSeq: null });
    expect(report.asOf).toBe(report.now);
    const doneMove = (id: string) => moves(events, id).findLast((e) => e.payload.to === "done") as Event;
    const firstStart = (id: string) => moves(events, id).find((e) => e.payload.to === "in_progress") as Event;
    expect(report.done).toEqual(
      [
        { id: d.model, title: "Invoice domain model and totals", estimate: 90 },
        { id: d.stripe, title: "Stripe webhook receiver", estimate: 120 },
      ].map((t) => ({
        taskId: t.id,
        title: t.title,
        estimate: t.estimate,
        doneAt: doneMove(t.id).time,
        doneSeq: doneMove(t.id).seq,
        startedAt: firstStart(t.id).time,
        cycleTimeMs: doneMove(t.id).time - firstStart(t.id).time,
      })),
    );
    for (const t of report.done) expect(t.doneSeq).toBeGreaterThan(startEvent.seq);
    expect(report.velocity).toEqual({ minutes: 210, unestimated: 0, days: 1, perDay: 210 });
    expect(report.cycleTime.count).toBe(2);
    const request = events.findLast((e) => e.type === "approval.requested" && e.payload.taskId === d.pdf) as Event;
    expect(report.reviewQueue).toEqual([
      {
        taskId: d.pdf,
        title: "Render invoice PDFs",
        requestId: request.seq,
        requestedBy: "agent:build",
        requestedAt: request.time,
        ageMs: report.now - request.time,
      },
    ]);
    const grant = events.findLast((e) => e.type === "lease.acquired" && e.payload.taskId === d.idem) as Event;
    expect(report.staleLeases).toEqual([
      {
        taskId: d.idem,
        agent: "agent:build",
        session: "ses_demo1",
        token: grant.seq,
        acquiredAt: grant.time,
        renewedAt: null,
        expiresAt: grant.payload.expiresAt,
        expired: true,
        idleMs: report.now - grant.time,
      },
    ]);
    const blockedReason = moves(events, d.tax).findLast((e) => e.payload.to === "blocked")?.payload.reason;
    expect(blockedReason).toBe("finance has not confirmed the countries");
    const byId = (a: { taskId: string }, b: { taskId: string }) => (a.taskId < b.taskId ? -1 : 1);
    expect([...report.blocked].sort(byId)).toEqual(
      [
        {
          taskId: d.email,
          title: "Email invoices to customers",
          status: "todo",
          waitsFor: [d.pdf],
          reasons: [`waits for ${d.pdf} (review)`],
        },
        {
          taskId: d.tax,
          title: "Tax rates per country",
          status: "blocked",
          waitsFor: [],
          reasons: [`blocked: ${blockedReason}`],
        },
      ].sort(byId),
    );
    // In the sprint's own order (the order its start recorded).
    expect(report.blocked.map((b: { taskId: string }) => started.taskIds.indexOf(b.taskId))).toEqual(
      report.blocked
        .map((b: { taskId: string }) => started.taskIds.indexOf(b.taskId))
        .sort((a: number, b: number) => a - b),
    );
    // The expired lease reads as swept: the keys are todo again, and ready.
    expect(report.statuses).toEqual({
      todo: 2,
      in_progress: 0,
      review: 1,
      done: 2,
      blocked: 1,
      cancelled: 0,
      deleted: 0,
    });
    expect(report.criticalPath).toEqual({ tasks: [d.pdf, d.email], total: 165, outside: [] });

    const md = run(root, ["sprint", "report", "-f", "md"]);
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^# Sprint s1\n/);
    expect(md.stdout).toContain(`| ${d.pdf} | Render invoice PDFs | agent:build |`);
    expect(md.stdout).toContain("**210 min/day**");
    expect(JSON.parse(run(root, ["sprint", "report", "-f", "json"]).stdout).report.done).toEqual(report.done);
    expect(run(root, ["sprint", "report"]).stdout).toContain(
      `stale leases: 1\n  ${d.idem}  agent:build/ses_demo1  expired`,
    );

    const ended = json(root, ["sprint", "end", ...ANA]).sprint;
    const endEvent = log(root).at(-1) as Event;
    expect(endEvent).toMatchObject({ type: "sprint.ended", payload: { sprint: "s1" }, actor: "user:ana" });
    expect(ended).toMatchObject({ name: "s1", endedSeq: endEvent.seq, endedAt: endEvent.time, endedBy: "user:ana" });
    // Approved after the end: not done in s1.
    json(root, ["done", d.pdf, ...ANA]);
    const closed = json(root, ["sprint", "report", "s1"]).report;
    expect(closed).toMatchObject({ state: "ended", asOf: endEvent.time, endedSeq: endEvent.seq });
    expect(closed.done).toEqual(report.done);
    expect(closed.reviewQueue).toEqual([]);

    // One sprint at a time; names are not reused; `report` defaults to the open one, else the last.
    json(root, ["sprint", "start", "s2", d.idem, d.email]);
    expect(json(root, ["sprint", "report"]).report.sprint).toBe("s2");
    expect(json(root, ["sprint", "list"]).sprints.map((s: { name: string }) => s.name)).toEqual(["s1", "s2"]);
    const audit = json(root, ["audit", "--type", "sprint."]).entries;
    expect(audit.map((e: { type: string; task: string }) => [e.type, e.task])).toEqual([
      ["sprint.started", "sprint:s1"],
      ["sprint.ended", "sprint:s1"],
      ["sprint.started", "sprint:s2"],
    ]);
  });

  it("refuses what would make a sprint wrong, with one line and a documented code, writing nothing", async () => {
    const d = demo();
    const { root } = d;
    await refused(
      root,
      ["sprint", "start", "s1", "--tag", "nothing-has-it"],
      1,
      /no unfinished task is tagged nothing-has-it/,
    );
    await refused(root, ["sprint", "start", "s1", "T-nope"], 1, /task T-nope not found/);
    await refused(root, ["sprint", "start", "s1", d.schema], 1, new RegExp(`${d.schema} is done already`));
    await refused(root, ["sprint", "start", "s1"], 2, /give --tag TAG or task IDs/);
    await refused(root, ["sprint", "start", "s1", "--tag", "api", d.pdf], 2, /not both/);
    await refused(root, ["sprint", "start", "bad name", d.pdf], 2, /NAME: sprint name may contain only/);
    await refused(root, ["sprint", "start", `s\u001b[31m`, d.pdf], 2, /NAME: sprint name may contain only/);
    await refused(root, ["sprint", "start", "x".repeat(65), d.pdf], 2, /longer than 64/);
    await refused(
      root,
      ["sprint", "start", "s1", d.pdf, "--goal", "a\u001b]0;owned\u0007"],
      2,
      /goal contains a control character/,
    );
    await refused(root, ["sprint", "stop"], 2, /sprint takes start, end, report, check or list/);
    await refused(root, ["sprint", "end"], 1, /no sprint is open/);
    await refused(root, ["sprint", "report"], 1, /no sprint has been started/);
    await refused(root, ["sprint", "report", "--format", "pdf"], 2, /--format takes text, md or json/);
    await refused(root, ["sprint", "end", "--tag", "api"], 2, /sprint end takes no --tag/);

    json(root, ["sprint", "start", "s1", d.pdf]);
    await refused(root, ["sprint", "start", "s2", d.email], 1, /sprint s1 is open: end it before starting s2/);
    await refused(root, ["sprint", "end", "s9"], 1, /sprint s9 is not the open one; s1 is/);
    await refused(root, ["sprint", "report", "s9"], 1, /sprint s9 not found/);
    await refused(root, ["sprint", "report", "--stale-after", "0"], 2, /--stale-after takes 1 to 10080 minutes/);
    const start = log(root).at(-1) as Event;
    await refused(root, ["undo", String(start.seq)], 1, /sprint and runner records are not undone/);
    json(root, ["sprint", "end"]);
    await refused(root, ["sprint", "start", "s1", d.email], 1, /a sprint named s1 was run before/);
    for (const r of [
      run(root, ["sprint", "start", `s\u001b[31m`, d.pdf]),
      run(root, ["sprint", "report", "s\u001b"]),
    ]) {
      expect(r.stderr).not.toMatch(UNSAFE_OUTPUT);
      expect(r.stderr.replace(/\n$/, "")).not.toMatch(CONTROL);
    }
  });

  it("export → import carries the sprints: the restored project reports the same sprint", () => {
    const d = demo();
    json(d.root, ["sprint", "start", "s1", "--tag", "api", ...ANA]);
    json(d.root, ["done", d.model, ...ANA]);
    json(d.root, ["sprint", "end"]);
    const file = join(tempDir(), "export.jsonl");
    expect(run(d.root, ["export", "-o", file]).code).toBe(0);
    const copy = tempDir();
    expect(run(copy, ["init"]).code).toBe(0);
    expect(json(copy, ["import", file]).import.mode).toBe("log");
    expect(json(copy, ["sprint", "list"]).sprints).toEqual(json(d.root, ["sprint", "list"]).sprints);
    const { now: _a, ...here } = json(d.root, ["sprint", "report", "s1"]).report;
    const { now: _b, ...there } = json(copy, ["sprint", "report", "s1"]).report;
    expect(there.done).toHaveLength(1);
    expect({ ...there, reviewQueue: [], staleLeases: [] }).toEqual({ ...here, reviewQueue: [], staleLeases: [] });
  });
});
