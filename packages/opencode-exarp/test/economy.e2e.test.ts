// Context economy inside the real OpenCode: with 5,000 tasks (30 of them this session's), what exarp
// adds to one turn stays within 2 KB.
import { type Exarp, initProject } from "exarp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTitle, lastMessage, type MockModel, startMockModel, textOf } from "./support/mock-model.ts";
import { prepareProject, type Served, serveOpenCode } from "./support/opencode.ts";

const SYSTEM_MARK = "You share an exarp task graph";
const SYNTHETIC_MARK = "[exarp] Task state at the start of this session:";
const REMINDER_MARK = "[exarp] your tasks:";
const bytes = (s: string) => Buffer.byteLength(s, "utf8");

let mock: MockModel;
let oc: Served;
let exarp: Exarp;
let setup: ReturnType<typeof prepareProject>;

beforeAll(async () => {
  mock = await startMockModel();
  setup = prepareProject(mock);
  exarp = initProject(setup.project, { actor: { name: "user:ana", session: null } });
  const lines = Array.from({ length: 5000 }, (_, i) =>
    JSON.stringify({
      kind: "task",
      id: `T-${String(i).padStart(4, "0")}`,
      title: `Task ${i}: ${"a long and very descriptive title that goes on ".repeat(3)}`,
      description: "",
      status: i % 4 === 0 ? "done" : "todo",
      priority: (["low", "medium", "high", "critical"] as const)[i % 4],
      tags: ["api"],
      parentId: null,
      estimate: 30,
      assignee: null,
      createdAt: i,
      updatedAt: i,
      version: 1,
      dependsOn: i > 10 && i % 3 === 0 ? [`T-${String(i - 7).padStart(4, "0")}`] : [],
    }),
  );
  exarp.transfer.importText(lines.join("\n"));
  oc = await serveOpenCode(setup.project, setup.env);
}, 120_000);

afterAll(async () => {
  await oc?.stop();
  exarp?.close();
  await mock?.close();
  setup?.cleanup();
});

describe("context economy", () => {
  it("keeps everything exarp injects in a turn within 2 KB, with 5,000 tasks", async () => {
    const session = ((await oc.client.session.create({ body: { title: "economy" } })).data as { id: string }).id;
    const mine = exarp.as({ name: "agent:build", session });
    for (const t of exarp.graph.ready({ limit: 30 })) mine.leases.claim({ taskId: t.id });
    mock.script(
      {
        name: "look",
        when: (r) => textOf(lastMessage(r)).includes("show me"),
        reply: { toolCalls: [{ name: "exarp_board", args: { status: "in_progress" } }] },
      },
      { name: "done", when: (r) => lastMessage(r)?.role === "tool", reply: { text: "fine" } },
    );
    await oc.client.session.prompt({ path: { id: session }, body: { parts: [{ type: "text", text: "show me" }] } });
    const [first, second] = mock.requests.filter((r) => r.session === session && !isTitle(r));
    if (!first || !second) throw new Error("expected two requests");
    const systemBlock = (r: typeof first) =>
      r.messages
        .filter((m) => m.role === "system")
        .map(textOf)
        .find((t) => t.startsWith(SYSTEM_MARK)) ?? "";
    const parts = (r: typeof first) =>
      (r.messages.find((m) => m.role === "user")?.content ?? []) as { text?: string }[];
    const synthetic = parts(first).find((p) => p.text?.startsWith(SYNTHETIC_MARK))?.text ?? "";
    const firstTurn = bytes(systemBlock(first)) + bytes(synthetic);
    const reminder =
      textOf(lastMessage(second))
        .split("\n")
        .find((l) => l.startsWith(REMINDER_MARK)) ?? "";
    const toolTurn = bytes(systemBlock(second)) + bytes(reminder);
    console.log(
      `exarp bytes per turn with 5,000 tasks: first turn ${firstTurn}, after a tool ${toolTurn} (system block ${bytes(systemBlock(first))}, reminder ${bytes(reminder)})`,
    );
    expect(synthetic).toContain("Your tasks:");
    expect(systemBlock(first)).toContain("Your tasks:");
    expect(systemBlock(first)).toMatch(/\+\d+ more/);
    expect(reminder).toMatch(/^\[exarp\] your tasks: T-\d{4} /);
    expect(firstTurn).toBeLessThanOrEqual(2048);
    expect(toolTurn).toBeLessThanOrEqual(2048);
  });
});
