import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  ListResourcesRequestSchema,
  ReadResourceRequestSchema,
  type Resource,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { Exarp } from "../app/exarp.ts";
import type { StoredEvent } from "../event/catalog.ts";
import type { Watcher } from "../feed/feed.ts";
import { safeJson } from "../text/safe.ts";
import { RESOURCE_TEXT } from "./prompts.ts";
import { ProtocolError } from "./tool.ts";
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
    throw new ProtocolError(RESOURCE_NOT_FOUND, `unknown resource ${uri}; resources: ${known}`);
  }
  return spec;
}

/**
 * Serves the resources and their subscriptions: while a client is subscribed, a change-feed watcher
 * (file watch on `.exarp/` plus polling) sends `notifications/resources/updated` for each resource the
 * new events touch, whichever process committed them. Returns a function that stops watching.
 */
export function serveResources(
  server: Server,
  exarp: Exarp,
  options: { watchDir?: string; log: (line: string) => void },
): () => void {
  const subscribed = new Set<string>();
  let watcher: Watcher | undefined;

  const notify = (events: StoredEvent[]) => {
    for (const uri of subscribed) {
      if (!events.some((find(uri) as ResourceSpec).changedBy)) continue;
      server
        .sendResourceUpdated({ uri })
        .catch((error: unknown) => options.log(`exarp mcp: cannot notify ${uri}: ${String(error)}`));
    }
  };

  server.setRequestHandler(ListResourcesRequestSchema, () => ({
    resources: RESOURCES.map(({ uri, name, description, mimeType }) => ({ uri, name, description, mimeType })),
  }));
  server.setRequestHandler(ReadResourceRequestSchema, (request) => {
    const spec = find(request.params.uri);
    const text = safeJson(spec.read(exarp));
    return { contents: [{ uri: spec.uri, mimeType: spec.mimeType, text }] };
  });
  server.setRequestHandler(SubscribeRequestSchema, (request) => {
    subscribed.add(find(request.params.uri).uri);
    watcher ??= exarp.feed.watch(exarp.feed.head(), notify, { watchDir: options.watchDir });
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    subscribed.delete(find(request.params.uri).uri);
    if (subscribed.size === 0) {
      watcher?.close();
      watcher = undefined;
    }
    return {};
  });

  return () => {
    subscribed.clear();
    watcher?.close();
    watcher = undefined;
  };
}
