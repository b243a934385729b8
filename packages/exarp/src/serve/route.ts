// One API route: its method, path, the scope it needs, and a handler that calls the services. What
// every route shares — authentication, the scope check, the cross-site check for cookies, reading
// the body, retrying a write another process holds up — happens here, once.
import type { Exarp, Services } from "../app/exarp.ts";
import { InvalidInput } from "../errors-catalog.ts";
import { checkField, taskId } from "../kernel/query.ts";
import { inline } from "../text/safe.ts";
import type { Scope } from "../token/token.ts";
import type { Auth } from "./auth.ts";
import type { Principal } from "./principal.ts";
import type { Param } from "./query.ts";

export type Method = "GET" | "POST" | "PATCH" | "DELETE";

/** What a handler gets. */
export type RouteInput = {
  principal: Principal;
  /** The services acting as the principal. */
  services: Services;
  /** The process's exarp (reads that are nobody's, like an event's author). */
  exarp: Exarp;
  params: Record<string, string>;
  /** The query, read by the route's `query` parameters (an unknown one is refused before the handler runs). */
  filter: Record<string, unknown>;
  /** The JSON body (`{}` for GET and for a request without one). */
  body: Record<string, unknown>;
  request: Request;
  /** The browser session the request came with (cookie), if it came with one. */
  session?: Auth["session"];
};

/** A JSON answer, or a response the handler built itself (the event stream). */
export type Reply = { status: number; body: unknown } | Response;

export type Route = {
  method: Method;
  path: string;
  scope: Scope;
  /** The query parameters the route takes (none when absent). */
  query?: Record<string, Param>;
  /**
   * Synchronous, so a write held up by another process can be retried whole: each call is one
   * service call (one transaction), or reads before it.
   */
  run(input: RouteInput): Reply;
};

export const ok = (body: unknown): Reply => ({ status: 200, body });
export const created = (body: unknown): Reply => ({ status: 201, body });

/** A task id from the path, checked like every task id (so `..`, slashes and control characters are refused). */
export function pathTaskId(params: Record<string, string>, name = "id"): string {
  return checkField(taskId, params[name], name);
}

/**
 * A service's input: the body plus the path's values as the service's fields, typed as the service
 * takes it and checked by the service's own schema (strict: an unknown field, `as` included, is
 * refused). A body naming one of the path's fields itself is refused: the path says which task.
 */
export function serviceInput<T>(body: Record<string, unknown>, fromPath: Record<string, string | number> = {}): T {
  const clash = Object.keys(fromPath).filter((key) => Object.hasOwn(body, key));
  if (clash.length) {
    const fields = clash.map((path) => ({ path, message: "unknown field: the path says which one" }));
    throw new InvalidInput({ issues: fields.map((f) => `${f.path}: ${f.message}`), fields });
  }
  return { ...body, ...fromPath } as T;
}

/** A task id the body must carry under `name` (`blocker`), named that way when it is wrong. */
export function bodyTaskId(body: Record<string, unknown>, name: string): string {
  if (body[name] === undefined) {
    const message = "is required";
    throw new InvalidInput({ issues: [`${name}: ${message}`], fields: [{ path: name, message }] });
  }
  return checkField(taskId, body[name], name);
}

/** Refuses every field of a body for a route that takes none. */
export function requireEmpty(body: Record<string, unknown>): void {
  const fields = Object.keys(body).map((key) => ({
    path: inline(key, 40),
    message: "unknown field; this route takes none",
  }));
  if (fields.length) throw new InvalidInput({ issues: fields.map((f) => `${f.path}: ${f.message}`), fields });
}
