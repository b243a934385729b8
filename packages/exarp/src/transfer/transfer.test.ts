import { describe, expect, it } from "vitest";
import { testExarp } from "../../test/support/exarp.ts";
import { exportTaskLine, failure } from "../../test/support/expect.ts";
import { tempDir } from "../../test/support/temp.ts";
import { ExarpError } from "../errors.ts";
import { dumpProjections } from "../store/replay.ts";

function seeded() {
  const { exarp, clock } = testExarp({ dir: tempDir() });
  const a = exarp.tasks.create({ title: "Schema", tags: ["db"], estimate: 60, description: "tables ✓ ünïcode" });
  const b = exarp.tasks.create({ title: "API", dependsOn: [a.id], priority: "high" });
  clock.advance(5000);
  exarp.tasks.setStatus({ id: a.id, to: "in_progress" });
  exarp.tasks.comment({ taskId: a.id, body: "halfway" });
  exarp.tasks.edit({ id: b.id, assignee: "ana" });
  exarp.history.undo();
  return { exarp, a, b };
}

const exportText = (exarp: ReturnType<typeof testExarp>["exarp"]) => {
  const lines: string[] = [];
  exarp.transfer.exportTo((l) => lines.push(l));
  return `${lines.join("\n")}\n`;
};

describe("export / import", () => {
  it("round-trips losslessly into an empty project: same tables, same log, same hashes", () => {
    const { exarp } = seeded();
    const text = exportText(exarp);
    const target = testExarp({ dir: tempDir() }).exarp;
    expect(target.transfer.importText(text)).toEqual({
      mode: "log",
      tasks: 2,
      comments: 1,
      events: 7,
      graphProblems: [],
    });
    expect(dumpProjections(target.store)).toEqual(dumpProjections(exarp.store));
    expect(target.store.listEvents()).toEqual(exarp.store.listEvents());
    expect(target.doctor().ok).toBe(true);
    const again = exportText(target).split("\n").slice(1);
    expect(again).toEqual(text.split("\n").slice(1));
  });

  it("adds tasks (keeping ids, statuses, dependencies and comments) to a project that has history", () => {
    const { exarp, a, b } = seeded();
    const target = testExarp({ dir: tempDir(), seed: 42 }).exarp;
    target.tasks.create({ title: "already here" });
    const result = target.transfer.importText(exportText(exarp));
    expect(result).toMatchObject({ mode: "tasks", tasks: 2, comments: 1 });
    expect(target.tasks.get(a.id)).toMatchObject({
      title: "Schema",
      status: "in_progress",
      comments: [{ body: "halfway" }],
    });
    expect(target.tasks.get(b.id).dependsOn).toEqual([a.id]);
    const twice = (() => {
      try {
        target.transfer.importText(exportText(exarp));
      } catch (error) {
        return error as ExarpError;
      }
    })();
    expect(twice?.message).toMatch(/these task ids already exist here/);
  });

  it("keeps cycles and unknown dependencies an import brings, names each, and refuses them with strict", () => {
    const target = testExarp({ dir: tempDir() }).exarp;
    target.tasks.create({ title: "already here" });
    const file = [
      exportTaskLine("G-1", "todo", ["G-2"]),
      exportTaskLine("G-2", "todo", ["G-1"]),
      exportTaskLine("G-3", "todo", ["G-nowhere"]),
    ].join("\n");
    const before = target.store.maxSeq();
    expect(failure(() => target.transfer.importText(file, { strict: true })).message).toMatch(
      /^invalid input: refused by --strict: dependency cycle: G-1 → G-2 → G-1; G-3 depends on G-nowhere, which does not exist/,
    );
    expect(target.store.maxSeq()).toBe(before);
    const result = target.transfer.importText(file);
    expect(result.graphProblems).toEqual([
      "dependency cycle: G-1 → G-2 → G-1",
      "G-3 depends on G-nowhere, which does not exist (it stays blocked)",
    ]);
    expect(target.graph.ready().map((t) => t.title)).toEqual(["already here"]);
  });

  it("lets only a person import tasks that are done (they carry approvals nobody gave here)", () => {
    const target = testExarp({ dir: tempDir() }).exarp;
    target.tasks.create({ title: "already here" });
    const file = exportTaskLine("G-1", "done", []);
    const agent = target.as({ name: "agent:build", session: "s1" });
    expect(failure(() => agent.transfer.importText(file)).name).toBe("Unauthorized");
    expect(target.as({ name: "user:ana", session: null }).transfer.importText(file).tasks).toBe(1);
  });

  it("refuses malformed files whole, naming the lines, and writes nothing", () => {
    const { exarp } = seeded();
    const good = exportText(exarp).split("\n");
    const target = testExarp({ dir: tempDir() }).exarp;
    const cases: [string, RegExp][] = [
      ["", /no tasks, comments or events/],
      ["{not json", /line 1: not JSON/],
      ['{"kind":"task","id":"T-1"}', /line 1: .*title/],
      ['{"kind":"mystery"}', /unknown kind "mystery"/],
      [`${good[1]}\n{"kind":"task"`, /line 2: not JSON/],
      [JSON.stringify({ ...JSON.parse(good[1] as string), title: "x".repeat(1_000_000) }), /title is longer than 500/],
      [
        good.map((l) => l.replace('"halfway"', '"HALFWAY"')).join("\n"),
        /does not match its hash|does not match its own events/,
      ],
      [good.filter((_, i) => i !== 4).join("\n"), /seq jumps|does not chain/],
    ];
    for (const [text, message] of cases) {
      let error: unknown;
      try {
        target.transfer.importText(text);
      } catch (e) {
        error = e;
      }
      expect(error, text.slice(0, 60)).toBeInstanceOf(ExarpError);
      expect((error as Error).message).toMatch(message);
      expect(target.store.maxSeq()).toBe(0);
    }
  });
});
