// GET /api/plan over a real project: the plan as `exarp plan` computes it, and the dependencies among
// open tasks (both ends unfinished, known tasks) exactly as the store holds them, through cycles,
// unknown blockers, finished work, a cap, and writes made after the first answer.
import { describe, expect, it } from "vitest";
import type { Dependency } from "../src/graph/graph.ts";
import { isFinished } from "../src/task/task.ts";
import { exportTaskLine } from "./support/expect.ts";
import { answer, json, serveProject, type TestServer } from "./support/serve.ts";

const STATUSES = ["todo", "todo", "in_progress", "review", "blocked", "done", "cancelled"];

/** 80 imported tasks of every status, each waiting on up to two others (cycles among them) and some on an unknown id. */
function importText(): { text: string; ids: string[] } {
  const ids = Array.from({ length: 80 }, (_, i) => `P-${i}`);
  const lines = ids.map((id, i) => {
    const blockers = [(i * 7 + 3) % 80, (i * 13 + 1) % 80].slice(0, i % 3).map((j) => ids[j] as string);
    if (i % 11 === 0) blockers.push("P-gone");
    return exportTaskLine(
      id,
      STATUSES[i % STATUSES.length] as string,
      [...new Set(blockers)].filter((b) => b !== id),
    );
  });
  return { text: `${lines.join("\n")}\n`, ids };
}

/** The dependencies among open tasks, read task by task from the store. */
function storedOpenDependencies(t: TestServer, ids: readonly string[]): Dependency[] {
  const open = new Set(ids.filter((id) => !isFinished(t.exarp.tasks.get(id).status)));
  return [...open].flatMap((id) =>
    t.exarp.tasks
      .get(id)
      .dependsOn.filter((blocker) => open.has(blocker))
      .map((blocker): Dependency => [id, blocker]),
  );
}

const sorted = (edges: readonly Dependency[]) => edges.map((e) => e.join(" ")).sort();

async function getPlan(t: TestServer, query = "") {
  const { status, body } = await answer(await t.call(`/api/plan${query}`, { token: t.tokens.viewer }));
  expect(status).toBe(200);
  return body as { plan: unknown; dependencies: Dependency[] };
}

describe("GET /api/plan", () => {
  it("answers the plan and the dependencies among open tasks, as the store holds them", async () => {
    const t = await serveProject();
    const { text, ids } = importText();
    const problems = t.exarp.transfer.importText(text).graphProblems.join("\n");
    expect(problems).toMatch(/dependency cycle/);
    expect(problems).toMatch(/P-gone, which does not exist/);

    const body = await getPlan(t);
    expect(Object.keys(body).sort()).toEqual(["dependencies", "plan"]);
    expect(body.plan).toEqual(t.exarp.graph.plan());
    const expected = storedOpenDependencies(t, ids);
    expect(expected.length).toBeGreaterThan(20);
    expect(sorted(body.dependencies)).toEqual(sorted(expected));
    expect(new Set(sorted(body.dependencies)).size).toBe(body.dependencies.length);

    const capped = await getPlan(t, "?cap=2");
    expect(capped.plan).toEqual(t.exarp.graph.plan({ cap: 2 }));
    expect(sorted(capped.dependencies)).toEqual(sorted(expected));
  });

  it("follows writes: a new dependency shows, and finishing a task takes its edges away", async () => {
    const t = await serveProject();
    const a = t.exarp.tasks.create({ title: "schema" });
    const b = t.exarp.tasks.create({ title: "api", dependsOn: [a.id] });
    expect((await getPlan(t)).dependencies).toEqual([[b.id, a.id]]);

    const c = t.exarp.tasks.create({ title: "ui" });
    const added = await t.call(
      `/api/tasks/${c.id}/dependencies`,
      json("POST", { blocker: b.id }, t.tokens.collaborator),
    );
    expect(added.status).toBe(200);
    expect(sorted((await getPlan(t)).dependencies)).toEqual(
      sorted([
        [b.id, a.id],
        [c.id, b.id],
      ]),
    );

    t.exarp.tasks.setStatus({ id: a.id, to: "cancelled", reason: "not needed" });
    expect((await getPlan(t)).dependencies).toEqual([[c.id, b.id]]);
    expect(sorted((await getPlan(t)).dependencies)).toEqual(sorted(storedOpenDependencies(t, [a.id, b.id, c.id])));
  });
});
