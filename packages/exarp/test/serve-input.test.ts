// Bad input on every route that takes a body, a path or a query — malformed JSON, a wrong content
// type, bodies over 1 MiB (announced, chunked, or behind a Content-Length that lies), unknown fields
// (`as` among them), bodies that are not objects, path and query tricks — answers one 4xx error in
// the house JSON and writes nothing. Generated hostile bodies never get a 5xx.
import { connect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { ApproveRequest, DenyRequest } from "../src/approval/approval.ts";
import { UndoRequest } from "../src/history/service.ts";
import { ClaimRequest, LeaseRequest } from "../src/lease/lease.ts";
import { ClaimNextRequest } from "../src/lease/service.ts";
import { MAX_BODY_BYTES } from "../src/serve/body.ts";
import { CommentAdd, DependencyChange, StatusChange, TaskCreate, TaskEdit } from "../src/task/commands.ts";
import { TokenCreate } from "../src/token/token.ts";
import { seed } from "./support/fc-seed.ts";
import { answer, rawBytes, rawRequest, serveProject, type TestServer } from "./support/serve.ts";

let t: TestServer;
/** A todo task, a task in review (asked for by agent:bot), a task leased to the owner. */
let todo: string;
let review: string;
let leased: string;

beforeEach(async () => {
  t = await serveProject({ loginLimit: { maxFailures: 100_000 } });
  todo = t.exarp.tasks.create({ title: "todo" }).id;
  review = t.exarp.tasks.create({ title: "review" }).id;
  leased = t.exarp.tasks.create({ title: "leased" }).id;
  const bot = t.exarp.as({ name: "agent:bot", session: null });
  bot.leases.claim({ taskId: review });
  bot.tasks.setStatus({ id: review, to: "review" });
  t.exarp.leases.claim({ taskId: leased });
});

type BodyRoute = { method: string; path: () => string; body: () => Record<string, unknown>; fields: string[] };

const keys = (schema: { shape: object }) => Object.keys(schema.shape);

/** Each route with a body: a valid body, and the fields it may carry. */
const BODY_ROUTES: BodyRoute[] = [
  { method: "POST", path: () => "/api/tasks", body: () => ({ title: "x" }), fields: keys(TaskCreate) },
  { method: "PATCH", path: () => `/api/tasks/${todo}`, body: () => ({ title: "y" }), fields: keys(TaskEdit) },
  {
    method: "POST",
    path: () => `/api/tasks/${todo}/status`,
    body: () => ({ to: "blocked" }),
    fields: keys(StatusChange),
  },
  { method: "POST", path: () => `/api/tasks/${todo}/comments`, body: () => ({ body: "hi" }), fields: keys(CommentAdd) },
  {
    method: "POST",
    path: () => `/api/tasks/${todo}/dependencies`,
    body: () => ({ blocker: leased }),
    fields: [...keys(DependencyChange), "blocker"],
  },
  {
    method: "DELETE",
    path: () => `/api/tasks/${todo}/dependencies/${leased}`,
    body: () => ({}),
    fields: keys(DependencyChange),
  },
  { method: "POST", path: () => `/api/tasks/${todo}/claim`, body: () => ({}), fields: keys(ClaimRequest) },
  { method: "POST", path: () => `/api/tasks/${leased}/renew`, body: () => ({}), fields: keys(LeaseRequest) },
  { method: "POST", path: () => `/api/tasks/${leased}/release`, body: () => ({}), fields: keys(LeaseRequest) },
  { method: "POST", path: () => `/api/tasks/${review}/approve`, body: () => ({}), fields: keys(ApproveRequest) },
  {
    method: "POST",
    path: () => `/api/tasks/${review}/deny`,
    body: () => ({ reason: "no" }),
    fields: keys(DenyRequest),
  },
  { method: "POST", path: () => "/api/ready/claim", body: () => ({}), fields: keys(ClaimNextRequest) },
  { method: "POST", path: () => "/api/undo", body: () => ({}), fields: keys(UndoRequest) },
  { method: "POST", path: () => "/api/sweep", body: () => ({}), fields: [] },
  { method: "POST", path: () => "/api/tokens", body: () => ({ scope: "viewer" }), fields: keys(TokenCreate) },
  { method: "DELETE", path: () => "/api/tokens/tok_0", body: () => ({}), fields: ["id"] },
  { method: "POST", path: () => "/api/session", body: () => ({ token: "x" }), fields: ["token"] },
];

const label = (r: BodyRoute) => `${r.method} ${r.path()}`;

/** Sends a raw body to a route as the owner; checks a 4xx house error and that nothing was written. */
async function refused(
  route: BodyRoute,
  body: NonNullable<RequestInit["body"]>,
  headers: Record<string, string>,
  want?: number,
): Promise<{ status: number; name: string }> {
  const before = t.exarp.store.maxSeq();
  const response = await t.call(route.path(), {
    method: route.method,
    body,
    headers,
    token: t.tokens.owner,
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit & { token: string });
  const { status, body: error } = await answer(response);
  expect(status, `${label(route)} ${String(body).slice(0, 80)}`).toBeGreaterThanOrEqual(400);
  expect(status, `${label(route)} ${String(body).slice(0, 80)}`).toBeLessThan(500);
  if (want !== undefined) expect(status, `${label(route)} ${String(body).slice(0, 80)}`).toBe(want);
  expect(error.error).toEqual({ name: expect.any(String), message: expect.any(String), data: expect.anything() });
  expect(t.exarp.store.maxSeq(), `${label(route)} wrote`).toBe(before);
  return { status, name: error.error.name };
}

const JSON_TYPE = { "content-type": "application/json" };

describe("bodies", () => {
  it("refuses malformed JSON and bodies that are not objects with 400", async () => {
    const bad = [
      "{",
      '{"title":',
      "\u0000{}",
      "[1,",
      "nul",
      "{'a':1}",
      '{"a":1}}',
      "[]",
      "null",
      "42",
      '"text"',
      "true",
    ];
    for (const route of BODY_ROUTES) {
      for (const body of bad) expect((await refused(route, body, JSON_TYPE, 400)).name).toBe("InvalidInput");
      await refused(route, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), JSON_TYPE, 400);
    }
  });

  it("refuses any content type but JSON with 415", async () => {
    const types = [
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/jsonp",
      "application/json; charset=latin1",
      "text/json",
      "",
    ];
    for (const route of BODY_ROUTES) {
      for (const type of types) {
        const { name } = await refused(route, JSON.stringify(route.body()), type ? { "content-type": type } : {}, 415);
        expect(name).toBe("UnsupportedMediaType");
      }
    }
  });

  it("refuses bodies over 1 MiB while reading them: announced, chunked, or behind a lying Content-Length", async () => {
    const big = JSON.stringify({ title: "x".repeat(MAX_BODY_BYTES) });
    for (const route of BODY_ROUTES) {
      expect((await refused(route, big, JSON_TYPE, 413)).name).toBe("PayloadTooLarge");
      const chunks = new ReadableStream<Uint8Array>({
        start(controller) {
          const chunk = new TextEncoder().encode(`${" ".repeat(64 * 1024)}`);
          for (let i = 0; i < 20; i++) controller.enqueue(chunk);
          controller.close();
        },
      });
      await refused(route, chunks, JSON_TYPE, 413);
    }
    const before = t.exarp.store.maxSeq();
    const head = (length: number) =>
      `POST /api/tasks HTTP/1.1\r\nHost: 127.0.0.1:${t.port}\r\nAuthorization: Bearer ${t.tokens.owner}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;
    // Says 20 bytes, sends 2 MiB: the first 20 are the body (not JSON), the rest a request Node cannot parse.
    const short = await rawBytes(t.port, `${head(20)}${big}${big}`);
    expect(short).toMatch(/^HTTP\/1\.1 400 /);
    expect(short).toContain('"name":"InvalidInput"');
    // Says 2 MiB, sends a little: refused from the header, without waiting for the rest.
    const long = await rawBytes(t.port, `${head(2 * MAX_BODY_BYTES)}{"title":"x"}`, 5000);
    expect(long).toMatch(/^HTTP\/1\.1 413 /);
    // Chunked with no length at all, past the limit.
    const chunked = `POST /api/tasks HTTP/1.1\r\nHost: 127.0.0.1:${t.port}\r\nAuthorization: Bearer ${t.tokens.owner}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const piece = " ".repeat(256 * 1024);
    const body = `${`${piece.length.toString(16)}\r\n${piece}\r\n`.repeat(5)}0\r\n\r\n`;
    expect(await rawBytes(t.port, chunked + body, 5000)).toMatch(/^HTTP\/1\.1 413 /);
    expect(t.exarp.store.maxSeq()).toBe(before);
  });

  it("takes a client that leaves in the middle of its body for the client's failure: nothing written, nothing logged", async () => {
    const before = t.exarp.store.maxSeq();
    for (const path of ["/api/tasks", "/api/session"]) {
      const socket = connect(t.port, "127.0.0.1");
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${t.port}\r\nAuthorization: Bearer ${t.tokens.owner}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"title":`,
      );
      await sleep(150);
      socket.destroy();
    }
    await sleep(300);
    expect(t.logged).toEqual([]);
    expect(t.exarp.store.maxSeq()).toBe(before);
  });

  it("answers a request that does not arrive in time 408, whether its headers or its body are late", async () => {
    const slow = await serveProject({ requestTimeoutMs: 400 });
    const before = slow.exarp.store.maxSeq();
    const head = `POST /api/tasks HTTP/1.1\r\nHost: 127.0.0.1:${slow.port}\r\nAuthorization: Bearer ${slow.tokens.owner}\r\n`;
    for (const partial of [head, `${head}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"title":`]) {
      const late = await rawBytes(slow.port, partial, 5000);
      expect(late).toMatch(/^HTTP\/1\.1 408 /);
      expect(JSON.parse(late.slice(late.indexOf("\r\n\r\n") + 4)).error).toEqual({
        name: "RequestTimeout",
        message: "the request did not arrive in time",
        data: {},
      });
    }
    expect(slow.exarp.store.maxSeq()).toBe(before);
    expect(slow.logged).toEqual([]);
  });

  it("refuses unknown fields — `as` and `actor` among them — and generated hostile bodies, writing nothing", async () => {
    for (const route of BODY_ROUTES) {
      for (const field of ["as", "actor", "__proto__", "constructor", "identity"]) {
        if (route.fields.includes(field)) continue;
        const text = `{${JSON.stringify(field)}:"user:mallory",${JSON.stringify(route.body()).slice(1)}`.replace(
          ",}",
          "}",
        );
        expect((await refused(route, text, JSON_TYPE, 400)).name).toBe("InvalidInput");
      }
    }
    const route = fc.constantFrom(...BODY_ROUTES);
    await fc.assert(
      fc.asyncProperty(
        route.chain((r) =>
          fc.tuple(
            fc.constant(r),
            fc.dictionary(
              fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !r.fields.includes(k)),
              fc.jsonValue({ maxDepth: 3 }),
              { minKeys: 1, maxKeys: 4 },
            ),
          ),
        ),
        async ([r, extra]) => {
          const { name } = await refused(r, JSON.stringify({ ...r.body(), ...extra }), JSON_TYPE, 400);
          expect(name).toBe("InvalidInput");
        },
      ),
      { seed: seed("unknown fields"), numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(route, fc.jsonValue({ maxDepth: 4 }), async (r, value) => {
        const before = t.exarp.store.maxSeq();
        const response = await t.call(r.path(), {
          method: r.method,
          body: JSON.stringify(value),
          headers: JSON_TYPE,
          token: t.tokens.owner,
        });
        const { status, body } = await answer(response);
        expect(status, `${label(r)} ${JSON.stringify(value).slice(0, 100)}`).toBeLessThan(500);
        if (status >= 400) {
          expect(body.error.name).toEqual(expect.any(String));
          expect(t.exarp.store.maxSeq()).toBe(before);
        }
      }),
      { seed: seed("hostile bodies"), numRuns: 150 },
    );
  });
});

describe("paths and queries", () => {
  const ID_ROUTES: [string, (id: string) => string][] = [
    ["GET", (id) => `/api/tasks/${id}`],
    ["PATCH", (id) => `/api/tasks/${id}`],
    ["GET", (id) => `/api/tasks/${id}/explain`],
    ["POST", (id) => `/api/tasks/${id}/status`],
    ["POST", (id) => `/api/tasks/${id}/comments`],
    ["POST", (id) => `/api/tasks/${id}/dependencies`],
    ["DELETE", (id) => `/api/tasks/${todo}/dependencies/${id}`],
    ["DELETE", (id) => `/api/tasks/${id}/dependencies/${todo}`],
    ["POST", (id) => `/api/tasks/${id}/claim`],
    ["POST", (id) => `/api/tasks/${id}/renew`],
    ["POST", (id) => `/api/tasks/${id}/release`],
    ["POST", (id) => `/api/tasks/${id}/approve`],
    ["POST", (id) => `/api/tasks/${id}/deny`],
    ["DELETE", (id) => `/api/tokens/${id}`],
  ];

  /** Sends a path as given on the wire; the answer must be a 4xx house error and nothing written. */
  async function refusedPath(method: string, path: string): Promise<number> {
    const before = t.exarp.store.maxSeq();
    const r = await rawRequest(t.port, {
      method,
      path,
      headers: { host: `127.0.0.1:${t.port}`, authorization: `Bearer ${t.tokens.owner}`, ...JSON_TYPE },
      body: method === "GET" ? undefined : JSON.stringify({ to: "blocked", body: "x", blocker: todo, reason: "r" }),
    });
    expect(r.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
    expect(r.status, `${method} ${path}`).toBeLessThan(500);
    expect(JSON.parse(r.body).error.name, `${method} ${path}`).toEqual(expect.any(String));
    expect(t.exarp.store.maxSeq(), `${method} ${path} wrote`).toBe(before);
    return r.status;
  }

  it("refuses path tricks in every id: dot segments, encoded slashes, control characters, huge ids", async () => {
    const tricks = [
      "..",
      "%2e%2e",
      "a%2Fb",
      "a%2fb%2f..",
      "%00",
      "T-1%0d%0aX-Injected:%201",
      "%ZZ",
      "%",
      "T-%E2%80%AE1",
      "%F0%9F%98%80",
      "x".repeat(65),
      "x".repeat(8000),
      "-leading-dash",
      ".hidden",
      "a%20b",
      "%252e%252e",
    ];
    for (const [method, path] of ID_ROUTES) for (const trick of tricks) await refusedPath(method, path(trick));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ID_ROUTES),
        fc.string({ unit: "binary", minLength: 1, maxLength: 80 }),
        async ([method, path], id) => {
          await refusedPath(method, path(encodeURIComponent(id).replace(/^T-/, "nope-")));
        },
      ),
      { seed: seed("path tricks"), numRuns: 200 },
    );
  });

  it("refuses unknown, repeated and malformed query parameters", async () => {
    const queries = [
      "/api/tasks?token=x",
      "/api/tasks?status=todo,",
      "/api/tasks?status=sleeping",
      "/api/tasks?limit=0",
      "/api/tasks?limit=1e3",
      "/api/tasks?limit=-1",
      "/api/tasks?limit=99999999999999999999",
      "/api/tasks?limit=1&limit=2",
      "/api/tasks?text=",
      "/api/tasks?text=%00",
      "/api/tasks?parent=..",
      "/api/tasks?tag=a%20b",
      "/api/tasks?as=user:bob",
      "/api/ready?can=x",
      "/api/plan?cap=abc",
      "/api/history?task=%2e%2e",
      "/api/history?after=-5",
      "/api/approvals?status=pending",
      "/api/leases?x=1",
    ];
    for (const path of queries) {
      const status = await refusedPath("GET", path);
      expect(status, path).toBe(400);
    }
  });
});
