// The dashboard's writes in real headless Chromium against a real `exarp serve` child over the demo
// project: a double click sends one request, a blank denial is refused in the page, the server's
// refusals (a bad reason or comment, a database held by another process) show in the banner and
// leave the controls usable and what was typed in place.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cliIn,
  launchChromium,
  logIn,
  recordProblems,
  type Served,
  serveDashboard,
  WAIT_MS,
} from "./support/dashboard.ts";
import { runJson } from "./support/hermetic.ts";

type DemoTask = { id: string; title: string; status: string };

let root: string;
let served: Served;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: string[];
/** The paths of the page's writes, as they are sent. */
const writes: string[] = [];

/** A todo task moved to review by the CLI (another identity than the page's owner). */
async function inReview(): Promise<string> {
  const id = (runJson<{ tasks: DemoTask[] }>(root, ["ready"]).tasks[0] as DemoTask).id;
  await cliIn(root, ["start", id]);
  await cliIn(root, ["review", id]);
  return id;
}

const status = (id: string) => runJson(root, ["show", id]).task.status as string;
const bannerText = () => page.locator(".banner:not([hidden]) .banner-message").textContent();

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "exarp-dashboard-writes-"));
  runJson(tmpdir(), ["demo", "--dir", root]);
  const owner = runJson(root, ["token", "create", "--scope", "owner", "--as", "user:lead"]).secret;
  served = await serveDashboard(root);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  problems = recordProblems(context);
  page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.on("request", (r: Request) => {
    if (r.method() !== "GET") writes.push(new URL(r.url()).pathname);
  });
  await logIn(page, served.url, owner);
  await page.locator(".card").first().waitFor();
});

afterAll(async () => {
  await browser?.close();
  await served?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("the dashboard's writes", () => {
  it("sends an approval and a comment once, however fast they are clicked", async () => {
    const id = await inReview();
    await page.goto(`${served.url}#/task/${id}`);
    await page.locator(".task-actions button.approve").dblclick();
    await expect.poll(() => status(id), { timeout: WAIT_MS }).toBe("done");
    await page.locator(".task-header .status-done").waitFor();
    expect(writes.filter((path) => path.endsWith("/approve"))).toEqual([`/api/tasks/${id}/approve`]);
    expect(await page.locator(".banner").isVisible()).toBe(false);

    await page.locator("textarea[name=body]").fill("looked at it twice");
    await page.locator(".comment-form button").dblclick();
    await page.locator(".comment-body", { hasText: "looked at it twice" }).waitFor();
    const comments = runJson(root, ["show", id]).task.comments as { body: string }[];
    expect(comments.filter((c) => c.body === "looked at it twice")).toHaveLength(1);
  });

  it("refuses a blank reason in the page, and shows the server's refusal of a bad one with the reason kept", async () => {
    const id = await inReview();
    await page.goto(`${served.url}#/approvals`);
    const row = page.locator(`.approval[data-task="${id}"]`);
    const reason = row.locator("input[name=reason]");
    const before = writes.length;
    await reason.fill("   ");
    await row.locator("button.deny").click();
    await expect.poll(bannerText).toMatch(/give a reason/i);
    expect(await reason.evaluate((input) => input === input.ownerDocument.activeElement)).toBe(true);
    expect(writes.slice(before)).toEqual([]);

    // The task page refuses it the same way.
    await page.locator(".banner-close").click();
    await page.goto(`${served.url}#/task/${id}`);
    await page.locator(".task-actions .decision input[name=reason]").fill(" ");
    await page.locator(".task-actions button.deny").click();
    await expect.poll(bannerText).toMatch(/give a reason/i);
    expect(writes.slice(before)).toEqual([]);

    await page.locator(".banner-close").click();
    await page.goto(`${served.url}#/approvals`);
    const hidden = "ship it \u202e";
    await reason.fill(hidden);
    await row.locator("button.deny").click();
    await expect.poll(bannerText).toMatch(/bidirectional control character/);
    expect(writes.slice(before)).toEqual([`/api/tasks/${id}/deny`]);
    expect(await reason.inputValue()).toBe(hidden);
    expect(await row.locator("button.deny").isEnabled()).toBe(true);
    expect(status(id)).toBe("review");

    // A refused comment stays in the box.
    await page.locator(".banner-close").click();
    await page.goto(`${served.url}#/task/${id}`);
    const box = page.locator("textarea[name=body]");
    await box.fill(hidden);
    await page.locator(".comment-form button").click();
    await expect.poll(bannerText).toMatch(/bidirectional control character/);
    await sleep(300);
    expect(await box.inputValue()).toBe(hidden);
    expect(await page.locator(".comment-form button").isEnabled()).toBe(true);
  });

  it("says so when another process holds the database, and approves once it is free", async () => {
    const id = await inReview();
    await page.goto(`${served.url}#/approvals`);
    const row = page.locator(`.approval[data-task="${id}"]`);
    await row.waitFor();
    const db = new Database(join(root, ".exarp", "exarp.db"));
    try {
      db.exec("BEGIN IMMEDIATE");
      await row.locator("button.approve").click();
      expect(await row.locator("button.approve").isDisabled()).toBe(true);
      await expect.poll(bannerText, { timeout: WAIT_MS }).toMatch(/busy/i);
      expect(await row.locator("button.approve").isEnabled()).toBe(true);
    } finally {
      db.exec("ROLLBACK");
      db.close();
    }
    await row.locator("button.approve").click();
    await row.waitFor({ state: "detached" });
    expect(status(id)).toBe("done");
    expect(problems).toEqual([]);
  });
});
