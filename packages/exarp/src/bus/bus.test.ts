import { describe, expect, it } from "vitest";
import { testExarp } from "../../test/support/exarp.ts";
import type { BusMessage } from "./bus.ts";

describe("bus", () => {
  it("delivers this process's committed events once, typed, to topic and * subscribers", () => {
    const { exarp } = testExarp();
    const created: string[] = [];
    const all: BusMessage[] = [];
    exarp.bus.subscribe("task.created", (m) => created.push(m.payload.task.title));
    exarp.bus.subscribe("*", (m) => all.push(m));
    const t = exarp.tasks.create({ title: "hello" });
    exarp.tasks.setStatus({ id: t.id, to: "in_progress" });
    expect(created).toEqual(["hello"]);
    expect(all.map((m) => [m.topic, m.seq, m.origin])).toEqual([
      ["task.created", 1, exarp.origin],
      ["task.status_changed", 2, exarp.origin],
    ]);
  });

  it("keeps delivering when a subscriber throws", () => {
    const warnings: string[] = [];
    const { exarp } = testExarp({ warn: (m) => warnings.push(m) });
    const seen: number[] = [];
    exarp.bus.subscribe("*", () => {
      throw new Error("boom");
    });
    exarp.bus.subscribe("*", (m) => seen.push(m.seq ?? 0));
    exarp.tasks.create({ title: "a" });
    expect(seen).toEqual([1]);
    expect(warnings).toEqual(["exarp bus: a task.created subscriber failed: boom"]);
  });

  it("publish delivers in-process only, validated, and unsubscribe stops delivery", () => {
    const { exarp } = testExarp();
    const got: string[] = [];
    const stop = exarp.bus.subscribe("comment.added", (m) => got.push(m.payload.body));
    exarp.bus.publish("comment.added", { taskId: "T-1", commentId: "c-1", body: "local" });
    expect(() => exarp.bus.publish("comment.added", { taskId: "T-1" } as never)).toThrow();
    stop();
    exarp.bus.publish("comment.added", { taskId: "T-1", commentId: "c-2", body: "ignored" });
    expect(got).toEqual(["local"]);
  });
});
