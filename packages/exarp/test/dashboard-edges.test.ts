// The dashboard at its edges, in real headless Chromium against a real `exarp serve` child: a
// project with no tasks, then an import with a dependency cycle arriving while the page is open, a
// title too long for any line, markup in the hash, redraws under the stream that read no layout, the
// waves graph driven by the keyboard, and a token revoked under an open page.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initProject } from "../src/app/project.ts";
import {
  cliIn,
  launchChromium,
  logIn,
  recordProblems,
  type Served,
  serveDashboard,
  WAIT_MS,
} from "./support/dashboard.ts";
import { exportTaskLine } from "./support/expect.ts";
import { runJson } from "./support/hermetic.ts";

const LONG_TITLE = "W".repeat(480);

let root: string;
let owner: string;
let served: Served;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: string[];

/** An export of four open tasks: T-a and T-b wait on each other, T-c waits on T-a, T-d is free. */
function cyclicExport(): string {
  const task = (id: string, title: string, dependsOn: string[]) => exportTaskLine(id, "todo", dependsOn, { title });
  const head = { kind: "exarp.export", version: 1, exportedAt: 1, tasks: 4, comments: 0, events: 0 };
  const lines = [
    JSON.stringify(head),
    task("T-a", "Left half of the cycle", ["T-b"]),
    task("T-b", "Right half of the cycle", ["T-a"]),
    task("T-c", "Waits on the cycle", ["T-a"]),
    task("T-d", LONG_TITLE, []),
  ];
  const file = join(root, "cycle.jsonl");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "exarp-dashboard-edges-"));
  initProject(root, { actor: { name: "user:lead", session: null } }).close();
  owner = runJson(root, ["token", "create", "--scope", "owner", "--as", "user:lead"]).secret;
  served = await serveDashboard(root);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  problems = recordProblems(context);
  page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
});

afterAll(async () => {
  await browser?.close();
  await served?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("the dashboard at its edges", () => {
  it("logs in from the keyboard, and an empty project says how to start", async () => {
    await page.goto(served.url);
    await page.locator("form.login").waitFor();
    const token = page.locator("input[name=token]");
    expect(await token.evaluate((input) => input === input.ownerDocument.activeElement)).toBe(true);
    await page.keyboard.type(owner);
    await page.keyboard.press("Enter");
    const note = page.locator(".board-note:not([hidden])");
    await note.waitFor();
    expect(await note.textContent()).toContain('exarp add "Title"');
    await page.goto(`${served.url}#/waves`);
    await expect.poll(() => page.locator(".waves-summary").textContent()).toMatch(/nothing to plan/i);
    expect(await page.locator("svg.waves-graph").count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it("fills the board as an import with a cycle arrives, and the waves name the cycle", async () => {
    await page.goto(`${served.url}#/board`);
    await page.locator(".board-note:not([hidden])").waitFor();
    await cliIn(root, ["import", cyclicExport()]);
    await page.locator('.card[data-id="T-d"]').waitFor();
    expect(await page.locator(".board-note:not([hidden])").count()).toBe(0);
    await page.locator("input[name=text]").fill("no such task");
    await expect.poll(() => page.locator(".board-note:not([hidden])").textContent()).toMatch(/no task matches/i);
    // Leaving the board before a typed filter applies: the view left must not write its hash back.
    await page.locator("input[name=text]").fill("");
    await page.locator('nav a[data-view="waves"]').click();
    await page.locator('svg.waves-graph .node.task[data-id="T-d"]').waitFor();
    await sleep(300);
    expect(new URL(page.url()).hash).toBe("#/waves");
    const listed = await page.locator(".waves-problems").textContent();
    expect(listed).toContain("T-a → T-b → T-a");
    expect(listed).toMatch(/T-c .*via T-a/);
    expect(await page.locator("svg.waves-graph .node.task").count()).toBe(1);
    expect(problems).toEqual([]);
  });

  it("wraps a title too long for a line instead of widening the page", async () => {
    await page.goto(`${served.url}#/board`);
    const title = page.locator('.card[data-id="T-d"] .card-title');
    await title.waitFor();
    expect(await title.evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
    await page.goto(`${served.url}#/task/T-d`);
    await page.locator(".task-header h1").waitFor();
    await page.locator(".audit li").first().waitFor();
    expect(await page.locator("main").evaluate((main) => main.scrollWidth <= main.clientWidth)).toBe(true);
  });

  it("takes markup in the hash as text", async () => {
    const markup = `"><img src=x onerror="window.pwned=1">`;
    await page.goto(`${served.url}#/task/${encodeURIComponent(markup)}`);
    await expect
      .poll(() => page.locator(".task-page .empty").textContent())
      .toBe(`Task ${markup} could not be loaded.`);
    await page.locator(".banner-close").click();
    await page.goto(`${served.url}#/board?tag=${encodeURIComponent(markup)}`);
    await expect.poll(() => page.locator("input[name=tag]").inputValue()).toBe(markup);
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.evaluate(() => "pwned" in globalThis)).toBe(false);
    await page.goto(`${served.url}#/board`);
  });

  it("redraws cards from the stream without reading layout, and flashes them on opacity alone", async () => {
    await page.goto(`${served.url}#/board`);
    await page.locator('.card[data-id="T-c"]').waitFor();
    // The page's own world: every read of a scroll position or a height is counted from here on.
    await page.evaluate(() => {
      const counted = globalThis as unknown as { layoutReads: number; Element: { prototype: object } };
      const { Element } = counted;
      counted.layoutReads = 0;
      for (const name of ["scrollTop", "clientHeight"]) {
        const own = Object.getOwnPropertyDescriptor(Element.prototype, name) as PropertyDescriptor;
        Object.defineProperty(Element.prototype, name, {
          configurable: true,
          get() {
            counted.layoutReads++;
            return own.get?.call(this);
          },
          set: own.set,
        });
      }
    });
    await cliIn(root, ["edit", "T-c", "--title", "Renamed while watched"]);
    const renamed = page.locator('.card[data-id="T-c"]', { hasText: "Renamed while watched" });
    await renamed.waitFor();
    const animated = await renamed.evaluate((card) =>
      card
        .getAnimations({ subtree: true })
        .flatMap((a: { effect: { getKeyframes(): object[] } }) => a.effect.getKeyframes())
        .flatMap((k: object) =>
          Object.keys(k).filter((key) => !["offset", "computedOffset", "easing", "composite"].includes(key)),
        ),
    );
    expect(animated.length).toBeGreaterThan(0);
    expect(new Set(animated)).toEqual(new Set(["opacity"]));
    expect(await page.evaluate(() => (globalThis as unknown as { layoutReads: number }).layoutReads)).toBe(0);
  });

  it("redraws the audit feed a few times a second under a burst of events, missing none", async () => {
    await page.goto(`${served.url}#/audit`);
    const feed = page.locator("ol.audit");
    await feed.locator("li").first().waitFor();
    await feed.evaluate((list) => {
      list.redraws = 0;
      new list.ownerDocument.defaultView.MutationObserver((records: { addedNodes: { length: number } }[]) => {
        if (records.some((r) => r.addedNodes.length)) list.redraws++;
      }).observe(list, { childList: true });
    });
    // A burst through the library in this process: the server sees it through its change feed.
    const writer = initProject(root, { actor: { name: "user:lead", session: null } });
    try {
      for (let i = 0; i < 100; i++) {
        writer.tasks.edit({ id: "T-c", title: `burst ${i}` });
        await sleep(5);
      }
    } finally {
      writer.close();
    }
    await feed.locator("li", { hasText: "T-c edited" }).nth(99).waitFor();
    const redraws = await feed.evaluate((list) => list.redraws as number);
    expect(redraws).toBeGreaterThan(0);
    expect(redraws).toBeLessThanOrEqual(8);
  });

  it("collapses and opens a wave from the keyboard", async () => {
    await page.goto(`${served.url}#/waves`);
    await page.locator('svg.waves-graph .node.task[data-id="T-d"]').waitFor();
    await page.locator('svg.waves-graph .wave-header[data-wave="0"]').focus();
    await page.keyboard.press("Enter");
    const summary = page.locator('svg.waves-graph .node.summary[data-wave="0"]');
    await summary.waitFor();
    expect(await page.locator("svg.waves-graph .node.task").count()).toBe(0);
    await summary.focus();
    await page.keyboard.press(" ");
    await page.locator('svg.waves-graph .node.task[data-id="T-d"]').waitFor();
    expect(problems).toEqual([]);
  });

  it("shows the login when the token is revoked under an open page, and stops asking", async () => {
    const wall = runJson(root, ["token", "create", "--scope", "viewer", "--name", "wall"]);
    const own = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    try {
      const p = await own.newPage();
      p.setDefaultTimeout(WAIT_MS);
      let asked = 0;
      p.on("request", () => {
        asked++;
      });
      await logIn(p, served.url, wall.secret);
      await expect.poll(() => p.locator(".stream").textContent()).toBe("live");
      await cliIn(root, ["token", "revoke", wall.token.id]);
      await p.locator("form.login").waitFor();
      expect(await p.locator(".banner-message").textContent()).toMatch(/session has ended/);
      const atLogin = asked;
      await sleep(3_000);
      expect(asked).toBe(atLogin);
    } finally {
      await own.close();
    }
  });
});
