// The dashboard at 5,000 tasks, in headless Chromium (Debian's /usr/bin/chromium) against a real
// `exarp serve` child:
//  a. first render of the kanban: navigation start → board drawn (the page's `exarp:board-rendered`
//     mark), BENCH_LOADS (default 5) fresh loads; target ≤ 1 s. Also the longest main-thread task.
//  b. an event committed by another process → visible in the page: this process edits the title of
//     the top todo card through the library every BENCH_INTERVAL_MS (default 50), BENCH_N (default
//     100) times; seen = when the card with the new title enters the DOM (a MutationObserver, wall
//     clock); latency = seen − committed (when edit returned). Target ≤ 100 ms p99.
//  d. main-thread time under an event burst: BENCH_BURST_RATE (default 200) events a second for
//     BENCH_BURST_S (default 5) seconds — title edits of random tasks, every tenth a status move
//     (todo ⇄ blocked) — with the board, the waves and the audit feed open in turn; busy = the
//     page's main-thread task time (DevTools `Performance.getMetrics` TaskDuration) per second of
//     wall time, and the requests the page made meanwhile.
//  c. the waves view: navigation start → graph drawn (`exarp:waves-rendered`), the plan request
//     (plan and dependencies in one answer: its time and size), requests for single tasks, the
//     draw's own time (laid out in the worker, SVG built), then opening a collapsed wave; the longest
//     main-thread task of each (PerformanceObserver `longtask`).
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { initProject } from "../dist/index.js";
import { buildExport, finish, percentile, report, tempDir } from "./util.mjs";

const TASKS = Number(process.env.BENCH_TASKS ?? 5_000);
const LOADS = Number(process.env.BENCH_LOADS ?? 5);
const N = Number(process.env.BENCH_N ?? 100);
const INTERVAL_MS = Number(process.env.BENCH_INTERVAL_MS ?? 50);
const BURST_RATE = Number(process.env.BENCH_BURST_RATE ?? 200);
const BURST_S = Number(process.env.BENCH_BURST_S ?? 5);
const WAIT_MS = 30_000;
const CLI = fileURLToPath(new URL("../dist/bin/exarp.js", import.meta.url));

const root = tempDir();
const exarp = initProject(root, { actor: { name: "user:bench", session: null } });
const { text, deps } = buildExport({ tasks: TASKS, deps: Math.round(TASKS * 1.5), comments: 0 });
exarp.transfer.importText(text);
const { secret } = exarp.tokens.create({ scope: "owner", as: "user:bench" });

const server = spawn(process.execPath, [CLI, "serve", "--port", "0", "-C", root], {
  stdio: ["ignore", "pipe", "inherit"],
});
const url = await new Promise((resolve, reject) => {
  let out = "";
  const timer = setTimeout(() => reject(new Error(`exarp serve printed no URL: ${out}`)), WAIT_MS);
  server.stdout.on("data", (chunk) => {
    out += chunk;
    const found = /exarp serve: (http:\/\/\S+\/)/.exec(out);
    if (found) {
      clearTimeout(timer);
      resolve(found[1]);
    }
  });
  server.on("exit", (code) => reject(new Error(`exarp serve exited (${code})`)));
});

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--no-first-run",
  ],
  timeout: WAIT_MS,
});
let failures = 0;
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  // Long tasks from the first byte of every document on.
  await context.addInitScript(() => {
    window.benchLongTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.benchLongTasks.push({ start: e.startTime, ms: e.duration });
    }).observe({ type: "longtask", buffered: true });
  });
  const login = await context.request.post(`${url}api/session`, { data: { token: secret } });
  if (!login.ok()) throw new Error(`login failed: ${login.status()}`);
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);

  const markAt = (name) =>
    page
      .waitForFunction((n) => performance.getEntriesByName(n)[0]?.startTime, name, { timeout: WAIT_MS })
      .then((h) => h.jsonValue());
  const longest = () => page.evaluate(() => Math.max(0, ...window.benchLongTasks.map((t) => t.ms)));

  // a. first render
  const renders = [];
  const longTasks = [];
  for (let i = 0; i < LOADS; i++) {
    await page.goto("about:blank");
    await page.goto(`${url}#/board`);
    renders.push(await markAt("exarp:board-rendered"));
    longTasks.push(await longest());
  }
  const cards = await page.locator(".card").count();
  report("dashboard first render", {
    tasks: TASKS,
    deps,
    cards_in_dom: cards,
    first_ms: renders[0],
    p50_ms: percentile(renders, 50),
    max_ms: Math.max(...renders),
    longest_task_ms: Math.max(...longTasks),
    target_ms: 1000,
  });
  if (Math.max(...renders) > 1000) failures++;

  // b. event → visible
  await page.locator(".stream.live").waitFor();
  const top = await page.evaluate(
    () =>
      [...document.querySelectorAll('.column[data-status="todo"] .card')].find(
        (c) => c.style.transform === "translateY(0px)",
      )?.dataset.id,
  );
  await page.evaluate(() => {
    window.benchSeen = {};
    new MutationObserver((mutations) => {
      const at = performance.timeOrigin + performance.now();
      for (const m of mutations)
        for (const node of m.addedNodes) {
          const found = /^bench (\d+)$/.exec(node.querySelector?.(".card-title")?.textContent ?? "");
          if (found) window.benchSeen[found[1]] ??= at;
        }
    }).observe(document.body, { childList: true, subtree: true });
  });
  const committed = [];
  const callMs = [];
  for (let i = 0; i < N; i++) {
    const before = Date.now();
    exarp.tasks.edit({ id: top, title: `bench ${i}` });
    committed.push(Date.now());
    callMs.push(committed[i] - before);
    await sleep(INTERVAL_MS);
  }
  await page
    .waitForFunction((n) => Object.keys(window.benchSeen).length >= n, N, { timeout: 5_000 })
    .catch(() => undefined);
  const seen = await page.evaluate(() => window.benchSeen);
  const latency = committed.flatMap((at, i) => (seen[i] === undefined ? [] : [seen[i] - at]));
  report("dashboard event → visible", {
    n: N,
    missed: N - latency.length,
    p50_ms: percentile(latency, 50),
    p99_ms: percentile(latency, 99),
    max_ms: Math.max(...latency),
    edit_p50_ms: percentile(callMs, 50),
    target_p99_ms: 100,
  });
  if (latency.length < N || percentile(latency, 99) > 100) failures++;

  // d. event burst
  const cdp = await context.newCDPSession(page);
  await cdp.send("Performance.enable");
  const taskSeconds = async () =>
    (await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === "TaskDuration").value;
  const todo = exarp.tasks.list({ status: ["todo"], limit: 100_000 }).map((t) => t.id);
  const blocked = new Set();
  for (const view of ["board", "waves", "audit"]) {
    await page.goto(`${url}#/${view}`);
    await page.locator(".stream.live").waitFor();
    await sleep(1_000);
    await page.evaluate(() => {
      window.benchLongTasks = [];
    });
    let requests = 0;
    const onRequest = () => requests++;
    page.on("request", onRequest);
    const before = await taskSeconds();
    const started = Date.now();
    let written = 0;
    for (let slot = 0; slot < BURST_S * 10; slot++) {
      for (let i = 0; i < BURST_RATE / 10; i++, written++) {
        const id = todo[(written * 7919) % todo.length];
        if (written % 10 === 9) {
          const to = blocked.has(id) ? "todo" : "blocked";
          exarp.tasks.setStatus({ id, to });
          if (to === "blocked") blocked.add(id);
          else blocked.delete(id);
        } else exarp.tasks.edit({ id, title: `burst ${written}` });
      }
      await sleep(Math.max(0, started + (slot + 1) * 100 - Date.now()));
    }
    await sleep(500);
    const wallS = (Date.now() - started) / 1000;
    const busyS = (await taskSeconds()) - before;
    page.off("request", onRequest);
    report(`dashboard burst on ${view}`, {
      tasks: TASKS,
      events: written,
      events_per_s: written / (BURST_S || 1),
      busy_ms_per_s: (busyS * 1000) / wallS,
      requests,
      longest_task_ms: await longest(),
    });
  }

  // c. waves
  await page.goto("about:blank");
  await page.goto(`${url}#/waves`);
  const wavesAt = await markAt("exarp:waves-rendered");
  const draw = await page.evaluate(() => performance.getEntriesByName("exarp:waves-rendered")[0].detail);
  const planRequest = await page.evaluate(() => {
    const paths = performance.getEntriesByType("resource").map((e) => ({ e, path: new URL(e.name).pathname }));
    const entry = paths.find((r) => r.path === "/api/plan").e;
    const perTask = paths.filter((r) => r.path.startsWith("/api/tasks/")).length;
    return { ms: entry.duration, kb: entry.encodedBodySize / 1024, perTask };
  });
  const wavesLongest = await longest();
  const summaries = await page.locator("svg.waves-graph .node.summary").count();
  report("dashboard waves first paint", {
    waves: (await exarp.graph.plan()).waves.length,
    nodes: draw.nodes,
    summaries,
    from_navigation_ms: wavesAt,
    plan_ms: planRequest.ms,
    plan_kb: planRequest.kb,
    task_requests: planRequest.perTask,
    draw_ms: draw.ms,
    layout_ms: draw.layoutMs,
    longest_task_ms: wavesLongest,
  });
  if (summaries) {
    const before = await page.evaluate(() => {
      window.benchLongTasks = [];
      return performance.getEntriesByName("exarp:waves-rendered").length;
    });
    const started = await page.evaluate(() => performance.now());
    await page.locator("svg.waves-graph .node.summary").first().click();
    await page.waitForFunction((n) => performance.getEntriesByName("exarp:waves-rendered").length > n, before, {
      timeout: WAIT_MS,
    });
    const opened = await page.evaluate(() => {
      const mark = performance.getEntriesByName("exarp:waves-rendered").at(-1);
      return { at: mark.startTime, ...mark.detail };
    });
    report("dashboard waves open a wave", {
      nodes: opened.nodes,
      click_to_drawn_ms: opened.at - started,
      layout_ms: opened.layoutMs,
      longest_task_ms: await longest(),
    });
  }
} finally {
  await browser.close();
  server.kill("SIGTERM");
  exarp.close();
}
finish();
if (failures) process.exitCode = 1;
