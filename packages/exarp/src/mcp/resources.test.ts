// Resources through the real SDK client: reads, and change notifications driven by the change feed
// (for this connection's writes and another connection's). Runs under Node and Bun.
import { join } from "node:path";
import { McpError, ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { testExarp } from "../../test/support/exarp.ts";
import { until } from "../../test/support/expect.ts";
import { connectMcp } from "../../test/support/mcp.ts";
import { createExarp } from "../app/exarp.ts";
import { openStore } from "../store/sqlite.ts";

const READY = "exarp://tasks/ready";
const PLAN = "exarp://plan";
const EVENTS = "exarp://events/recent";

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup() {
  const t = testExarp();
  const mcp = await connectMcp(t.exarp, { watchDir: t.dir });
  cleanup.push(
    () => t.exarp.close(),
    () => mcp.close(),
  );
  const updated: string[] = [];
  mcp.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    updated.push(n.params.uri);
  });
  const read = async (uri: string) => {
    const { contents } = await mcp.client.readResource({ uri });
    return JSON.parse((contents[0] as { text: string }).text);
  };
  return { ...t, mcp, updated, read };
}

describe("mcp resources", () => {
  it("lists the ready set, the plan and recent events, and reads them as JSON", async () => {
    const { mcp, exarp, read } = await setup();
    const { resources } = await mcp.client.listResources();
    expect(resources.map((r) => r.uri)).toEqual([READY, PLAN, EVENTS]);
    expect(resources.every((r) => r.mimeType === "application/json" && r.description)).toBe(true);

    const a = exarp.tasks.create({ title: "a", estimate: 5 }).id;
    const b = exarp.tasks.create({ title: "b", dependsOn: [a] }).id;
    expect((await read(READY)).ready).toEqual([expect.objectContaining({ id: a, title: "a", unblocks: 1 })]);
    expect(await read(PLAN)).toMatchObject({ waves: [[a], [b]], criticalPath: { tasks: [a, b], total: 6 } });
    expect((await read(EVENTS)).events.map((e: { type: string }) => e.type)).toEqual([
      "task.created",
      "task.created",
      "dependency.added",
    ]);
  });

  it("notifies subscribers of the resources a change touches, and stops when they unsubscribe", async () => {
    const { mcp, exarp, updated } = await setup();
    await mcp.client.subscribeResource({ uri: READY });
    await mcp.client.subscribeResource({ uri: EVENTS });

    await mcp.ok("task_write", { action: "create", title: "x" });
    await until(() => updated.includes(READY) && updated.includes(EVENTS));

    updated.length = 0;
    const id = exarp.tasks.list()[0]?.id as string;
    exarp.tasks.comment({ taskId: id, body: "a comment changes the log, not the ready set" });
    await until(() => updated.includes(EVENTS));
    await new Promise((r) => setTimeout(r, 50));
    expect(updated).not.toContain(READY);

    await mcp.client.unsubscribeResource({ uri: READY });
    await mcp.client.unsubscribeResource({ uri: EVENTS });
    updated.length = 0;
    exarp.tasks.create({ title: "unwatched" });
    await new Promise((r) => setTimeout(r, 150));
    expect(updated).toEqual([]);
  });

  it("notifies for commits made by another connection to the same database", async () => {
    const { mcp, dir, updated, read } = await setup();
    await mcp.client.subscribeResource({ uri: READY });
    const other = createExarp({ store: openStore(join(dir, "exarp.db")), actor: { name: "other", session: null } });
    cleanup.push(() => other.close());
    const id = other.tasks.create({ title: "from elsewhere" }).id;
    await until(() => updated.includes(READY), 5_000);
    expect((await read(READY)).ready.map((t: { id: string }) => t.id)).toEqual([id]);
  });

  it("refuses unknown resources with the resource-not-found error", async () => {
    const { mcp } = await setup();
    for (const attempt of [
      () => mcp.client.readResource({ uri: "exarp://secrets" }),
      () => mcp.client.subscribeResource({ uri: "exarp://secrets" }),
    ]) {
      const error = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(McpError);
      expect(error).toMatchObject({ code: -32002 });
      expect((error as Error).message).toContain(READY);
    }
  });
});
