// Replay == live state, under random command sequences (fast-check). Runs under Node and Bun.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { testExarp } from "../../test/support/exarp.ts";
import { exportTaskLine } from "../../test/support/expect.ts";
import { tempDir } from "../../test/support/temp.ts";
import type { Exarp } from "../app/exarp.ts";
import { ExarpError } from "../errors.ts";
import { verifyChain } from "../event/verify-chain.ts";
import { openBlockers, unblocks } from "../graph/graph.ts";
import { readySet } from "../graph/ready.ts";
import { loadGraph } from "../graph/service.ts";
import { Priority, Status } from "../task/task.ts";
import { eventPages } from "./pages.ts";
import { dumpProjections, verifyReplay } from "./replay.ts";

/** Lets the test runner's own messages through between runs (each run is one long synchronous stretch). */
const eachRunYields = () => new Promise((resolve) => setImmediate(resolve));

/** A command over task *indexes* (resolved against the tasks that exist when it runs). */
type Cmd =
  | { k: "create"; title: string; priority: Priority; tags: string[]; deps: number[] }
  | { k: "edit"; t: number; title?: string; tags?: string[]; estimate?: number | null }
  | { k: "status"; t: number; to: Status }
  | { k: "dep"; t: number; b: number }
  | { k: "undep"; t: number; b: number }
  | { k: "comment"; t: number; body: string }
  | { k: "undo" }
  | { k: "import"; n: number; status: Status; deps: number[]; ghosts: number[] };

const idx = fc.nat(30);
const tag = fc.constantFrom("api", "db", "ui", "ops");
const commands = (importWeight: number): fc.Arbitrary<Cmd> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        k: fc.constant("create" as const),
        title: fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim().length > 0),
        priority: fc.constantFrom(...Priority.options),
        tags: fc.array(tag, { maxLength: 3 }),
        deps: fc.array(idx, { maxLength: 3 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        k: fc.constant("edit" as const),
        t: idx,
        title: fc.option(fc.constantFrom("x", "y", "z"), { nil: undefined }),
        tags: fc.option(fc.array(tag, { maxLength: 2 }), { nil: undefined }),
        estimate: fc.option(fc.option(fc.nat(500), { nil: null }), { nil: undefined }),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({ k: fc.constant("status" as const), t: idx, to: fc.constantFrom(...Status.options) }),
    },
    { weight: 3, arbitrary: fc.record({ k: fc.constant("dep" as const), t: idx, b: idx }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant("undep" as const), t: idx, b: idx }) },
    {
      weight: 1,
      arbitrary: fc.record({
        k: fc.constant("comment" as const),
        t: idx,
        body: fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim().length > 0),
      }),
    },
    { weight: 2, arbitrary: fc.constant({ k: "undo" as const }) },
    // Imported tasks keep foreign ids (G-0…G-4) and may depend on ids nobody has created yet.
    {
      weight: importWeight,
      arbitrary: fc.record({
        k: fc.constant("import" as const),
        n: fc.nat(4),
        status: fc.constantFrom(...Status.options),
        deps: fc.array(idx, { maxLength: 2 }),
        ghosts: fc.array(fc.nat(4), { maxLength: 2 }),
      }),
    },
  );

const cmd = commands(1);

/** Runs one command; a refusal must be a typed ExarpError and must write nothing. */
function apply(exarp: Exarp, c: Cmd): void {
  const ids = exarp.tasks
    .list({})
    .map((t) => t.id)
    .sort();
  const at = (i: number) => ids[i % Math.max(ids.length, 1)] ?? "T-none";
  const before = exarp.feed.head();
  try {
    switch (c.k) {
      case "create":
        exarp.tasks.create({
          title: c.title,
          priority: c.priority,
          tags: c.tags,
          dependsOn: ids.length ? [...new Set(c.deps.map(at))] : [],
        });
        break;
      case "edit":
        exarp.tasks.edit({ id: at(c.t), title: c.title, tags: c.tags, estimate: c.estimate });
        break;
      case "status":
        exarp.tasks.setStatus({ id: at(c.t), to: c.to });
        break;
      case "dep":
        exarp.tasks.addDependency({ taskId: at(c.t), blockerId: at(c.b) });
        break;
      case "undep":
        exarp.tasks.removeDependency({ taskId: at(c.t), blockerId: at(c.b) });
        break;
      case "comment":
        exarp.tasks.comment({ taskId: at(c.t), body: c.body });
        break;
      case "undo":
        exarp.history.undo();
        break;
      case "import": {
        const deps = [...new Set([...(ids.length ? c.deps.map(at) : []), ...c.ghosts.map((g) => `G-${g}`)])].filter(
          (d) => d !== `G-${c.n}`,
        );
        exarp.transfer.importText(exportTaskLine(`G-${c.n}`, c.status, deps));
        break;
      }
    }
  } catch (error) {
    if (!(error instanceof ExarpError)) throw error;
    expect(exarp.feed.head()).toBe(before);
  }
}

/** What an agent does besides the commands above: claims, releases, and time passing (leases run out). */
type AgentStep = { k: "claim"; t: number; ttl: number } | { k: "release"; t: number } | { k: "wait"; ms: number };
const agentStep: fc.Arbitrary<AgentStep> = fc.oneof(
  fc.record({ k: fc.constant("claim" as const), t: idx, ttl: fc.constantFrom(1_000, 60_000) }),
  fc.record({ k: fc.constant("release" as const), t: idx }),
  fc.record({ k: fc.constant("wait" as const), ms: fc.constantFrom(500, 5_000) }),
);

describe("ready() kept up to date from the log", () => {
  it("answers exactly what a fresh read of the ready set does, after every command by another connection", async () => {
    const asks = [{}, { tags: ["api"] }, { limit: 2 }];
    await fc.assert(
      fc.asyncProperty(
        // Each step, and whether the reader looks after it (changes pile up between looks).
        fc.array(fc.tuple(fc.oneof(commands(2), agentStep), fc.boolean()), { minLength: 1, maxLength: 40 }),
        async (steps) => {
          await eachRunYields();
          const dir = tempDir();
          const writer = testExarp({ dir, actor: { name: "agent:writer", session: "w" } });
          const reader = testExarp({ dir });
          try {
            for (const [step, looks] of steps) {
              const ids = writer.exarp.tasks
                .list({})
                .map((t) => t.id)
                .sort();
              const at = (i: number) => ids[i % Math.max(ids.length, 1)] ?? "T-none";
              try {
                if (step.k === "claim") writer.exarp.leases.claim({ taskId: at(step.t), ttlMs: step.ttl });
                else if (step.k === "release") writer.exarp.leases.release({ taskId: at(step.t) });
                else if (step.k === "wait") {
                  writer.clock.advance(step.ms);
                  reader.clock.advance(step.ms);
                } else apply(writer.exarp, step);
              } catch (error) {
                if (!(error instanceof ExarpError)) throw error;
              }
              if (!looks) continue;
              for (const ask of asks) {
                const leasedFor = { agent: "tester", session: null, now: reader.clock.now() };
                expect(reader.exarp.graph.ready(ask)).toEqual(reader.store.readyTasks({ ...ask, leasedFor }));
              }
            }
          } finally {
            writer.exarp.close();
            reader.exarp.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("ready() kept up to date from the log: a lease that ran out between two looks", () => {
  it("shows the task again, as swept, though the events since only say it was claimed", () => {
    const dir = tempDir();
    const writer = testExarp({ dir, actor: { name: "agent:writer", session: "w" } });
    const reader = testExarp({ dir });
    try {
      const a = writer.exarp.tasks.create({ title: "a" });
      writer.clock.advance(1);
      const b = writer.exarp.tasks.create({ title: "b" });
      expect(reader.exarp.graph.ready().map((t) => t.id)).toEqual([a.id, b.id]);
      writer.exarp.leases.claim({ taskId: a.id, ttlMs: 1_000 });
      for (const { clock } of [writer, reader]) clock.advance(5_000);
      const seen = reader.exarp.graph.ready();
      expect(seen.map((t) => [t.id, t.status])).toEqual([
        [a.id, "todo"],
        [b.id, "todo"],
      ]);
      expect(seen).toEqual(
        reader.store.readyTasks({ leasedFor: { agent: "tester", session: null, now: reader.clock.now() } }),
      );
    } finally {
      writer.exarp.close();
      reader.exarp.close();
    }
  });
});

describe("undo follows the workflow", () => {
  it("an undo that would make a move the workflow forbids is refused and writes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("in_progress" as const, "blocked" as const),
        fc.boolean(),
        async (via, toReview) => {
          await eachRunYields();
          const { exarp, store } = testExarp({ dir: tempDir() });
          try {
            const t = exarp.tasks.create({ title: "a" });
            exarp.tasks.setStatus({ id: t.id, to: via });
            if (toReview && via === "in_progress") exarp.tasks.setStatus({ id: t.id, to: "review" });
            const cancel = exarp.tasks.setStatus({ id: t.id, to: "cancelled" });
            const before = store.maxSeq();
            const from = toReview && via === "in_progress" ? "review" : via.replace("_", " ");
            expect(() => exarp.history.undo()).toThrow(
              `it would move ${t.id} from cancelled to ${from}, which the workflow does not allow`,
            );
            expect(store.maxSeq()).toBe(before);
            expect(exarp.tasks.get(t.id).status).toBe(cancel.status);
          } finally {
            exarp.close();
          }
        },
      ),
      { numRuns: 8 },
    );
  });
});

describe("replay", () => {
  it("rebuilding projections from the log gives exactly the live tables, after any command sequence", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 60 }), async (cmds) => {
        await eachRunYields();
        const { exarp, store } = testExarp({ dir: tempDir() });
        try {
          for (const c of cmds) apply(exarp, c);
          expect(verifyReplay(store).problems).toEqual([]);
          expect(verifyChain(eventPages(store)).problems).toEqual([]);
        } finally {
          exarp.close();
        }
      }),
      { numRuns: 60 },
    );
  });

  it("the materialised ready set equals a from-scratch recomputation after every command", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(commands(8), { minLength: 1, maxLength: 50 }), async (cmds) => {
        await eachRunYields();
        const { exarp, store } = testExarp({ dir: tempDir() });
        try {
          for (const c of cmds) {
            apply(exarp, c);
            const g = loadGraph(store);
            expect(store.readyTasks().map((t) => t.id)).toEqual(readySet(g));
            for (const id of g.tasks.keys()) {
              expect(store.openBlockerCount(id)).toBe(openBlockers(g, id).length);
              expect(store.openDependentCount(id)).toBe(unblocks(g, id));
            }
          }
        } finally {
          exarp.close();
        }
      }),
      { numRuns: 60 },
    );
  });

  it("undoing every command in turn returns to an empty project, and never rewrites history", async () => {
    // Cancelling from in progress, review or blocked cannot be undone (cancelled only goes back to
    // todo): those sequences are the next property's.
    const undoable = cmd.filter((c) => c.k !== "undo" && !(c.k === "status" && c.to === "cancelled"));
    await fc.assert(
      fc.asyncProperty(fc.array(undoable, { minLength: 1, maxLength: 30 }), async (cmds) => {
        await eachRunYields();
        const { exarp, store } = testExarp({ dir: tempDir() });
        try {
          for (const c of cmds) apply(exarp, c);
          const logged = store.maxSeq();
          const hashes = store.listEvents().map((e) => e.hash);
          for (;;) {
            try {
              exarp.history.undo();
            } catch (error) {
              expect((error as Error).message).toBe(
                "tester has no change to undo; name another's change by its event number",
              );
              break;
            }
          }
          const { approvals, ...rest } = dumpProjections(store);
          expect(rest).toEqual({
            tasks: [],
            task_tags: [],
            dependencies: [],
            comments: [],
            leases: [],
            tokens: [],
            task_sources: [],
          });
          expect((approvals ?? []).filter((a) => (a as { state: string }).state === "pending")).toEqual([]);
          expect(
            store
              .listEvents()
              .slice(0, logged)
              .map((e) => e.hash),
          ).toEqual(hashes);
        } finally {
          exarp.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
