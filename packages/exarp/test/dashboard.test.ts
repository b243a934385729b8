// The dashboard in real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
// against a real `exarp serve` child over the demo project: log in, see the board, watch a task move
// when the CLI (another process) changes it, approve from the page and see the CLI agree, deep links,
// what a viewer may not do, and a screenshot of the board.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cliIn,
  launchChromium,
  logIn as logInAt,
  recordProblems,
  type Served,
  serveDashboard,
  streamCutter,
  WAIT_MS,
} from "./support/dashboard.ts";
import { runJson } from "./support/hermetic.ts";

const WEB = fileURLToPath(new URL("../dist/web/index.html", import.meta.url));
const ARTIFACT = fileURLToPath(new URL("artifacts/dashboard.png", import.meta.url));
const README_SHOT = fileURLToPath(new URL("../../../docs/dashboard.png", import.meta.url));

/** `exarp -C root …` as its own process. */
const cli = (args: string[]) => cliIn(root, args);

type DemoTask = { id: string; title: string; status: string; tags: string[] };

let root: string;
let url: string;
let owner: string;
let viewer: string;
let tasks: DemoTask[];
let served: Served;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const listRequests: string[] = [];
/** Uncaught errors, Content-Security-Policy violations and logged errors in the owner's pages: there must be none. */
let pageProblems: string[];

const byTitle = (title: string) => tasks.find((t) => t.title === title) as DemoTask;
const card = (p: Page, id: string, column?: string) =>
  p.locator(`${column ? `.column[data-status="${column}"] ` : ""}.card[data-id="${id}"]`);

const logIn = (p: Page, secret: string) => logInAt(p, url, secret);

beforeAll(async () => {
  expect(existsSync(WEB), "the dashboard is built (npm run build)").toBe(true);
  root = mkdtempSync(join(tmpdir(), "exarp-dashboard-"));
  runJson(tmpdir(), ["demo", "--dir", root]);
  tasks = runJson<{ tasks: DemoTask[] }>(root, ["list", "--all"]).tasks;
  owner = runJson(root, ["token", "create", "--scope", "owner", "--as", "user:lead"]).secret;
  viewer = runJson(root, ["token", "create", "--scope", "viewer", "--name", "wall"]).secret;
  served = await serveDashboard(root);
  url = served.url;
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  pageProblems = recordProblems(context);
  page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.on("request", (r) => {
    if (new URL(r.url()).pathname === "/api/tasks") listRequests.push(r.url());
  });
});

afterAll(async () => {
  await browser?.close();
  await served?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** A new page on the board through a stream cutter, live; `reloads()` counts its board fetches. */
async function boardBehindCutter() {
  const cutter = await streamCutter(new URL(url));
  const p = await context.newPage();
  p.setDefaultTimeout(WAIT_MS);
  let reloads = 0;
  p.on("request", (r) => {
    if (new URL(r.url()).pathname === "/api/tasks") reloads++;
  });
  try {
    await p.goto(`${cutter.url}#/board`);
    await p.locator(".card").first().waitFor();
    await expect.poll(() => p.locator(".stream").textContent(), { timeout: WAIT_MS }).toBe("live");
  } catch (error) {
    await p.close();
    await cutter.close();
    throw error;
  }
  return { cutter, p, reloads: () => reloads };
}

describe("the dashboard in Chromium", () => {
  it("shows the server's message when a token is refused", async () => {
    await logIn(page, "exarp_not-a-real-token-at-all-0000000000000000");
    await expect.poll(() => page.locator(".banner").isVisible()).toBe(true);
    expect(await page.locator(".banner-message").textContent()).toMatch(/token/i);
    expect(await page.locator("form.login").count()).toBe(1);
  });

  it("logs an owner in and shows the demo board, column by column, with who is logged in", async () => {
    await logIn(page, owner);
    await page.locator(".card").first().waitFor();
    expect(await page.locator(".who .identity").textContent()).toBe("user:lead");
    expect(await page.locator(".who .scope").textContent()).toBe("owner");
    for (const status of ["todo", "in_progress", "review", "done", "blocked"]) {
      const expected = tasks.filter((t) => t.status === status);
      const column = page.locator(`.column[data-status="${status}"]`);
      expect(await column.locator(".count").textContent()).toBe(String(expected.length));
      const titles = await column.locator(".card-title").allTextContents();
      expect(titles.sort()).toEqual(expected.map((t) => t.title).sort());
    }
    await expect.poll(() => page.locator(".stream").textContent()).toBe("live");
    expect(listRequests).toHaveLength(1);
  });

  it("moves a card when the CLI changes its task, and shows new tasks as text, without reloading the board", async () => {
    const ready = runJson<{ tasks: DemoTask[] }>(root, ["ready"]).tasks[0] as DemoTask;
    expect(await card(page, ready.id, "todo").count()).toBe(1);
    const queueAsked: string[] = [];
    const onRequest = (r: { url(): string }) => {
      if (new URL(r.url()).pathname === "/api/approvals") queueAsked.push(r.url());
    };
    page.on("request", onRequest);
    await cli(["start", ready.id]);
    await card(page, ready.id, "in_progress").waitFor();
    await sleep(300);
    page.off("request", onRequest);
    expect(await card(page, ready.id, "todo").count()).toBe(0);
    // A move that neither enters nor leaves review cannot change the approval queue: it is not fetched again.
    expect(queueAsked).toEqual([]);

    mkdirSync(join(ARTIFACT, ".."), { recursive: true });
    await page.screenshot({ path: ARTIFACT, animations: "disabled" });
    if (process.env.EXARP_UPDATE_SCREENSHOT === "1") {
      mkdirSync(join(README_SHOT, ".."), { recursive: true });
      await page.screenshot({ path: README_SHOT, animations: "disabled" });
    }
    expect(existsSync(ARTIFACT)).toBe(true);

    const hostile = `<img src=x onerror="document.title='owned'"> & </span>`;
    const created = JSON.parse(await cli(["add", hostile, "--tag", "ui", "--json"])).task as DemoTask;
    const shown = card(page, created.id, "todo");
    await shown.waitFor();
    expect(await shown.locator(".card-title").textContent()).toBe(hostile);
    expect(await page.locator(".card img").count()).toBe(0);
    expect(await page.title()).toBe("exarp");
    expect(listRequests).toHaveLength(1);
  });

  it("catches up after the stream drops: by Last-Event-ID, or reopened from the last seq when refused", async () => {
    const { cutter, p, reloads } = await boardBehindCutter();
    try {
      const [first, second] = runJson<{ tasks: DemoTask[] }>(root, ["ready"]).tasks as [DemoTask, DemoTask];

      // An event on this stream, so the browser has a Last-Event-ID to resume from.
      await cli(["start", first.id]);
      await card(p, first.id, "in_progress").waitFor();
      const seen = runJson<{ events: { seq: number }[] }>(root, ["history", "-n", "1"]).events[0]?.seq;

      // Cut, and hold the browser's reconnection until the CLI has written: it resumes by Last-Event-ID.
      cutter.cut("hold");
      await expect.poll(() => p.locator(".stream").textContent(), { timeout: WAIT_MS }).toBe("reconnecting");
      await cli(["block", first.id, "--reason", "waits for the vendor"]);
      cutter.restore();
      await card(p, first.id, "blocked").waitFor();
      expect(cutter.lastEventIds.at(-1)).toBe(String(seen));

      // Cut, and refuse reconnections: EventSource gives up; the page reopens from the last seq it saw.
      cutter.cut("refuse");
      await cli(["block", second.id, "--reason", "waits for the vendor"]);
      await expect.poll(() => cutter.refused, { timeout: WAIT_MS }).toBeGreaterThan(0);
      cutter.restore();
      await card(p, second.id, "blocked").waitFor();
      await expect.poll(() => p.locator(".stream").textContent(), { timeout: WAIT_MS }).toBe("live");
      expect(cutter.afters.at(-1)).toMatch(/^\d+$/);
      expect(Number(cutter.afters.at(-1))).toBeGreaterThan(seen ?? 0);
      expect(reloads()).toBe(1);
    } finally {
      await p.close();
      await cutter.close();
    }
  });

  it("backs off while the server cannot be reached, then catches up without reloading the board", async () => {
    const { cutter, p, reloads } = await boardBehindCutter();
    try {
      const cutOff = JSON.parse(await cli(["add", "Moved while the page was cut off", "--json"])).task as DemoTask;
      await card(p, cutOff.id, "todo").waitFor();

      cutter.cut("drop");
      await cli(["block", cutOff.id, "--reason", "written while the page was cut off"]);
      await sleep(8_000);
      // The browser alone would retry every second (8 attempts); the page waits 1, 2, 4 s… after the first.
      // What comes within the first half second is the browser's own immediate retry of the dropped
      // stream (one or two requests, as Chromium has it); the page's pacing is what follows.
      const attempts = cutter.dropped.map((d) => d.at);
      const first = attempts[0] as number;
      const paced = attempts.filter((at) => at - first > 500);
      expect(attempts.length - paced.length).toBeLessThanOrEqual(3);
      expect(paced.length).toBeGreaterThan(1);
      expect(paced.length).toBeLessThanOrEqual(3);
      expect((attempts.at(-1) as number) - (attempts.at(-2) as number)).toBeGreaterThanOrEqual(1_800);
      expect(await p.locator(".stream").textContent()).toBe("reconnecting");

      cutter.restore();
      await card(p, cutOff.id, "blocked").waitFor({ timeout: 20_000 });
      await expect.poll(() => p.locator(".stream").textContent(), { timeout: WAIT_MS }).toBe("live");
      expect(reloads()).toBe(1);
    } finally {
      await p.close();
      await cutter.close();
    }
  });

  it("shows a viewer the queue and the task but nothing it may not do", async () => {
    const review = tasks.find((t) => t.status === "review") as DemoTask;
    const wall = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    try {
      const p = await wall.newPage();
      p.setDefaultTimeout(WAIT_MS);
      await logIn(p, viewer);
      await p.locator(".card").first().waitFor();
      expect(await p.locator(".who .scope").textContent()).toBe("viewer");
      await p.goto(`${url}#/approvals`);
      await p.locator(`.approval[data-task="${review.id}"]`).waitFor();
      expect(await p.locator("button.approve, button.deny").count()).toBe(0);
      await p.goto(`${url}#/task/${review.id}`);
      await p.locator(".task-header h1").waitFor();
      expect(await p.locator(".task-actions").textContent()).toBe("");
      expect(await p.locator("textarea, button.approve").count()).toBe(0);
    } finally {
      await wall.close();
    }
  });

  it("approves a task in review from the page, and the CLI agrees it is done", async () => {
    const review = tasks.find((t) => t.status === "review") as DemoTask;
    await page.goto(`${url}#/approvals`);
    const row = page.locator(`.approval[data-task="${review.id}"]`);
    await row.locator("button.approve").click();
    await row.waitFor({ state: "detached" });
    expect(runJson(root, ["show", review.id]).task.status).toBe("done");
    await page.goto(`${url}#/board`);
    await card(page, review.id, "done").waitFor();
    expect(await page.locator(".banner").isVisible()).toBe(false);
  });

  it("denies with a reason, and shows a refusal from the server in the banner", async () => {
    const started = runJson<{ tasks: DemoTask[] }>(root, ["list", "--status", "in_progress"]).tasks;
    const mine = started.find((t) => t.title !== "Stripe webhook receiver") as DemoTask;
    await cli(["review", mine.id]);
    await page.goto(`${url}#/approvals`);
    const row = page.locator(`.approval[data-task="${mine.id}"]`);
    await row.locator("input[name=reason]").fill("needs a test for the empty case");
    await row.locator("button.deny").click();
    await row.waitFor({ state: "detached" });
    const detail = runJson(root, ["show", mine.id]).task;
    expect(detail.status).toBe("in_progress");
    expect(detail.comments.at(-1).body).toMatch(/needs a test for the empty case/);

    // The demo's agent holds the webhook task: the owner cannot move it, and the page says why.
    const leased = byTitle("Stripe webhook receiver");
    await page.goto(`${url}#/task/${leased.id}`);
    await page.locator("form.move select").selectOption("blocked");
    await page.locator("form.move button").click();
    await expect.poll(() => page.locator(".banner").isVisible()).toBe(true);
    expect(await page.locator(".banner-message").textContent()).toMatch(/agent:build/);
    expect(runJson(root, ["show", leased.id]).task.status).toBe("in_progress");
    await page.locator(".banner-close").click();
  });

  it("opens a task from a deep link: description, comments, history and why it is not ready", async () => {
    const pdf = byTitle("Render invoice PDFs");
    const model = byTitle("Invoice domain model and totals");
    const deep = await context.newPage();
    try {
      deep.setDefaultTimeout(WAIT_MS);
      await deep.goto(`${url}#/task/${model.id}`);
      await deep.locator(".task-header h1").waitFor();
      expect(await deep.locator(".task-header h1").textContent()).toBe(model.title);
      expect(await deep.locator(".comment-body").allTextContents()).toContain(
        "Totals use integer cents; rounding happens once, per invoice.",
      );
      expect((await deep.locator(".audit li").allTextContents()).join("\n")).toMatch(/created: Invoice domain model/);
      const blocked = byTitle("Tax rates per country");
      await deep.goto(`${url}#/task/${blocked.id}`);
      await deep.locator(".why h2").waitFor();
      expect(await deep.locator(".why").textContent()).toMatch(/blocked, not todo/);
      expect(await deep.locator(".description").textContent()).toBe(
        "Waiting for finance to confirm the list of countries.",
      );
      await deep.goto(`${url}#/task/${pdf.id}`);
      await deep.locator(`.links a[href="#/task/${model.id}"]`).waitFor();
    } finally {
      await deep.close();
    }
  });

  it("keeps board filters in the hash", async () => {
    await page.goto(`${url}#/board?tag=payments`);
    await page.locator(".card").first().waitFor();
    const payments = runJson<{ tasks: DemoTask[] }>(root, ["list", "--all", "--tag", "payments"]).tasks.filter(
      (t) => t.status !== "cancelled",
    );
    await expect.poll(async () => (await page.locator(".card").count()) === payments.length).toBe(true);
    expect(await page.locator("input[name=tag]").inputValue()).toBe("payments");
    await page.locator("input[name=text]").fill("webhook");
    await expect.poll(() => new URL(page.url()).hash).toBe("#/board?text=webhook&tag=payments");
    const titles = await page.locator(".card-title").allTextContents();
    expect(titles.length).toBeGreaterThan(0);
    for (const title of titles) expect(title.toLowerCase()).toContain("webhook");
  });

  it("draws the waves with the critical path outlined, and shows lease holders and the audit feed live", async () => {
    const asked: string[] = [];
    const onRequest = (r: { url(): string }) => asked.push(new URL(r.url()).pathname);
    page.on("request", onRequest);
    await page.goto(`${url}#/waves`);
    await page.locator("svg.waves-graph .node.task").first().waitFor();
    page.off("request", onRequest);
    // One answer carries the plan and its dependencies; titles come from the board's own list.
    expect(asked).toContain("/api/plan");
    expect(asked.filter((path) => path.startsWith("/api/tasks/"))).toEqual([]);
    const plan = runJson(root, ["plan"]).plan as { waves: string[][]; criticalPath: { tasks: string[] } };
    const nodes = await page
      .locator("svg.waves-graph .node.task")
      .evaluateAll((els) =>
        els.map((e) => ({ id: e.getAttribute("data-id"), critical: e.classList.contains("critical") })),
      );
    expect(nodes.map((n) => n.id).sort()).toEqual(plan.waves.flat().sort());
    expect(
      nodes
        .filter((n) => n.critical)
        .map((n) => n.id)
        .sort(),
    ).toEqual([...plan.criticalPath.tasks].sort());
    expect(await page.locator("svg.waves-graph .edge.critical").count()).toBe(plan.criticalPath.tasks.length - 1);
    // Every wave is open, so every dependency between planned tasks is an edge, and every node has its title.
    const planned = new Set(plan.waves.flat());
    const exported = new Map(
      (await cli(["export"]))
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { kind: string; id: string; title: string; dependsOn: string[] })
        .filter((line) => line.kind === "task" && planned.has(line.id))
        .map((t) => [t.id, t]),
    );
    const dependencies = [...exported.values()].flatMap((t) => t.dependsOn.filter((blocker) => planned.has(blocker)));
    expect(dependencies.length).toBeGreaterThan(0);
    expect(await page.locator("svg.waves-graph .edge").count()).toBe(dependencies.length);
    const titles = await page.locator("svg.waves-graph .node.task > title").allTextContents();
    for (const [i, node] of nodes.entries())
      expect(titles[i]).toContain(`${node.id} ${exported.get(node.id as string)?.title}`);

    await page.goto(`${url}#/leases`);
    const held = page.locator("table.leases tbody tr").first();
    await held.waitFor();
    expect(await held.locator(".countdown").textContent()).toMatch(/^\d+m \d\ds$/);

    await page.goto(`${url}#/audit`);
    await page.locator("ol.audit li").first().waitFor();
    const todo = runJson<{ tasks: DemoTask[] }>(root, ["ready"]).tasks[0] as DemoTask;
    await cli(["comment", todo.id, "seen from the CLI"]);
    await expect
      .poll(() => page.locator("ol.audit li").first().textContent())
      .toMatch(new RegExp(`${todo.id} comment: seen from the CLI`));
  });

  it("logs out, and no page threw or broke the content security policy on the way", async () => {
    await page.goto(`${url}#/board`);
    await page.locator("button.logout").click();
    await page.locator("form.login").waitFor();
    expect(await page.evaluate(async () => (await fetch("/api/session")).status)).toBe(401);
    expect(pageProblems).toEqual([]);
  });
});
