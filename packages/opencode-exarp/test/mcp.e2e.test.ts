// The plugin and the exarp MCP server wired into one OpenCode: OpenCode names MCP tools
// `<server>_<tool>`, and an MCP tool silently replaces a plugin tool of the same name. The model must
// see both sets, whole and distinct, and each tool must answer as its own side.
import { type Exarp, initProject } from "exarp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOLS as MCP_TOOLS } from "../../exarp/src/mcp/server.ts";
import { TOOL, toolDescriptions } from "../src/text.ts";
import { isTitle, lastMessage, type MockModel, startMockModel, textOf } from "./support/mock-model.ts";
import { prepareProject, type Served, serveOpenCode } from "./support/opencode.ts";

let mock: MockModel;
let oc: Served;
let exarp: Exarp;
let setup: ReturnType<typeof prepareProject>;

beforeAll(async () => {
  mock = await startMockModel();
  setup = prepareProject(mock, { mcp: true });
  exarp = initProject(setup.project, { actor: { name: "user:ana", session: null } });
  exarp.tasks.create({ title: "Wire both in" });
  oc = await serveOpenCode(setup.project, setup.env);
}, 60_000);

afterAll(async () => {
  await oc?.stop();
  exarp?.close();
  await mock?.close();
  setup?.cleanup();
});

describe("the plugin beside the exarp MCP server", () => {
  it("gives the model both tool sets, distinct, each answering as itself", async () => {
    mock.script(
      {
        name: "both",
        when: (r) => textOf(lastMessage(r)).includes("use both"),
        reply: { toolCalls: [{ name: TOOL.board, args: {} }] },
      },
      {
        name: "mcp",
        when: (r) => lastMessage(r)?.role === "tool" && textOf(lastMessage(r)).includes("[todo] [medium] Wire both in"),
        reply: { toolCalls: [{ name: "exarp_tasks", args: { action: "list" } }] },
      },
    );
    const id = ((await oc.client.session.create({ body: { title: "both" } })).data as { id: string }).id;
    await oc.client.session.prompt({ path: { id }, body: { parts: [{ type: "text", text: "use both" }] } });
    const requests = mock.requests.filter((r) => r.session === id && !isTitle(r));
    const first = requests[0];
    if (!first) throw new Error("no request reached the model");
    const names = first.tools.map((t) => t.function.name);
    const mcp = MCP_TOOLS.map((t) => `exarp_${t.name}`);
    expect(names).toEqual(expect.arrayContaining([...Object.values(TOOL), ...mcp]));
    expect(new Set(names).size, "no tool listed twice").toBe(names.length);
    const board = first.tools.find((t) => t.function.name === TOOL.board) as { function: { description?: string } };
    expect(board.function.description).toBe(toolDescriptions.board);

    const results = requests.map((r) => lastMessage(r)).filter((m) => m?.role === "tool");
    expect(results).toHaveLength(2);
    expect(textOf(results[0])).toMatch(/^T-\w+ \[todo\] \[medium\] Wire both in$/m);
    expect(textOf(results[1])).toContain("Wire both in");
    expect(textOf(results[1])).not.toBe(textOf(results[0]));
  });
});
