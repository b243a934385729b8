// The plugin inside the real OpenCode where there is no exarp project, and where the project's
// database is damaged: it adds nothing to what the model receives (no tools, no text, no commands),
// and in the damaged case tells the person once, naming the cause.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type ChatRequest, type MockModel, startMockModel } from "./support/mock-model.ts";
import { eventually, prepareProject, type Served, serveOpenCode } from "./support/opencode.ts";

let mock: MockModel | undefined;
let oc: Served | undefined;
let setup: ReturnType<typeof prepareProject> | undefined;

afterEach(async () => {
  await oc?.stop();
  await mock?.close();
  setup?.cleanup();
  oc = mock = setup = undefined;
});

/** Everything exarp could have put in a request: its tools, its system block, its summary, its reminder. */
const EXARP_TEXT = ["exarp_", "exarp tasks:", "You share an exarp task graph", "[exarp]"];

/** Starts OpenCode on a fresh project (prepared by `arrange`), prompts once, and returns the main request. */
async function firstRequest(arrange: (project: string) => void): Promise<{ request: ChatRequest; oc: Served }> {
  mock = await startMockModel();
  setup = prepareProject(mock);
  arrange(setup.project);
  oc = await serveOpenCode(setup.project, setup.env);
  const id = ((await oc.client.session.create({ body: { title: "plain" } })).data as { id: string }).id;
  await oc.client.session.prompt({ path: { id }, body: { parts: [{ type: "text", text: "hello" }] } });
  const request = mock.requests.find((r) => r.session === id);
  if (!request) throw new Error("no request reached the model");
  return { request, oc };
}

function expectNothingFromExarp(request: ChatRequest): void {
  const tools = request.tools.map((t) => t.function.name);
  expect(tools, "OpenCode's own tools are there").toContain("bash");
  expect(tools.filter((t) => t.startsWith("exarp"))).toEqual([]);
  const body = JSON.stringify(request.body);
  for (const mark of EXARP_TEXT) expect(body, `the request holds ${mark}`).not.toContain(mark);
}

async function exarpCommands(served: Served): Promise<string[]> {
  const commands = ((await served.client.command.list()).data ?? []) as { name: string }[];
  return commands.map((c) => c.name).filter((name) => ["tasks", "next", "waves", "approve"].includes(name));
}

describe("exarp where there is nothing to coordinate", () => {
  it("adds no tool, no text and no command in a folder without .exarp/", async () => {
    const { request, oc: served } = await firstRequest(() => undefined);
    // The plugin did load (a plugin that fails to load is silent): it says it stays idle.
    await eventually(() => setup?.log().includes("exarp plugin idle: no .exarp/ project here"), 10_000, "the log line");
    expectNothingFromExarp(request);
    expect(await exarpCommands(served)).toEqual([]);
    expect(served.events.filter((e) => e.type === "tui.toast.show")).toEqual([]);
  });

  it("tells the person once why, and adds nothing, when the database is damaged", async () => {
    const { request, oc: served } = await firstRequest((project) => {
      mkdirSync(join(project, ".exarp"));
      writeFileSync(join(project, ".exarp", "exarp.db"), "garbage, not a database\n".repeat(100));
    });
    expectNothingFromExarp(request);
    expect(await exarpCommands(served)).toEqual([]);
    const toast = await eventually(() => served.events.find((e) => e.type === "tui.toast.show"), 10_000, "the toast");
    expect(JSON.stringify(toast.properties)).toMatch(/exarp is off for this session: .*exarp\.db/);
    expect(setup?.log()).toMatch(/exarp is off for this session: .*exarp\.db/);
    // Give a second toast time to show up; there must not be one.
    await new Promise((r) => setTimeout(r, 500));
    expect(served.events.filter((e) => e.type === "tui.toast.show")).toHaveLength(1);
  });
});
