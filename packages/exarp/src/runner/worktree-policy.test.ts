import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { STATUSES, type Status } from "../task/task.ts";
import { type BlockerBase, planBase, topologicalOrder } from "./worktree-policy.ts";

/** Up to 8 blockers with a status of `statuses`, any branch and merge state; each may depend on blockers with a smaller index (acyclic). */
const blockersOf = (statuses: readonly Status[]) =>
  fc
    .array(
      fc.record({
        status: fc.constantFrom(...statuses),
        hasBranch: fc.boolean(),
        mergedIntoMain: fc.boolean(),
        deps: fc.array(fc.nat(7), { maxLength: 3 }),
        name: fc.stringMatching(/^[a-z0-9]{1,3}$/),
      }),
      { maxLength: 8 },
    )
    .map((rows) => {
      const ids = rows.map((r, i) => `T-${r.name}${i}`);
      return rows.map(
        (r, i): BlockerBase => ({
          taskId: ids[i] as string,
          status: r.status,
          branch: r.hasBranch ? `exarp/${ids[i]}` : null,
          mergedIntoMain: r.mergedIntoMain,
          dependsOn: r.deps.filter((d) => d < i).map((d) => ids[d] as string),
        }),
      );
    });

const blockerSets = blockersOf(STATUSES);
/** Only finished blockers: the sets the policy must plan a base for. */
const finishedSets = blockersOf(["done", "cancelled"]);

const finished = (b: BlockerBase) => b.status === "done" || b.status === "cancelled";

describe("planBase", () => {
  it("never starts a task without each done blocker's work: in main already, or merged in", () => {
    fc.assert(
      fc.property(finishedSets, (blockers) => {
        const plan = planBase({ main: "main", blockers });
        expect(plan.ok).toBe(true);
        if (!plan.ok) return;
        expect(plan.start).toBe("main");
        for (const b of blockers) {
          const needed = b.status === "done" && b.branch !== null && !b.mergedIntoMain;
          expect(plan.merge.includes(b.branch ?? "")).toBe(needed);
        }
        // Nothing else is merged: no cancelled work, no branch main holds.
        expect(plan.merge.length).toBe(new Set(plan.merge).size);
      }),
    );
  });

  it("merges a blocker's branch after the branches of the blockers it depends on", () => {
    fc.assert(
      fc.property(blockerSets, (blockers) => {
        const plan = planBase({ main: "main", blockers: blockers.map((b) => ({ ...b, status: "done" as const })) });
        if (!plan.ok) throw new Error(plan.reason);
        for (const b of blockers) {
          const at = plan.merge.indexOf(b.branch ?? "");
          if (at < 0) continue;
          for (const dep of b.dependsOn ?? []) {
            const depAt = plan.merge.indexOf(`exarp/${dep}`);
            if (depAt >= 0) expect(depAt).toBeLessThan(at);
          }
        }
      }),
    );
  });

  it("refuses while a blocker is not done, naming it", () => {
    fc.assert(
      fc.property(blockerSets, (blockers) => {
        const plan = planBase({ main: "main", blockers });
        const waiting = blockers.filter((b) => !finished(b));
        if (waiting.length === 0) return;
        expect(plan.ok).toBe(false);
        if (plan.ok) return;
        expect(waiting.map((b) => b.taskId)).toContain(plan.blocker.taskId);
        expect(plan.reason).toContain(plan.blocker.taskId);
        expect(plan.blocker.status).not.toBe("done");
      }),
    );
  });

  it("does not depend on the order the blockers are given in", () => {
    fc.assert(
      fc.property(
        blockerSets.chain((b) => fc.tuple(fc.constant(b), fc.shuffledSubarray(b, { minLength: b.length }))),
        ([blockers, shuffled]) => {
          expect(planBase({ main: "main", blockers: shuffled })).toEqual(planBase({ main: "main", blockers }));
        },
      ),
    );
  });

  it("orders independent blockers by id and a dependent one after its blocker", () => {
    const done = (taskId: string, dependsOn: string[] = []): BlockerBase => ({
      taskId,
      status: "done",
      branch: `exarp/${taskId}`,
      mergedIntoMain: false,
      dependsOn,
    });
    const plan = planBase({ main: "trunk", blockers: [done("T-c"), done("T-a", ["T-d"]), done("T-b"), done("T-d")] });
    expect(plan).toEqual({ ok: true, start: "trunk", merge: ["exarp/T-b", "exarp/T-c", "exarp/T-d", "exarp/T-a"] });
  });

  it("gives a total order even over a cycle", () => {
    const items = [
      { taskId: "b", dependsOn: ["a"] },
      { taskId: "a", dependsOn: ["b"] },
    ];
    expect(topologicalOrder(items).map((i) => i.taskId)).toEqual(["a", "b"]);
  });

  it("names an in-progress blocker in its refusal", () => {
    const plan = planBase({
      main: "main",
      blockers: [{ taskId: "T-a", status: "in_progress", branch: "exarp/T-a", mergedIntoMain: false }],
    });
    expect(plan).toMatchObject({ ok: false, blocker: { taskId: "T-a", status: "in_progress" } });
    if (!plan.ok) expect(plan.reason).toBe("blocker T-a is in progress, not done: its work is not approved yet");
  });
});
