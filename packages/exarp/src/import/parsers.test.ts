import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { failure } from "../../test/support/expect.ts";
import { seed } from "../../test/support/fc-seed.ts";
import { parseInput } from "../kernel/input.ts";
import { TaskCreate } from "../task/commands.ts";
import { unsafeReason } from "../text/safe.ts";
import { parseBacklog } from "./backlog.ts";
import { parseBeads } from "./beads.ts";
import { cleanTitle } from "./clean.ts";
import { parseExarpGo } from "./exarp-go.ts";
import { planImport } from "./index.ts";
import type { ImportPlan, SourceFile } from "./plan.ts";
import { parseTaskmaster } from "./taskmaster.ts";

const FIXTURES = new URL("../../test/fixtures/import/", import.meta.url).pathname;
const fixture = (path: string) => readFileSync(join(FIXTURES, path), "utf8");

function backlogFiles(): SourceFile[] {
  const root = join(FIXTURES, "backlog/backlog");
  return ["tasks", "drafts", "completed", "archive/tasks"].flatMap((folder) =>
    readdirSync(join(root, folder))
      .sort()
      .map((name) => ({ path: `${folder}/${name}`, text: readFileSync(join(root, folder, name), "utf8") })),
  );
}

const byKey = (plan: ImportPlan) => new Map(plan.tasks.map((t) => [t.key, t]));
const mapped = (plan: ImportPlan, field: string) =>
  plan.mappings.filter((m) => m.field === field).map((m) => `${m.from} → ${m.to} ×${m.count}`);

describe("taskmaster", () => {
  it("tagged: tasks and subtasks of every tag, mixed dependencies, statuses and priorities mapped and counted", () => {
    const plan = parseTaskmaster(fixture("taskmaster/tagged.json"));
    const t = byKey(plan);
    expect([...t.keys()]).toEqual([
      "1",
      "2",
      "2.1",
      "2.2",
      "3",
      "4",
      "5",
      "feature-billing:1",
      "feature-billing:1.1",
      "feature-billing:2",
    ]);
    expect(t.get("2.2")).toMatchObject({ parent: "2", dependsOn: ["2.1"], status: "todo" });
    expect(t.get("3")).toMatchObject({ dependsOn: ["2", "2.2"], priority: "high" });
    expect(t.get("3")?.description).toBe(
      "REST endpoints over the schema.\n\n## Details\n\nHono on Node 20.\n\n## Test strategy\n\nContract tests.",
    );
    expect(t.get("4")).toMatchObject({ dependsOn: ["3"], status: "blocked", priority: "low" });
    expect(t.get("feature-billing:2")).toMatchObject({
      dependsOn: ["feature-billing:1", "feature-billing:1.1"],
      priority: "critical",
      tags: ["feature-billing"],
    });
    expect(t.get("feature-billing:1.1")).toMatchObject({ parent: "feature-billing:1", status: "cancelled" });
    expect(mapped(plan, "status")).toEqual([
      '"blocked" → blocked ×1',
      '"cancelled" → cancelled ×1',
      '"deferred" → blocked ×1',
      '"done" → done ×2',
      '"in-progress" → in_progress ×1',
      '"pending" → todo ×3',
      '"review" → review ×1',
    ]);
    // A subtask's record is its own; a task's leaves its subtasks to theirs.
    expect(JSON.parse(t.get("2")?.source.record ?? "")).not.toHaveProperty("subtasks");
    expect(JSON.parse(t.get("2.1")?.source.record ?? "")).toMatchObject({ id: 1, parentTaskId: 2 });
    expect(JSON.parse(t.get("3")?.source.record ?? "")).toMatchObject({ complexity: 7 });
  });

  it("legacy flat file: ids without a tag, string subtask dependencies", () => {
    const plan = parseTaskmaster(fixture("taskmaster/legacy.json"));
    expect(plan.tasks.map((t) => [t.key, t.parent, t.dependsOn])).toEqual([
      ["1", null, []],
      ["2", null, ["1"]],
      ["2.1", "2", []],
      ["2.2", "2", ["2.1"]],
    ]);
  });

  it("refuses malformed input whole, naming each bad record by position and id", () => {
    const error = failure(() => parseTaskmaster(fixture("taskmaster/malformed.json")));
    expect(error.name).toBe("InvalidInput");
    expect((error.data as { issues: string[] }).issues).toEqual([
      "taskmaster: malformed input, nothing imported",
      'tag "master" task 2 (id one): id is not a whole number',
      'tag "master" task 3 (id 3): title is missing or not text',
      'tag "master" task 4 (id 4): dependency {"id":1} is not a task id (5 or "5.2")',
    ]);
    expect(failure(() => parseTaskmaster("{ nope")).message).toContain("tasks.json: not JSON");
    expect(failure(() => parseTaskmaster("[]")).message).toContain("expected an object, found an array");
  });
});

describe("taskmaster (generated)", () => {
  it("any tagged file of tasks and subtasks: unique keys, each dependency a key of the plan or kept as given", () => {
    const file = fc
      .array(fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 4 }), { minLength: 1, maxLength: 8 })
      .chain((subtaskCounts) =>
        fc.tuple(
          fc.constant(subtaskCounts),
          fc.array(fc.oneof(fc.integer({ min: 1, max: 10 }), fc.stringMatching(/^[1-9]\.[1-6]$/)), {
            maxLength: 3 * subtaskCounts.length,
          }),
        ),
      );
    fc.assert(
      fc.property(file, ([subtaskCounts, deps]) => {
        const tasks = subtaskCounts.map((subs, i) => ({
          id: i + 1,
          title: `task ${i + 1}`,
          status: "pending",
          dependencies: deps.filter((_, k) => k % subtaskCounts.length === i),
          subtasks: [...new Set(subs)].map((id) => ({ id, title: `sub ${id}`, status: "done", dependencies: [1] })),
        }));
        const plan = parseTaskmaster(JSON.stringify({ master: { tasks, metadata: {} } }));
        const keys = plan.tasks.map((t) => t.key);
        expect(new Set(keys).size).toBe(keys.length);
        for (const t of plan.tasks) {
          for (const d of t.dependsOn) expect(/^\d+(\.\d+)?$/.test(d)).toBe(true);
          if (t.parent !== null) expect(keys).toContain(t.parent);
        }
        // A subtask's bare 1 names its sibling 1 when it has one.
        for (const t of plan.tasks.filter((x) => x.parent !== null))
          expect(t.dependsOn).toEqual([keys.includes(`${t.parent}.1`) ? `${t.parent}.1` : "1"]);
      }),
      { seed: seed("taskmaster-plan"), numRuns: 200 },
    );
  });
});

describe("beads", () => {
  it("maps statuses, priorities 0–4, labels, estimates and comments; only blocks block, parent-child is the parent", () => {
    const plan = parseBeads(fixture("beads/issues.jsonl"));
    const t = byKey(plan);
    expect(t.get("bd-c3d4")).toMatchObject({
      parent: "bd-a1b2",
      dependsOn: ["bd-e5f6"],
      status: "in_progress",
      priority: "critical",
      estimate: 90,
      assignee: "ana",
      tags: ["auth", "backend"],
      comments: [
        { body: "Started on the state parameter.", author: "ana", createdAt: Date.parse("2025-10-03T10:00:00Z") },
      ],
    });
    expect(t.get("bd-g7h8")).toMatchObject({
      dependsOn: [],
      links: [
        { type: "discovered-from", target: "bd-c3d4" },
        { type: "related", target: "bd-e5f6" },
      ],
      tags: ["ci-flaky", "bug"],
    });
    expect(t.get("bd-a1b2")?.description).toBe(
      "Everything about signing in.\n\n## Design\n\nOAuth first.\n\n## Acceptance criteria\n\nUsers can sign in with GitHub.",
    );
    expect(mapped(plan, "priority")).toEqual([
      "0 → critical ×1",
      "1 → high ×1",
      "2 → medium ×1",
      "3 → low ×1",
      "4 → low ×1",
    ]);
    expect(mapped(plan, "status")).toContain('"deferred" → blocked ×1');
  });

  it("neutralises control and bidi characters; the source record keeps the line's bytes verbatim", () => {
    const text = fixture("beads/issues.jsonl");
    const issue = byKey(parseBeads(text)).get("bd-g7h8");
    expect(issue?.title).toBe("Flaky login test \\x1b[31mred\\x1b[0m \\u202eevil");
    expect(unsafeReason(issue?.title ?? "", false)).toBeUndefined();
    expect(issue?.description).toBe("Seen in CI.\nTwice.");
    expect(issue?.source.record).toBe(text.split("\n")[3]);
    expect(JSON.parse(issue?.source.record ?? "").title).toContain("\u001b[31m");
  });

  it("refuses malformed lines whole, naming each by line number and id", () => {
    const error = failure(() => parseBeads(fixture("beads/malformed.jsonl")));
    expect((error.data as { issues: string[] }).issues).toEqual([
      "beads: malformed input, nothing imported",
      "line 2: not JSON",
      "line 3 (id bd-x2): title is missing or not text",
      "line 4 (id bd-x3): labels is not an array",
      "line 5 (id bd-a1b2): the id appears on an earlier line too",
    ]);
    expect(failure(() => parseBeads("\n\n")).message).toContain("holds no issues");
  });

  it("any issue line becomes a task whose fields are valid input, and keeps the line verbatim", () => {
    const issue = fc.record(
      {
        id: fc.stringMatching(/^bd-[a-z0-9]{1,6}$/),
        title: fc.string({ unit: "binary", maxLength: 600 }),
        description: fc.string({ unit: "binary", maxLength: 200 }),
        status: fc.constantFrom("open", "in_progress", "blocked", "closed", "deferred", "weird"),
        priority: fc.integer({ min: 0, max: 4 }),
        labels: fc.array(fc.string({ unit: "binary", maxLength: 60 }), { maxLength: 40 }),
        assignee: fc.string({ unit: "binary", maxLength: 150 }),
      },
      { requiredKeys: ["id", "title"] },
    );
    fc.assert(
      fc.property(issue, (raw) => {
        const line = JSON.stringify(raw);
        const [task] = parseBeads(line).tasks;
        expect(task?.source.record).toBe(line);
        parseInput(TaskCreate, {
          title: task?.title,
          description: task?.description,
          tags: task?.tags,
          assignee: task?.assignee,
        });
      }),
      { seed: seed("beads-input"), numRuns: 300 },
    );
  });
});

describe("backlog", () => {
  it("reads front matter (inline and block lists, quoted values) and the body's sections; folders say drafts and archive", () => {
    const plan = parseBacklog(backlogFiles());
    const t = byKey(plan);
    expect([...t.keys()]).toEqual(["task-1", "task-2", "task-2.1", "draft-1", "task-3", "task-4"]);
    expect(t.get("task-1")).toMatchObject({
      title: "Set up CI",
      status: "in_progress",
      priority: "high",
      assignee: "@ana",
      tags: ["ci", "infra"],
      createdAt: Date.parse("2025-06-01T10:00Z"),
    });
    expect(t.get("task-1")?.description).toBe(
      [
        "Run the tests on every push.",
        "## Acceptance Criteria\n\n- [x] #1 Tests run on push\n- [ ] #2 Badge in the README",
        "## Implementation Plan\n\n1. Write the workflow\n2. Cache dependencies",
        "## Implementation Notes\n\nUsed the setup-node cache.",
      ].join("\n\n"),
    );
    expect(t.get("task-2")).toMatchObject({ title: "Release pipeline: tags, notes", dependsOn: ["task-1"] });
    // Ids match whatever their case (TASK-1 is task-1).
    expect(t.get("task-2.1")).toMatchObject({ parent: "task-2", dependsOn: ["task-1"] });
    expect(t.get("draft-1")).toMatchObject({ tags: ["draft"], description: "Just an idea for now." });
    expect(t.get("task-3")).toMatchObject({ status: "done", priority: "low" });
    expect(t.get("task-4")).toMatchObject({ status: "cancelled", dependsOn: ["task-9"] });
    expect(t.get("task-3")?.source.record).toBe(fixture("backlog/backlog/completed/task-3 - Pick a license.md"));
    expect(plan.notes).toEqual([
      "backlog task-1: 2 assignees; the first is the assignee, all are in the source record",
    ]);
  });

  it("refuses files without front matter, id or title, and repeated ids, naming each file", () => {
    const error = failure(() =>
      parseBacklog([
        { path: "tasks/a.md", text: "no front matter" },
        { path: "tasks/b.md", text: "---\ntitle: x\n---\n" },
        { path: "tasks/c.md", text: "---\nid: task-7\n---\n" },
        { path: "tasks/d.md", text: "---\nid: task-8\ntitle: ok\n" },
        { path: "tasks/e.md", text: "---\nid: task-9\ntitle: [unclosed\n---\n" },
      ]),
    );
    expect((error.data as { issues: string[] }).issues).toEqual([
      "backlog: malformed input, nothing imported",
      "tasks/a.md: does not start with front matter (---)",
      "tasks/b.md: front matter has no id",
      "tasks/c.md (id task-7): front matter has no title",
      "tasks/d.md: its front matter has no closing ---",
      "tasks/e.md: front matter line 3: the list of title is not closed",
    ]);
  });
});

describe("backlog front matter (generated)", () => {
  it("a title in single or double quotes, or plain when YAML allows, reads back as written", () => {
    const title = fc
      .string({ minLength: 1, maxLength: 80 })
      .filter((t) => !/[\n\r]/.test(t) && t.trim() === t && t !== "");
    fc.assert(
      fc.property(title, fc.constantFrom("single", "double"), (t, quoting) => {
        const yaml = quoting === "single" ? `'${t.replace(/'/g, "''")}'` : JSON.stringify(t);
        const [task] = parseBacklog([{ path: "tasks/x.md", text: `---\nid: task-1\ntitle: ${yaml}\n---\n` }]).tasks;
        expect(task?.title).toBe(cleanTitle(t, "x"));
      }),
      { seed: seed("backlog-title"), numRuns: 300 },
    );
  });
});

describe("exarp-go (Todo2)", () => {
  it("maps content, long_description, statuses, priorities, parent_id, dependencies, hours and comments", () => {
    const plan = parseExarpGo(fixture("exarp-go/state.todo2.json"));
    const t = byKey(plan);
    expect(t.get("T-1700000001")).toMatchObject({ title: "Write the parser", status: "done", priority: "high" });
    expect(t.get("T-1700000002")).toMatchObject({
      status: "in_progress",
      priority: "critical",
      estimate: 150,
      dependsOn: ["T-1700000001"],
      comments: [{ body: "Unification first.", createdAt: Date.parse("2025-08-03T09:00:00Z") }],
    });
    expect(t.get("T-1700000003")).toMatchObject({ parent: "T-1700000002", status: "todo" });
    expect(t.get("T-1700000004")?.status).toBe("review");
    expect(t.get("T-1700000005")).toMatchObject({ status: "cancelled", priority: "low" });
    expect(JSON.parse(t.get("T-1700000001")?.source.record ?? "")).toMatchObject({ metadata: { source: "cursor" } });
  });

  it("refuses a file without todos and bad todos, naming each", () => {
    expect(failure(() => parseExarpGo('{"tasks": []}')).message).toContain("expected { todos: [...] }");
    const error = failure(() =>
      parseExarpGo('{"todos": [{"id": "T-1"}, 7, {"id": "T-2", "content": "x", "tags": "a"}]}'),
    );
    expect((error.data as { issues: string[] }).issues).toEqual([
      "exarp-go: malformed input, nothing imported",
      "todo 1 (id T-1): has neither content nor name",
      "todo 2: expected an object, found a number",
      "todo 3 (id T-2): tags is not a list of text",
    ]);
  });
});

describe("planImport", () => {
  it("refuses a record too long to keep verbatim", () => {
    const line = JSON.stringify({ id: "bd-1", title: "big", description: "x".repeat(1_000_001) });
    expect(failure(() => planImport("beads", [{ path: "issues.jsonl", text: line }])).message).toContain(
      "records longer than 1000000 characters cannot be kept verbatim: bd-1",
    );
  });
});
