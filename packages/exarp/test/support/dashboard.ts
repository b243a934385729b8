// What the dashboard's Chromium suites share: a real `exarp serve` child over a project, Debian's
// headless Chromium (/usr/bin/chromium, driven by playwright-core) with every page's problems
// recorded, logging in, and a proxy in front of the server that can cut its connections.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { CLI } from "./cli.ts";
import { childEnv } from "./hermetic.ts";

/** Every wait in a page is bounded by this. */
export const WAIT_MS = 15_000;

const CHROMIUM_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
];

const execFileAsync = promisify(execFile);

/** `exarp -C root …` as its own process, without blocking the browser's driver meanwhile. */
export async function cliIn(root: string, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(process.execPath, [CLI, "-C", root, ...args], {
    env: childEnv(),
    timeout: 30_000,
  });
  return stdout;
}

export type Served = { url: string; child: ChildProcess; stop(): Promise<void> };

/** `exarp serve --port 0` over `root`; resolves with the URL it printed. */
export async function serveDashboard(root: string): Promise<Served> {
  const child = spawn(process.execPath, [CLI, "serve", "--port", "0", "-C", root], {
    env: childEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`exarp serve printed no URL: ${out}`)), WAIT_MS);
    child.stdout?.on("data", (chunk) => {
      out += chunk;
      const found = /exarp serve: (http:\/\/\S+\/)/.exec(out);
      if (found) {
        clearTimeout(timer);
        resolve(found[1] as string);
      }
    });
    child.on("exit", (code) => reject(new Error(`exarp serve exited (${code}): ${out}`)));
  });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    if (child.exitCode === null) child.kill("SIGKILL");
  };
  return { url, child, stop };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
    env: childEnv(),
    timeout: WAIT_MS,
  });
}

/**
 * Records what must never happen in the context's pages: uncaught errors, Content-Security-Policy
 * violations, and errors the page logs (a failed request's own log line excepted).
 */
export function recordProblems(context: BrowserContext): string[] {
  const problems: string[] = [];
  context.on("weberror", (e) => problems.push(e.error().message));
  context.on("console", (m) => {
    const text = m.text();
    if (/Content Security Policy/i.test(text) || (m.type() === "error" && !text.startsWith("Failed to load resource")))
      problems.push(text);
  });
  return problems;
}

export async function logIn(page: Page, url: string, secret: string): Promise<void> {
  await page.goto(url);
  await page.locator("input[name=token]").fill(secret);
  await page.locator("form.login button[type=submit]").click();
}

/**
 * An HTTP proxy in front of the server (Host and Origin rewritten to the server's) that can cut the
 * event streams through it, then hold new ones until restored, or refuse them (503) meanwhile; or
 * drop every connection as an unreachable server would, noting when each request came.
 */
export async function streamCutter(target: URL) {
  const open = new Set<{ destroy(): void }>();
  const held: (() => void)[] = [];
  let mode: "pass" | "hold" | "refuse" | "drop" = "pass";
  const state = {
    refused: 0,
    lastEventIds: [] as string[],
    afters: [] as string[],
    dropped: [] as { path: string; at: number }[],
  };
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const headers = { ...req.headers, host: target.host, ...(req.headers.origin ? { origin: target.origin } : {}) };
    const upstream = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        if (!req.url?.startsWith("/api/events")) return;
        const pair = {
          destroy() {
            answer.destroy();
            res.destroy();
          },
        };
        open.add(pair);
        res.on("close", () => open.delete(pair));
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  };
  const proxy = createServer((req, res) => {
    if (mode === "drop") {
      state.dropped.push({ path: new URL(req.url ?? "/", target).pathname, at: Date.now() });
      req.socket.destroy();
      return;
    }
    if (!req.url?.startsWith("/api/events")) return forward(req, res);
    state.lastEventIds.push(String(req.headers["last-event-id"] ?? ""));
    state.afters.push(new URL(req.url, target).searchParams.get("after") ?? "");
    if (mode === "refuse") {
      state.refused++;
      res.writeHead(503, { "Content-Type": "application/json" }).end('{"error":{"name":"Busy","message":"cut"}}');
    } else if (mode === "hold") held.push(() => forward(req, res));
    else forward(req, res);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const { port } = proxy.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/`,
    cut(next: "hold" | "refuse" | "drop") {
      mode = next;
      for (const pair of [...open]) pair.destroy();
    },
    restore() {
      mode = "pass";
      for (const go of held.splice(0)) go();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const pair of [...open]) pair.destroy();
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      }),
  });
}
