// `exarp import --from`: every fixture format through the service on both backends (mapping,
// parents, dependencies, comments, the source record and the foreign id), the round trip through
// `export`, refusals that write nothing, and the command line on the built binary.
import { cpSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createExarp, type Exarp } from "../src/app/exarp.ts";
import { manualClock } from "../src/clock.ts";
import { createIds } from "../src/id.ts";
import { planImport } from "../src/import/index.ts";
import type { SourceFile } from "../src/import/plan.ts";
import { openPgStore } from "../src/store/postgres/open.ts";
import { dumpProjections } from "../src/store/replay.ts";
import { openStore } from "../src/store/sqlite.ts";
import type { ForeignSystem } from "../src/task/task.ts";
import { freshPgUrl, seededRandom } from "./support/exarp.ts";
import { failure } from "./support/expect.ts";
import { picture, run, runJson } from "./support/hermetic.ts";
import { tempDir } from "./support/temp.ts";

const FIXTURES = new URL("./fixtures/import/", import.meta.url).pathname;
const fixture = (path: string): SourceFile[] => [{ path, text: readFileSync(join(FIXTURES, path), "utf8") }];
const backlog = (): SourceFile[] => {
  const root = join(FIXTURES, "backlog/backlog");
  return ["tasks", "drafts", "completed", "archive/tasks"].flatMap((folder) =>
    readdirSync(join(root, folder)).map((name) => ({
      path: `${folder}/${name}`,
      text: readFileSync(join(root, folder, name), "utf8"),
    })),
  );
};

type Backend = "sqlite" | "postgres";

function project(backend: Backend, actor = "user:ana", seed = 7): Exarp {
  const dir = tempDir();
  const store = backend === "postgres" ? openPgStore(freshPgUrl(), { create: true }) : openStore(join(dir, "exarp.db"));
  return createExarp({
    store,
    clock: manualClock(),
    ids: createIds(seededRandom(seed)),
    actor: { name: actor, session: null },
    auditDir: dir,
  });
}

const exportText = (exarp: Exarp) => {
  const lines: string[] = [];
  exarp.transfer.exportTo((l) => lines.push(l));
  return `${lines.join("\n")}\n`;
};

/** The doctor's failing checks: dangling references an import kept fail "graph", and only that. */
const failing = (exarp: Exarp) =>
  exarp
    .doctor()
    .checks.filter((c) => !c.ok)
    .map((c) => c.name);

const importFixture = (exarp: Exarp, system: ForeignSystem, files: SourceFile[], options = {}) =>
  exarp.transfer.importForeign(planImport(system, files), options);

describe.each<Backend>(["sqlite", "postgres"])("import --from (%s)", (backend) => {
  it("taskmaster: tasks, subtasks as children, dependencies (numbers and '2.2'), statuses; found by foreign id", () => {
    const exarp = project(backend);
    try {
      const result = importFixture(exarp, "taskmaster", fixture("taskmaster/tagged.json"));
      expect(result).toMatchObject({
        system: "taskmaster",
        dryRun: false,
        tasks: 10,
        comments: 0,
        byStatus: { todo: 3, in_progress: 1, review: 1, done: 2, blocked: 2, cancelled: 1 },
        graphProblems: [],
        refused: [],
      });
      const api = exarp.tasks.get("taskmaster:3");
      expect(exarp.tasks.get("3").id).toBe(api.id);
      const schema = exarp.tasks.get("2");
      const orders = exarp.tasks.get("2.2");
      expect(api.dependsOn.sort()).toEqual([schema.id, orders.id].sort());
      expect(orders).toMatchObject({ parentId: schema.id, status: "todo" });
      expect(orders.dependsOn).toEqual([exarp.tasks.get("2.1").id]);
      expect(api.source).toMatchObject({ system: "taskmaster", id: "3" });
      expect(JSON.parse(api.source?.record ?? "")).toMatchObject({ id: 3, complexity: 7, dependencies: [2, "2.2"] });
      expect(exarp.tasks.get("taskmaster:feature-billing:2")).toMatchObject({
        priority: "critical",
        status: "blocked",
      });
      expect(exarp.doctor().ok).toBe(true);
    } finally {
      exarp.close();
    }
  });

  it("beads, backlog and exarp-go: comments, parents, links reported, dangling references kept and named", () => {
    const exarp = project(backend);
    try {
      const beads = importFixture(exarp, "beads", fixture("beads/issues.jsonl"));
      expect(beads).toMatchObject({ tasks: 5, comments: 3 });
      expect(beads.graphProblems).toEqual([
        `${exarp.tasks.get("bd-i9j0").id} depends on beads:bd-zzzz, which does not exist (it stays blocked)`,
      ]);
      expect(beads.notes).toEqual([
        "beads:bd-g7h8 discovered-from beads:bd-c3d4: a link, kept in the source record",
        "beads:bd-g7h8 related beads:bd-e5f6: a link, kept in the source record",
      ]);
      const callback = exarp.tasks.get("beads:bd-c3d4");
      expect(callback).toMatchObject({ parentId: exarp.tasks.get("bd-a1b2").id, estimate: 90, assignee: "ana" });
      expect(callback.comments).toMatchObject([{ body: "Started on the state parameter.", author: "ana" }]);

      const board = importFixture(exarp, "backlog", backlog());
      expect(board).toMatchObject({ tasks: 6 });
      expect(board.graphProblems).toEqual([
        `${exarp.tasks.get("task-4").id} depends on backlog:task-9, which does not exist (it stays blocked)`,
      ]);
      expect(exarp.tasks.get("backlog:task-2.1").parentId).toBe(exarp.tasks.get("task-2").id);

      const todo2 = importFixture(exarp, "exarp-go", fixture("exarp-go/state.todo2.json"));
      expect(todo2).toMatchObject({ tasks: 5, comments: 1, graphProblems: [] });
      expect(exarp.tasks.get("T-1700000003").parentId).toBe(exarp.tasks.get("T-1700000002").id);
      expect(failing(exarp)).toEqual(["graph"]);
    } finally {
      exarp.close();
    }
  });

  it("round trip: import → export → import into a fresh project gives the same tasks, source records included", () => {
    const exarp = project(backend);
    const fresh = project(backend, "user:ana", 9);
    try {
      importFixture(exarp, "taskmaster", fixture("taskmaster/legacy.json"));
      importFixture(exarp, "beads", fixture("beads/issues.jsonl"));
      const text = exportText(exarp);
      expect(text).toContain('"source":{"system":"beads","id":"bd-a1b2"');
      expect(fresh.transfer.importText(text)).toMatchObject({ mode: "log", tasks: 9 });
      expect(dumpProjections(fresh.store)).toEqual(dumpProjections(exarp.store));
      expect(fresh.tasks.get("beads:bd-g7h8").source).toEqual(exarp.tasks.get("beads:bd-g7h8").source);
      expect(exportText(fresh).split("\n").slice(1)).toEqual(text.split("\n").slice(1));
      // Into a project with history the tasks come as new events, and keep their sources too.
      const busy = project(backend, "user:ana", 11);
      try {
        busy.tasks.create({ title: "already here" });
        expect(busy.transfer.importText(text)).toMatchObject({ mode: "tasks", tasks: 9 });
        expect(busy.tasks.get("taskmaster:2.2").source).toEqual(exarp.tasks.get("taskmaster:2.2").source);
        expect(failing(busy)).toEqual(["graph"]);
      } finally {
        busy.close();
      }
    } finally {
      exarp.close();
      fresh.close();
    }
  });

  it("refusals write nothing: a repeat, --strict on a cycle, done tasks by an agent; a dry run writes nothing either", () => {
    const exarp = project(backend);
    const agent = project(backend, "agent:build");
    try {
      const dry = importFixture(exarp, "taskmaster", fixture("taskmaster/cycle.json"), { dryRun: true });
      expect(dry).toMatchObject({ dryRun: true, tasks: 2, refused: [] });
      expect(dry.events).toBeGreaterThan(0);
      expect(dry.graphProblems).toHaveLength(2);
      expect(exarp.store.maxSeq()).toBe(0);
      const strictDry = importFixture(exarp, "taskmaster", fixture("taskmaster/cycle.json"), {
        dryRun: true,
        strict: true,
      });
      expect(strictDry.refused[0]).toMatch(/^refused by --strict: dependency cycle: /);
      const strict = failure(() =>
        importFixture(exarp, "taskmaster", fixture("taskmaster/cycle.json"), { strict: true }),
      );
      expect(strict.name).toBe("InvalidInput");
      expect(exarp.store.maxSeq()).toBe(0);

      importFixture(exarp, "taskmaster", fixture("taskmaster/cycle.json"));
      const seq = exarp.store.maxSeq();
      const again = failure(() => importFixture(exarp, "taskmaster", fixture("taskmaster/cycle.json")));
      expect(again.message).toContain("already imported from taskmaster: 1 (as ");
      expect(exarp.store.maxSeq()).toBe(seq);

      const byAgent = failure(() => importFixture(agent, "beads", fixture("beads/issues.jsonl")));
      expect(byAgent.name).toBe("Unauthorized");
      expect(agent.store.maxSeq()).toBe(0);
    } finally {
      exarp.close();
      agent.close();
    }
  });

  it("undoing an import removes its tasks and their sources; replay still equals the live tables", () => {
    const exarp = project(backend);
    try {
      importFixture(exarp, "beads", fixture("beads/issues.jsonl"));
      exarp.history.undo();
      const { approvals: _a, ...rest } = dumpProjections(exarp.store);
      expect(rest).toMatchObject({ tasks: [], dependencies: [], comments: [], task_sources: [] });
      expect(failing(exarp)).toEqual([]);
      expect(failure(() => exarp.tasks.get("beads:bd-a1b2")).name).toBe("NotFound");
    } finally {
      exarp.close();
    }
  });

  it("a bare foreign id two tools share is refused, naming the prefixed forms; a later import links to an earlier one", () => {
    const exarp = project(backend);
    try {
      importFixture(exarp, "taskmaster", fixture("taskmaster/legacy.json"));
      const line = JSON.stringify({ id: "1", title: "beads one", dependencies: [{ depends_on_id: "bd-e5f6" }] });
      importFixture(exarp, "beads", [{ path: "a.jsonl", text: line }]);
      expect(failure(() => exarp.tasks.get("1")).message).toContain("1 names 2 imported tasks: beads:1 (");
      expect(exarp.tasks.get("beads:1").title).toBe("beads one");
      // bd-e5f6 was dangling; imported later, the next import's references reach it.
      importFixture(exarp, "beads", fixture("beads/issues.jsonl"));
      const more = JSON.stringify({ id: "bd-new", title: "after", dependencies: [{ depends_on_id: "bd-e5f6" }] });
      importFixture(exarp, "beads", [{ path: "b.jsonl", text: more }]);
      expect(exarp.tasks.get("bd-new").dependsOn).toEqual([exarp.tasks.get("bd-e5f6").id]);
    } finally {
      exarp.close();
    }
  });
});

describe("exarp import --from (the built binary)", () => {
  const initialised = () => {
    const root = tempDir();
    expect(run(root, ["init"]).code).toBe(0);
    return root;
  };
  const as = { EXARP_AGENT: "user:ana" };

  it("--dry-run prints the summary and writes nothing; the import then shows, claims and exports by foreign id", () => {
    const root = initialised();
    const source = join(root, "src");
    cpSync(join(FIXTURES, "taskmaster"), join(source, ".taskmaster/tasks"), { recursive: true });
    cpSync(join(source, ".taskmaster/tasks/tagged.json"), join(source, ".taskmaster/tasks/tasks.json"));
    const before = picture(join(root, ".exarp"));
    const dry = run(root, ["import", "--from", "taskmaster", "src", "--dry-run"], { env: as });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("dry run: would import 10 tasks, 0 comments from taskmaster");
    expect(dry.stdout).toContain("by status: todo 3, in progress 1, review 1, done 2, blocked 2, cancelled 1");
    expect(dry.stdout).toContain('  status "deferred" → blocked (1)');
    expect(picture(join(root, ".exarp"))).toEqual(before);

    const done = runJson(root, ["import", "--from", "taskmaster", "src/.taskmaster/tasks/tasks.json"], as);
    expect(done.import).toMatchObject({ tasks: 10, dryRun: false, refused: [] });
    const shown = run(root, ["show", "taskmaster:3"]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain("imported from taskmaster as 3");
    const json = runJson(root, ["show", "3"]);
    expect(JSON.parse(json.task.source.record)).toMatchObject({ title: "Build the API" });
    expect(runJson(root, ["claim", "taskmaster:feature-billing:1"], { EXARP_AGENT: "agent:build" }).acquired).toBe(
      true,
    );
    // Every verb that takes a task id takes a foreign one: read from stdin once even when run twice.
    const commented = run(root, ["comment", "taskmaster:5", "-", "--json"], { env: as, input: "looks good\n" });
    expect(commented.code, commented.stderr).toBe(0);
    expect(runJson(root, ["show", "5"]).task.comments).toMatchObject([{ body: "looks good" }]);
    expect(runJson(root, ["dep", "add", "taskmaster:5", "4"], as).task.dependsOn).toEqual([
      runJson(root, ["show", "4"]).task.id,
    ]);
    expect(runJson(root, ["history", "taskmaster:5"]).events.map((e: { type: string }) => e.type)).toEqual([
      "task.created",
      "comment.added",
      "dependency.added",
    ]);
    const missing = run(root, ["start", "taskmaster:99"], { env: as });
    expect([missing.code, missing.stderr]).toEqual([1, "exarp: task taskmaster:99 not found\n"]);

    const exported = run(root, ["export"]);
    const fresh = initialised();
    writeFileSync(join(fresh, "all.jsonl"), exported.stdout);
    expect(runJson(fresh, ["import", "all.jsonl"]).import).toMatchObject({ mode: "log", tasks: 10 });
    expect(runJson(fresh, ["show", "taskmaster:3"]).task.source).toEqual(json.task.source);
  });

  it("malformed input is refused whole (exit 2), each bad record named, nothing written", () => {
    const root = initialised();
    cpSync(join(FIXTURES, "beads/malformed.jsonl"), join(root, "issues.jsonl"));
    const before = picture(join(root, ".exarp"));
    const r = run(root, ["import", "--from", "beads", "issues.jsonl", "--json"], { env: as });
    expect(r.code).toBe(2);
    const error = JSON.parse(r.stderr).error;
    expect(error.data.issues).toContain("line 3 (id bd-x2): title is missing or not text");
    expect(picture(join(root, ".exarp"))).toEqual(before);
    for (const [args, message] of [
      [["--from", "jira", "x"], '--from takes taskmaster, beads, backlog, exarp-go, not "jira"'],
      [["--from", "backlog", "issues.jsonl"], "--from backlog reads a folder"],
      [["--from", "beads", ".exarp"], "no .beads/issues.jsonl in .exarp"],
      [["--from", "beads", "missing.jsonl"], "cannot read missing.jsonl: ENOENT"],
      [["x.jsonl", "--dry-run"], "--dry-run goes with --from"],
      [["--from", "beads", "/dev/null"], "/dev/null is neither a file nor a folder"],
    ] as const) {
      const refused = run(root, ["import", ...args], { env: as });
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toContain(message);
    }
    writeFileSync(join(root, "latin1.jsonl"), Buffer.from([0x7b, 0xe9, 0x7d]));
    expect(run(root, ["import", "--from", "beads", "latin1.jsonl"], { env: as }).stderr).toContain(
      "latin1.jsonl is not UTF-8 text",
    );
    expect(picture(join(root, ".exarp"))).toEqual(before);
  });

  it("backlog and beads: the project folder holding their files, in today's layout and the older one", () => {
    const root = initialised();
    cpSync(join(FIXTURES, "backlog/backlog"), join(root, "backlog"), { recursive: true });
    const r = runJson(root, ["import", "--from", "backlog", "."], as);
    expect(r.import).toMatchObject({ system: "backlog", tasks: 6 });
    expect(runJson(root, ["show", "task-2.1"]).task.title).toBe("Changelog");
    // Older layouts: Backlog.md's .backlog/, beads' .beads/beads.jsonl.
    const older = initialised();
    cpSync(join(FIXTURES, "backlog/backlog"), join(older, ".backlog"), { recursive: true });
    cpSync(join(FIXTURES, "beads/issues.jsonl"), join(older, ".beads/beads.jsonl"));
    expect(runJson(older, ["import", "--from", "backlog", "."], as).import.tasks).toBe(6);
    expect(runJson(older, ["import", "--from", "beads", "."], as).import.tasks).toBe(5);
  });
});
