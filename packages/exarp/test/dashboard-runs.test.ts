// The dashboard's Running view in real headless Chromium against a real `exarp serve` child: a runner
// session started in another process (this one, through the services, as `exarp run` records it)
// shows in the view and as a badge on its card; when it finishes, both go and the card moves to
// review — from the event stream, without reloading the page. Titles show as text, never markup.
// The page's pure parts (which events ask for the runs again, how a new reading replaces the old,
// the elapsed time) are held to their rules with fast-check.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Exarp } from "../src/app/exarp.ts";
import { openProject } from "../src/app/project.ts";
import { elapsed } from "../web/lib/time.ts";
import type { RunView, StreamEvent } from "../web/lib/types.ts";
import { replaceRuns, touchesRuns } from "../web/runs/runs.ts";
import { launchChromium, logIn, recordProblems, type Served, serveDashboard, WAIT_MS } from "./support/dashboard.ts";
import { seed } from "./support/fc-seed.ts";
import { runJson } from "./support/hermetic.ts";

const RUNNER = { name: "agent:runner", session: "ses_x" };
const TITLE = '<img src=x onerror="document.title=1"> Render invoice PDFs & "totals"';

let root: string;
let served: Served;
let exarp: Exarp;
let browser: Browser;
let page: Page;
let problems: string[];
/** Times the page fetched the board (the first load, and any reload). */
let boardLoads = 0;

/** Opens a view from the navigation, as a person does (the page is not loaded again). */
const goTo = (view: "runs" | "board") => page.locator(`nav a[data-view="${view}"]`).click();
const runRow = (id: string) => page.locator(`table.runs tr[data-task="${id}"]`);
const card = (id: string) => page.locator(`.card[data-id="${id}"]`);

describe("the Running view", () => {
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "exarp-dashboard-runs-"));
    runJson(tmpdir(), ["demo", "--dir", root]);
    const owner = runJson(root, ["token", "create", "--scope", "owner", "--as", "user:lead"]).secret;
    exarp = openProject(root, { actor: { name: "user:lead", session: null } });
    served = await serveDashboard(root);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    problems = recordProblems(context);
    page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    page.on("request", (r) => {
      if (new URL(r.url()).pathname === "/api/tasks") boardLoads++;
    });
    await logIn(page, served.url, owner);
    await page.locator(".card").first().waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    exarp?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("says when no runner session works, and shows one as it starts and ends, with its card", async () => {
    await goTo("runs");
    await page.locator(".panel h1", { hasText: "Running" }).waitFor();
    await page.locator(".panel .empty", { hasText: "No runner sessions" }).waitFor();
    expect(await page.locator("table.runs").isVisible()).toBe(false);
    expect(await page.locator('nav a[data-view="runs"] .badge').isVisible()).toBe(false);

    // A ready task with markup in its title, started by the runner in another process.
    const id = exarp.tasks.create({ title: TITLE, tags: ["pdf"] }).id;
    exarp.as(RUNNER).runs.start(id, { attempt: 1, worktree: null, branch: "exarp/pdf" });

    const row = runRow(id);
    await row.waitFor();
    const cells = await row.locator("td").allTextContents();
    expect(cells.slice(0, 4)).toEqual([`${id}${TITLE}`, "agent:runner", "ses_x", "1"]);
    expect(cells[4]).toMatch(/^\d+s$|^\d+m \d\ds$/);
    expect(cells[5]).toBe("exarp/pdf");
    expect(await row.locator("img").count()).toBe(0);
    expect(await page.locator(".panel .empty").isVisible()).toBe(false);
    await expect.poll(() => page.locator('nav a[data-view="runs"] .badge').textContent()).toBe("1");

    // The elapsed time ticks.
    const first = await row.locator("td").nth(4).textContent();
    await expect.poll(() => row.locator("td").nth(4).textContent(), { timeout: WAIT_MS }).not.toBe(first);

    // On the board, the card is in progress with a runner badge naming the session.
    await goTo("board");
    const badge = card(id).locator(".runner");
    await badge.waitFor();
    expect(await badge.textContent()).toBe("runner ses_x");
    expect(await badge.getAttribute("title")).toBe("agent:runner, session ses_x, attempt 1");
    expect(await page.locator(`.column[data-status="in_progress"] .card[data-id="${id}"]`).count()).toBe(1);
    expect(await card(id).locator("img").count()).toBe(0);

    // It finishes while the Running view is open: the row goes, the empty note comes back.
    await goTo("runs");
    await row.waitFor();
    exarp.as(RUNNER).runs.finish(id, "Result: PDFs render");
    await row.waitFor({ state: "detached" });
    await page.locator(".panel .empty", { hasText: "No runner sessions" }).waitFor();
    await page.locator('nav a[data-view="runs"] .badge').waitFor({ state: "hidden" });

    // The board shows the task in review, without the badge.
    await goTo("board");
    await page.locator(`.column[data-status="review"] .card[data-id="${id}"]`).waitFor();
    expect(await card(id).locator(".runner").count()).toBe(0);

    expect(boardLoads).toBe(1);
    expect(problems).toEqual([]);
  });

  it("shows every running session, oldest first, and drops an abandoned one", async () => {
    const ids = ["First run", "Second run"].map((title) => exarp.tasks.create({ title }).id) as [string, string];
    await goTo("runs");
    exarp
      .as({ name: "agent:runner", session: "ses_1" })
      .runs.start(ids[0], { attempt: 1, worktree: null, branch: null });
    // Shown before the second starts, so the two start at different times (a tie is ordered by task id).
    await runRow(ids[0]).waitFor();
    exarp
      .as({ name: "agent:other", session: "ses_2" })
      .runs.start(ids[1], { attempt: 3, worktree: null, branch: null });
    await runRow(ids[1]).waitFor();
    const rows = await page.locator("table.runs tbody tr").evaluateAll((trs) => trs.map((tr) => tr.dataset.task));
    expect(rows).toEqual(ids);
    expect(await runRow(ids[1]).locator("td").nth(1).textContent()).toBe("agent:other");
    expect(await runRow(ids[1]).locator("td").nth(3).textContent()).toBe("3");
    expect(await runRow(ids[0]).locator("td").nth(5).textContent()).toBe("none");
    await expect.poll(() => page.locator('nav a[data-view="runs"] .badge').textContent()).toBe("2");

    exarp.as({ name: "agent:other", session: "ses_2" }).runs.abandon(ids[1], "HTTP 400 (after 3 attempts)");
    await runRow(ids[1]).waitFor({ state: "detached" });
    expect(await runRow(ids[0]).count()).toBe(1);
    await expect.poll(() => page.locator('nav a[data-view="runs"] .badge').textContent()).toBe("1");

    await goTo("board");
    await page.locator(`.column[data-status="blocked"] .card[data-id="${ids[1]}"]`).waitFor();
    expect(await card(ids[0]).locator(".runner").textContent()).toBe("runner ses_1");
    expect(boardLoads).toBe(1);
    expect(problems).toEqual([]);
  });
});

describe("the page's runs, pure", () => {
  const run = fc.record({
    runner: fc.constantFrom("agent:runner", "agent:other"),
    taskId: fc.constantFrom("T-1", "T-2", "T-3", "T-4"),
    title: fc.constantFrom("A", "B"),
    session: fc.constantFrom("ses_1", "ses_2"),
    attempt: fc.integer({ min: 1, max: 3 }),
    startedAt: fc.integer({ min: 0, max: 3 }),
    expiresAt: fc.integer({ min: 0, max: 3 }),
    worktree: fc.constantFrom(null, "/w"),
    branch: fc.constantFrom(null, "b"),
  });
  const runs = fc.uniqueArray(run, { selector: (r) => r.taskId });
  const shown = ({ expiresAt: _renewed, ...rest }: RunView) => rest;

  it("replaces a reading with the next: the next's sessions, the old entry kept where nothing shown changed, the rest named", () => {
    fc.assert(
      fc.property(runs, runs, (before, after) => {
        const map = new Map(before.map((r) => [r.taskId, r]));
        const old = new Map(map);
        const changed = replaceRuns(map, after);
        expect([...map.keys()].sort()).toEqual(after.map((r) => r.taskId).sort());
        for (const next of after) expect(shown(map.get(next.taskId) as RunView)).toEqual(shown(next));
        const ids = new Set([...old.keys(), ...after.map((r) => r.taskId)]);
        for (const id of ids) {
          const was = old.get(id);
          const now = after.find((r) => r.taskId === id);
          const same =
            was !== undefined && now !== undefined && JSON.stringify(shown(was)) === JSON.stringify(shown(now));
          expect(changed.has(id)).toBe(!same);
          if (same) expect(map.get(id)).toBe(was);
        }
      }),
      { seed: seed("replaceRuns") },
    );
  });

  it("asks again on a runner's event, a lease that ends, a deleted task and a new title; not on other events", () => {
    const event = (type: string, payload: Record<string, unknown>) => ({ type, payload }) as unknown as StreamEvent;
    const asks = [
      event("runner.session_started", { taskId: "T-1" }),
      event("runner.session_finished", { taskId: "T-1" }),
      event("runner.session_retried", { taskId: "T-1" }),
      event("runner.session_abandoned", { taskId: "T-1" }),
      event("lease.released", { taskId: "T-1" }),
      event("lease.expired", { taskId: "T-1" }),
      event("task.deleted", { taskId: "T-1" }),
      event("task.edited", { taskId: "T-1", changes: { title: "New" }, previous: { title: "Old" } }),
    ];
    const quiet = [
      event("lease.renewed", { taskId: "T-1" }),
      event("comment.added", { taskId: "T-1" }),
      event("task.edited", { taskId: "T-1", changes: { priority: "high" }, previous: { priority: "low" } }),
      event("task.status_changed", { taskId: "T-1", from: "todo", to: "in_progress" }),
    ];
    expect(asks.map(touchesRuns)).toEqual(asks.map(() => true));
    expect(quiet.map(touchesRuns)).toEqual(quiet.map(() => false));
  });

  it("writes the time since a start as the lease countdown does, 0s for a start ahead of this clock", () => {
    const now = Date.UTC(2026, 5, 1);
    expect(elapsed(now - 42_000, now)).toBe("42s");
    expect(elapsed(now - 245_000, now)).toBe("4m 05s");
    expect(elapsed(now - 3_725_000, now)).toBe("1h 02m");
    expect(elapsed(now + 5_000, now)).toBe("0s");
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 9 }), (ms) => {
        expect(elapsed(now - ms, now)).toMatch(/^(?:\d+s|\d+m \d\ds|\d+h \d\dm)$/);
      }),
      { seed: seed("elapsed") },
    );
  });
});
