import type { Resource } from "@modelcontextprotocol/sdk/types.js";
import type { Exarp } from "../app/exarp.ts";
import type { StoredEvent } from "../event/catalog.ts";
import type { Watcher } from "../feed/feed.ts";
import { inline, safeJson } from "../text/safe.ts";
import { RESOURCE_TEXT } from "./prompts.ts";
import { INVALID_PARAMS, ProtocolError, type RequestHandler } from "./protocol.ts";
import { eventView, taskSummary } from "./views.ts";

/** A read-only view of the board, re-read on request and announced when it changes. */
type ResourceSpec = Resource & {
  read(exarp: Exarp): unknown;
  /** True when an event can change what this resource shows. */
  changedBy(event: StoredEvent): boolean;
};

/** Events the recent-events resource shows; ready tasks it lists. */
const RECENT_EVENTS = 50;
const READY_LISTED = 50;

const taskOrLink = (e: StoredEvent) => e.type.startsWith("task.") || e.type.startsWith("dependency.");

export const RESOURCES: ResourceSpec[] = [
  {
    uri: "exarp://tasks/ready",
    name: "ready",
    description: RESOURCE_TEXT.ready,
    mimeType: "application/json",
    read: (exarp) => ({ ready: exarp.graph.ready({ limit: READY_LISTED }).map(taskSummary) }),
    // Leases matter too: a task someone else holds is not offered.
    changedBy: (e) => taskOrLink(e) || e.type.startsWith("lease."),
  },
  {
    uri: "exarp://plan",
    name: "plan",
    description: RESOURCE_TEXT.plan,
    mimeType: "application/json",
    read: (exarp) => {
      const plan = exarp.graph.plan();
      return { waves: plan.waves, maxParallelism: plan.maxParallelism, criticalPath: plan.criticalPath };
    },
    changedBy: taskOrLink,
  },
  {
    uri: "exarp://events/recent",
    name: "recent events",
    description: RESOURCE_TEXT.events(RECENT_EVENTS),
    mimeType: "application/json",
    read: (exarp) => ({ events: exarp.history.list({ limit: RECENT_EVENTS }).map(eventView) }),
    changedBy: () => true,
  },
];

/** Resource-not-found, as the MCP specification numbers it. */
const RESOURCE_NOT_FOUND = -32002;

function find(uri: string): ResourceSpec {
  const spec = RESOURCES.find((r) => r.uri === uri);
  if (!spec) {
    const known = RESOURCES.map((r) => r.uri).join(", ");
    throw new ProtocolError(RESOURCE_NOT_FOUND, `unknown resource ${inline(uri, 200)}; resources: ${known}`);
  }
  return spec;
}

/** The resource a request names in `params.uri`. */
function named(method: string, params: unknown): ResourceSpec {
  const uri = (params as { uri?: unknown } | null | undefined)?.uri;
  if (typeof uri !== "string") throw new ProtocolError(INVALID_PARAMS, `${method} needs params.uri, a resource URI`);
  return find(uri);
}

/**
 * The resources and their subscriptions: while a client is subscribed, a change-feed watcher
 * (`options.watch`: a file watch on `.exarp/` plus polling) calls `notify` for each resource the new events touch, whichever
 * process committed them. `stop` ends the watching.
 */
export function serveResources(
  exarp: Exarp,
  options: {
    /** Starts watching the change feed from now. */
    watch: (onEvents: (events: StoredEvent[]) => void) => Watcher;
    log: (line: string) => void;
    notify: (uri: string) => Promise<void>;
  },
): { handlers: Record<string, RequestHandler>; stop: () => void } {
  const subscribed = new Set<string>();
  let watcher: Watcher | undefined;

  const changed = (events: StoredEvent[]) => {
    for (const uri of subscribed) {
      if (!events.some((find(uri) as ResourceSpec).changedBy)) continue;
      options.notify(uri).catch((error: unknown) => options.log(`exarp mcp: cannot notify ${uri}: ${String(error)}`));
    }
  };

  const handlers: Record<string, RequestHandler> = {
    "resources/list": () => ({
      resources: RESOURCES.map(({ uri, name, description, mimeType }) => ({ uri, name, description, mimeType })),
    }),
    "resources/read": (params) => {
      const spec = named("resources/read", params);
      const text = safeJson(spec.read(exarp));
      return { contents: [{ uri: spec.uri, mimeType: spec.mimeType, text }] };
    },
    "resources/subscribe": (params) => {
      subscribed.add(named("resources/subscribe", params).uri);
      watcher ??= options.watch(changed);
      return {};
    },
    "resources/unsubscribe": (params) => {
      subscribed.delete(named("resources/unsubscribe", params).uri);
      if (subscribed.size === 0) {
        watcher?.close();
        watcher = undefined;
      }
      return {};
    },
  };

  return {
    handlers,
    stop: () => {
      subscribed.clear();
      watcher?.close();
      watcher = undefined;
    },
  };
}
