import { describe, expect, it } from "vitest";
import { explainTask } from "./explain.ts";
import { buildGraph, type GraphTask } from "./graph.ts";
import { placeTasks } from "./placement.ts";

const task = (id: string, tags: string[] = [], status: GraphTask["status"] = "todo"): GraphTask => ({
  id,
  status,
  priority: "medium",
  estimate: null,
  createdAt: 0,
  tags,
});

describe("placement", () => {
  const g = buildGraph(
    [
      task("T-db", ["db"]),
      task("T-ui", ["ui"]),
      task("T-both", ["db", "ui"]),
      task("T-ops", ["ops"]),
      task("T-api", ["api"]),
      task("T-prev", ["api"], "done"),
    ],
    [["T-api", "T-prev"]],
  );

  it("filters by capability and names the missing tag", () => {
    const placed = placeTasks(g, ["T-db", "T-ops"], [{ name: "ana", can: ["db"], load: 0 }]);
    expect(placed).toEqual({
      assignments: [{ taskId: "T-db", agent: "ana" }],
      unplaced: [{ taskId: "T-ops", reason: "no agent with tag `ops`" }],
    });
  });

  it("says when capabilities exist only split across agents", () => {
    const placed = placeTasks(
      g,
      ["T-both"],
      [
        { name: "db-bot", can: ["db"], load: 0 },
        { name: "ui-bot", can: ["ui"], load: 0 },
      ],
    );
    expect(placed.unplaced).toEqual([{ taskId: "T-both", reason: "no single agent has all of `db`, `ui`" }]);
  });

  it("then by load, naming who is full", () => {
    const placed = placeTasks(g, ["T-db", "T-both"], [{ name: "ana", can: ["*"], load: 0, capacity: 1 }]);
    expect(placed.assignments).toEqual([{ taskId: "T-db", agent: "ana" }]);
    expect(placed.unplaced).toEqual([
      { taskId: "T-both", reason: "every agent able to do it is at capacity (ana 1/1)" },
    ]);
  });

  it("then prefers the agent whose recent work is related, then the least loaded", () => {
    const agents = [
      { name: "a", can: ["*"], load: 0, capacity: 3 },
      { name: "b", can: ["*"], load: 1, capacity: 3, recent: ["T-prev"] },
    ];
    expect(placeTasks(g, ["T-api"], agents).assignments).toEqual([{ taskId: "T-api", agent: "b" }]);
    expect(placeTasks(g, ["T-ops", "T-ui"], agents).assignments).toEqual([
      { taskId: "T-ops", agent: "a" },
      { taskId: "T-ui", agent: "a" },
    ]);
  });

  it("reports no agents at all", () => {
    expect(placeTasks(g, ["T-db"], []).unplaced).toEqual([{ taskId: "T-db", reason: "no agents" }]);
  });
});

describe("explain", () => {
  it("names open blockers transitively, unknown ids and the cycle", () => {
    const g = buildGraph(
      [task("T-a"), task("T-b"), task("T-c", [], "in_progress"), task("T-d", [], "done"), task("T-x"), task("T-y")],
      [
        ["T-a", "T-b"],
        ["T-a", "T-d"],
        ["T-b", "T-c"],
        ["T-b", "T-ghost"],
        ["T-x", "T-y"],
        ["T-y", "T-x"],
      ],
    );
    const a = explainTask(g, "T-a");
    expect(a.ready).toBe(false);
    expect(a.blockers).toEqual([
      { id: "T-b", status: "todo", depth: 1, for: "T-a" },
      { id: "T-c", status: "in_progress", depth: 2, for: "T-b" },
      { id: "T-ghost", status: "unknown", depth: 2, for: "T-b" },
    ]);
    expect(a.reasons).toEqual(["waits for T-b (todo)", "and 2 more task(s) further up the chain"]);
    expect(explainTask(g, "T-x").reasons).toEqual([
      "waits for T-y (todo)",
      "it is on a dependency cycle: T-x → T-y → T-x",
    ]);
    expect(explainTask(g, "T-c").reasons).toEqual(["T-c is in progress, not todo"]);
    expect(explainTask(g, "T-d")).toMatchObject({ ready: false, reasons: ["T-d is done, not todo"] });
    expect(explainTask(buildGraph([task("T-z")], [["T-z", "T-nope"]]), "T-z").reasons).toEqual([
      "waits for T-nope, which does not exist",
    ]);
  });
});
