import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidTransition } from "../errors-catalog.ts";
import { decideStatus } from "./decide.ts";
import { canTransition, transitions } from "./status.ts";
import { Status, type Task } from "./task.ts";

const task = (status: Status): Task => ({
  id: "T-1",
  title: "t",
  description: "",
  status,
  priority: "medium",
  tags: [],
  parentId: null,
  estimate: null,
  assignee: null,
  createdAt: 0,
  updatedAt: 0,
  version: 1,
});

const status = fc.constantFrom(...Status.options);

describe("status machine", () => {
  it("allows exactly the documented workflow", () => {
    expect(canTransition("todo", "in_progress")).toBe(true);
    expect(canTransition("in_progress", "review")).toBe(true);
    expect(canTransition("review", "done")).toBe(true);
    expect(canTransition("todo", "done")).toBe(false);
    expect(canTransition("in_progress", "done")).toBe(false);
    expect(canTransition("done", "todo")).toBe(true);
    expect(canTransition("done", "in_progress")).toBe(false);
  });

  it("never allows staying in place, and every state can reach done", () => {
    for (const s of Status.options) {
      expect(canTransition(s, s)).toBe(false);
      const seen = new Set([s]);
      const queue = [s];
      while (queue.length) {
        for (const n of transitions[queue.shift() as Status]) {
          if (!seen.has(n)) queue.push(n);
          seen.add(n);
        }
      }
      expect(seen.has("done")).toBe(true);
    }
  });

  it("decides an event for a legal move and refuses an illegal one naming the allowed moves", () => {
    fc.assert(
      fc.property(status, status, (from, to) => {
        if (canTransition(from, to)) {
          expect(decideStatus(task(from), to)).toEqual([
            { type: "task.status_changed", payload: { taskId: "T-1", from, to } },
          ]);
        } else {
          const error = (() => {
            try {
              decideStatus(task(from), to);
            } catch (e) {
              return e;
            }
          })();
          expect(InvalidTransition.is(error)).toBe(true);
          expect((error as InstanceType<typeof InvalidTransition>).data.allowed).toEqual(transitions[from]);
        }
      }),
    );
  });

  it("a random walk of legal moves only ever passes through review on its way to done", () => {
    fc.assert(
      fc.property(fc.array(status, { maxLength: 40 }), (targets) => {
        let current: Status = "todo";
        for (const to of targets) {
          if (!canTransition(current, to)) continue;
          if (to === "done") expect(current).toBe("review");
          current = to;
        }
      }),
    );
  });
});
