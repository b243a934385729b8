// The tool list is context every model pays for on every turn: at most 8 tools, and their
// `tools/list` JSON at most 12,000 characters (about 3k tokens). Measured through the real client.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testExarp } from "../../test/support/exarp.ts";
import { connectMcp } from "../../test/support/mcp.ts";
import { MAX_TITLE, Status } from "../task/task.ts";

const MAX_TOOLS = 8;
const MAX_TOOLS_LIST_CHARS = 12_000;

let t: ReturnType<typeof testExarp>;
let mcp: Awaited<ReturnType<typeof connectMcp>>;
beforeAll(async () => {
  t = testExarp();
  mcp = await connectMcp(t.exarp);
});
afterAll(async () => {
  await mcp.close();
  t.exarp.close();
});

describe("mcp tools/list budget", () => {
  it(`has at most ${MAX_TOOLS} tools whose tools/list JSON is at most ${MAX_TOOLS_LIST_CHARS} characters`, async () => {
    const list = await mcp.client.listTools();
    const size = JSON.stringify(list).length;
    const perTool = list.tools.map((tool) => `${tool.name} ${JSON.stringify(tool).length}`).join(", ");
    console.log(`tools/list: ${list.tools.length} tools, ${size} characters (${perTool})`);
    expect(list.tools.length).toBeLessThanOrEqual(MAX_TOOLS);
    expect(size).toBeLessThanOrEqual(MAX_TOOLS_LIST_CHARS);
  });

  it("derives the input schemas from the core's zod schemas", async () => {
    const { tools } = await mcp.client.listTools();
    const props = (name: string) =>
      tools.find((tool) => tool.name === name)?.inputSchema.properties as Record<string, Record<string, unknown>>;
    expect(props("task_write").title).toMatchObject({ type: "string", minLength: 1, maxLength: MAX_TITLE });
    expect(props("task_status").to).toMatchObject({ enum: Status.options });
    expect(props("claim").ttlMs).toMatchObject({ minimum: 1000, maximum: 24 * 60 * 60_000 });
  });
});
