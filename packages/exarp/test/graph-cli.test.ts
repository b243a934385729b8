// ready / next / plan / doctor on the graph, as a user runs them.
import { describe, expect, it } from "vitest";
import { exarp, exarpJson } from "./support/cli.ts";
import { exportTaskLine } from "./support/expect.ts";
import { tempDir } from "./support/temp.ts";

type Task = { id: string; title: string; unblocks?: number };

const add = (dir: string, args: string[]) => exarpJson<{ task: Task }>(dir, ["add", ...args]).task;
const ready = (dir: string) => exarpJson<{ tasks: Task[] }>(dir, ["ready"]).tasks;
const next = (dir: string, args: string[] = []) => exarpJson<{ task: Task | null }>(dir, ["next", ...args]).task;

function project(): string {
  const dir = tempDir();
  exarp(dir, ["init"]);
  return dir;
}

describe("graph commands", () => {
  it("ready lists unblocked todo work best first, explains the rest, and next respects capabilities", () => {
    const dir = project();
    const schema = add(dir, ["schema", "-t", "db", "-e", "60"]);
    const api = add(dir, ["api", "-t", "api", "-p", "high", "--depends-on", schema.id, "-e", "30"]);
    const docs = add(dir, ["docs", "-t", "docs", "-p", "low"]);
    const ui = add(dir, ["ui", "-t", "ui", "--depends-on", api.id]);
    expect(ready(dir).map((t) => [t.id, t.unblocks])).toEqual([
      [schema.id, 1],
      [docs.id, 0],
    ]);
    const explained = exarpJson<{ notReady: { id: string; reasons: string[] }[] }>(dir, ["ready", "--explain"]);
    expect(explained.notReady).toEqual([
      expect.objectContaining({ id: api.id, reasons: [`waits for ${schema.id} (todo)`] }),
      expect.objectContaining({
        id: ui.id,
        reasons: [`waits for ${api.id} (todo)`, "and 1 more task(s) further up the chain"],
      }),
    ]);
    expect(exarp(dir, ["ready", "--explain"]).stdout).toContain(
      `not ready:\n${api.id}\n  waits for ${schema.id} (todo)`,
    );
    expect(next(dir)?.id).toBe(schema.id);
    expect(next(dir, ["--can", "docs"])?.id).toBe(docs.id);
    expect(next(dir, ["--can", "ui"])).toBeNull();
    expect(exarp(dir, ["next", "--can", "ui"]).stdout).toBe("nothing is ready for you\n");
    for (const verb of ["start", "review"]) exarpJson(dir, [verb, schema.id, "--as", "agent:build"]);
    exarpJson(dir, ["done", schema.id, "--as", "user:reviewer"]);
    expect(ready(dir).map((t) => t.id)).toEqual([api.id, docs.id]);
    expect(exarp(dir, ["show", ui.id]).stdout).toContain(`not ready:\n  waits for ${api.id} (todo)`);
  });

  it("plan prints waves, parallelism and the critical path as text, JSON and Mermaid", () => {
    const dir = project();
    const a = add(dir, ["a", "-e", "10"]);
    const b = add(dir, ["b", "-e", "50", "--depends-on", a.id]);
    const c = add(dir, ["c", "-e", "5", "--depends-on", a.id]);
    const d = add(dir, ["d", "--depends-on", b.id, "--depends-on", c.id]);
    const { plan } = exarpJson<{
      plan: { waves: string[][]; maxParallelism: number; criticalPath: { tasks: string[]; total: number } };
    }>(dir, ["plan"]);
    expect(plan.waves).toEqual([[a.id], [b.id, c.id], [d.id]]);
    expect(plan.maxParallelism).toBe(2);
    expect(plan.criticalPath).toEqual({ tasks: [a.id, b.id, d.id], total: 61 });
    expect(exarpJson<{ plan: { waves: string[][] } }>(dir, ["plan", "--cap", "1"]).plan.waves).toEqual([
      [a.id],
      [b.id],
      [c.id],
      [d.id],
    ]);
    const text = exarp(dir, ["plan"]).stdout;
    expect(text).toContain(`critical path (61 min, estimates; 1 where missing): ${a.id} → ${b.id} → ${d.id}`);
    const mermaid = exarp(dir, ["plan", "-f", "mermaid"]).stdout;
    expect(mermaid.split("\n")[0]).toBe("flowchart LR");
    expect(mermaid).toContain(`${a.id.replace("-", "_")} ==> ${b.id.replace("-", "_")}`);
    expect(mermaid).toContain(`${a.id.replace("-", "_")} --> ${c.id.replace("-", "_")}`);
    expect(exarp(dir, ["plan", "-f", "svg"]).code).toBe(2);
  });

  it("doctor names every cycle and unknown dependency in imported data, and plan says what cannot start", () => {
    const dir = project();
    const file = [
      exportTaskLine("X-1", "todo", ["X-2"], { title: "one" }),
      exportTaskLine("X-2", "todo", ["X-1"], { title: "two" }),
      exportTaskLine("X-3", "todo", ["X-9"], { title: "three" }),
      exportTaskLine("X-4", "todo", [], { title: "four" }),
    ].join("\n");
    const imported = exarp(dir, ["import", "-"], { input: file });
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain("kept, never ready until fixed: dependency cycle: X-1 → X-2 → X-1");
    expect(exarp(dir, ["import", "-", "--strict"], { input: file.replaceAll("X-", "Y-") }).code).toBe(2);
    const doctor = exarp(dir, ["doctor"]);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain("FAIL  graph");
    expect(doctor.stdout).toContain("dependency cycle: X-1 → X-2 → X-1");
    expect(doctor.stdout).toContain("X-3 depends on X-9, which does not exist (it stays blocked)");
    expect(ready(dir).map((t) => t.id)).toEqual(["X-4"]);
    const plan = exarp(dir, ["plan"]).stdout;
    expect(plan).toContain("cannot start: X-3 depends on X-9, which does not exist");
    expect(plan).toContain("cycle: X-1 → X-2 → X-1");
    const refused = exarp(dir, ["dep", "add", "X-4", "X-4"]);
    expect(refused.stderr).toBe("exarp: X-4 cannot depend on itself\n");
  });
});
