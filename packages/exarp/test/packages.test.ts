// The two published packages as npm packs them: what the tarballs hold, what their package.json
// promises, a strict nodenext TypeScript consumer compiled (and run) against the extracted tarballs,
// the packed CLI run by Node, and the packed plugin bundle loaded by Bun on a real project.
// `npm pack --ignore-scripts` packs the dist/ that `npm test` builds first (pretest): what `prepare`
// would build again, without removing dist/ under the other test files running at the same time.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childEnv, git } from "./support/hermetic.ts";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const TSC = join(repo, "node_modules", "typescript", "bin", "tsc");
const BUN = join(repo, "node_modules", ".bin", "bun");
const ENGINES = "^20.12.0 || 22.x || 23.x || 24.x || 25.x";
/**
 * 1.15.11 is the first @opencode-ai/plugin whose types cover every hook the plugin uses: its source
 * type-checks against each 1.x release from 1.15.11 to 1.18.33, and against none of the earlier ones
 * tried (the last release of every earlier minor, and 1.15.0 to 1.15.7), which all lack `dispose`.
 * The bundle also loads in OpenCode 1.15.13, the oldest opencode-ai release not older than 1.15.11.
 */
const PEER_RANGE = "^1.15.11";

/** Every value the exarp library exports; a name added to or dropped from its index shows here. */
const RUNTIME_API = [
  ...["createExarp", "initProject", "openProject", "restoreProject", "openStore", "createFeed", "createIds"],
  ...["findProjectRoot", "initRoot", "projectPaths", "requireProjectRoot", "loadSettings", "SETTINGS"],
  ...["manualClock", "systemClock", "loadZod", "provideZod", "retryWhileBusy", "SHORT_BUSY_TIMEOUT_MS"],
  ...["actorFromEnv", "osActor", "osUserName", "ActorName", "actorKind", "actorLabel", "isPerson", "isSubagent"],
  ...["PERSON_PREFIX", "SUBAGENT_PREFIX", "heldBy", "holderName", "liveLease", "canTransition", "transitions"],
  ...["Priority", "Status", "CommentAdd", "DependencyChange", "StatusChange", "TaskCreate", "TaskEdit"],
  ...["SCOPES", "scopeAllows", "TokenCreate", "TokenRevoke", "DEFAULT_CONTEXT_BUDGET", "renderContext"],
  ...["describeEvent", "inline", "neutralizeBlock", "neutralizeLine", "safeJson", "defineError", "ExarpError"],
  ...["ApprovalRequired", "Busy", "CycleDetected", "DiskFull", "InvalidInput", "InvalidTransition"],
  ...["LeaseConflict", "NoProject", "NotFound", "Refused", "StaleLease", "StorageError", "Unauthorized"],
  ...["Unavailable", "VersionConflict", "createNotifier", "notificationCommand", "openLogger"],
];

/**
 * A consumer of the types and error classes the exarp index names (besides what index.ts of the
 * consumer uses): each must resolve from the published declarations under strict nodenext.
 */
const API_CONSUMER = `import {
  ApprovalRequired, Busy, CycleDetected, DiskFull, type ErrorClass, InvalidInput, InvalidTransition, LeaseConflict,
  NoProject, NotFound, Refused, StaleLease, StorageError, Unauthorized, Unavailable, VersionConflict,
} from "exarp";
import type {
  Actor, Approval, ApprovalOutcome, ApprovalState, ApproveRequest, AuditEntry, AuditFilter, BlockerStep, BusHandler,
  BusMessage, ClaimNextRequest, ClaimNextResult, ClaimRequest, ClaimResult, Clock, Comment, ContextData,
  ContextRequest, ContextRole, ContextTask, CreatedToken, CriticalPath, DenyRequest, DoctorCheck, DoctorExtension,
  DoctorReport, EventEnvelope, EventType, Exarp, ExarpOptions, Explanation, Feed, HistoryQuery, Ids, ImportResult,
  Lease, LeaseRequest, LeaseView, NewEvent, NextQuery, PayloadOf, PendingApproval, Plan, PlanGraph, PlanQuery,
  ProjectOptions, ReadyQuery, ReadyTask, RestoreResult, Scope, ServiceContext, Services, Settings, Store,
  StoreOptions, StoredEvent, StoredEventOf, Task, TaskDetail, TaskFilter, TokenView, UndoRequest, UndoResult,
  Unschedulable, WaitRequest, Watcher, WatchOptions, Waves,
} from "exarp";

export const errors = [
  ApprovalRequired, Busy, CycleDetected, DiskFull, InvalidInput, InvalidTransition, LeaseConflict, NoProject,
  NotFound, Refused, StaleLease, StorageError, Unauthorized, Unavailable, VersionConflict,
];
export const notFound: ErrorClass<{ kind: string; id: string }> = NotFound;

/** What a caller of the services holds, named by the published types. */
export type Seen = {
  services: Services; options: ExarpOptions; exarp: Exarp; store: Store; storeOptions: StoreOptions;
  project: ProjectOptions; restore: RestoreResult; doctor: [DoctorCheck, DoctorExtension, DoctorReport];
  actor: Actor; context: ServiceContext; clock: Clock; ids: Ids; settings: Settings;
  task: [Task, TaskDetail, Comment, TaskFilter]; graph: [ReadyTask, Plan, PlanGraph, ReadyQuery, NextQuery, PlanQuery];
  explain: [Explanation, BlockerStep, CriticalPath, Waves, Unschedulable];
  leases: [Lease, LeaseView, ClaimRequest, ClaimResult, ClaimNextRequest, ClaimNextResult, LeaseRequest];
  approvals: [Approval, ApprovalOutcome, ApprovalState, ApproveRequest, DenyRequest, WaitRequest, PendingApproval];
  events: [StoredEvent, StoredEventOf<"task.created">, NewEvent, EventType, PayloadOf<"task.created">, EventEnvelope];
  history: [HistoryQuery, UndoRequest, UndoResult]; feed: [Feed, Watcher, WatchOptions];
  bus: [BusMessage, BusHandler<"task.created">]; audit: [AuditEntry, AuditFilter]; transfer: ImportResult;
  prompt: [ContextData, ContextRequest, ContextRole, ContextTask]; tokens: [TokenView, CreatedToken, Scope];
};

export const seq = (e: StoredEvent): EventEnvelope["seq"] => e.seq;
export const services = (exarp: Exarp): Services => exarp.as({ name: "agent:build", session: null });
`;

type Manifest = {
  name: string;
  version: string;
  license?: string;
  main?: string;
  types?: string;
  bin?: Record<string, string>;
  exports?: unknown;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};
type Packed = { name: string; filename: string; files: { path: string }[] };
type Package = { files: string[]; dir: string; manifest: Manifest };

let work: string;
let consumer: string;
const packages: Record<string, Package> = {};
const lock = JSON.parse(readFileSync(join(repo, "package-lock.json"), "utf8")) as {
  packages: Record<string, { version?: string; engines?: { node?: string } }>;
};

/** An environment for npm that reads no user configuration, uses a private cache and never goes online. */
function npmEnv(): Record<string, string> {
  const env = childEnv();
  // Settings an outer `npm test` passes down as npm_* variables do not apply to this npm.
  for (const key of Object.keys(env)) if (key.startsWith("npm_")) delete env[key];
  return {
    ...env,
    npm_config_cache: join(work, "npm-cache"),
    npm_config_userconfig: join(work, "npmrc"),
    npm_config_globalconfig: join(work, "global-npmrc"),
    npm_config_offline: "true",
    npm_config_update_notifier: "false",
  };
}

/** Every path a package.json field points at (main, types, bin, every `exports` condition). */
function targets(manifest: Manifest): string[] {
  const out: string[] = [];
  const walk = (value: unknown) => {
    if (typeof value === "string") out.push(value);
    else if (value && typeof value === "object") for (const v of Object.values(value)) walk(v);
  };
  walk([manifest.main, manifest.types, manifest.bin, manifest.exports]);
  return out.map((p) => p.replace(/^\.\//, ""));
}

/** The `exports` conditions used anywhere in a package.json. */
function conditions(exports: unknown): string[] {
  if (!exports || typeof exports !== "object") return [];
  return Object.entries(exports).flatMap(([key, value]) => [key, ...conditions(value)]);
}

beforeAll(() => {
  for (const built of ["packages/exarp/dist/index.js", "packages/opencode-exarp/dist/index.js"])
    if (!existsSync(join(repo, built))) throw new Error(`${built} is missing: run \`npm run build\` first`);
  work = mkdtempSync(join(tmpdir(), "exarp-packages-"));
  const packs = join(work, "packs");
  mkdirSync(packs);
  const out = execFileSync(
    "npm",
    [
      "pack",
      "--json",
      "--ignore-scripts",
      "--pack-destination",
      packs,
      "-w",
      "packages/exarp",
      "-w",
      "packages/opencode-exarp",
    ],
    { cwd: repo, env: npmEnv(), encoding: "utf8", timeout: 60_000 },
  );
  // A consumer project: the tarballs extracted into node_modules, and the packages npm would install
  // beside them (dependencies and peers, plus the consumer's own Node types) linked from this
  // repository, so nothing native is compiled and nothing is downloaded.
  consumer = join(work, "consumer");
  for (const packed of JSON.parse(out) as Packed[]) {
    const dir = join(consumer, "node_modules", packed.name);
    mkdirSync(dir, { recursive: true });
    execFileSync("tar", ["-xzf", join(packs, packed.filename), "-C", dir, "--strip-components=1"]);
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;
    packages[packed.name] = { files: packed.files.map((f) => f.path).sort(), dir, manifest };
  }
  const provided = [
    ...Object.keys(packages.exarp?.manifest.dependencies ?? {}),
    ...Object.keys(packages["opencode-exarp"]?.manifest.peerDependencies ?? {}),
    "@types/node",
  ];
  for (const name of provided) {
    const link = join(consumer, "node_modules", name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(repo, "node_modules", name), link);
  }
  writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const pkg = (name: string): Package => {
  const p = packages[name];
  if (!p) throw new Error(`${name} was not packed`);
  return p;
};

/** The extracted `exarp` command, as its package.json names it. */
const packedCli = () => join(pkg("exarp").dir, pkg("exarp").manifest.bin?.exarp ?? "no bin");

describe.each(["exarp", "opencode-exarp"])("the %s tarball", (name) => {
  it("holds built JavaScript, declarations, README, LICENSE and package.json, and nothing from the repository only", () => {
    const { files } = pkg(name);
    // A package.json inside dist/ only says how Node loads the files beside it ({"type":"commonjs"}).
    // dist/web/ is the dashboard `exarp serve` shows: its page and style besides its scripts.
    const allowed =
      /^(package\.json|README\.md|LICENSE|dist\/.+\.(js|d\.ts)|dist\/(.+\/)?package\.json|dist\/THIRD-PARTY-LICENSES\.txt|dist\/web\/(index\.html|assets\/app\.css))$/;
    expect(files.filter((f) => !allowed.test(f))).toEqual([]);
    expect(files.filter((f) => /\.test\.|\.tsbuildinfo$|^(src|test|bench|scripts)\//.test(f))).toEqual([]);
    expect(files).toEqual(
      expect.arrayContaining(["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts"]),
    );
  });

  it("contains every file its package.json points at, and no condition that points at source", () => {
    const { files, manifest } = pkg(name);
    expect(targets(manifest).filter((t) => !files.includes(t))).toEqual([]);
    expect(targets(manifest).filter((t) => !t.startsWith("dist/"))).toEqual([]);
    expect(conditions(manifest.exports)).not.toContain("bun");
  });

  it("carries the repository's MIT license and a README that links to the full one", () => {
    const { dir, manifest } = pkg(name);
    expect(manifest.license).toBe("MIT");
    expect(readFileSync(join(dir, "LICENSE"), "utf8")).toBe(readFileSync(join(repo, "LICENSE"), "utf8"));
    expect(readFileSync(join(dir, "README.md"), "utf8")).toContain("](../../README.md)");
  });
});

describe("package.json of the packed packages", () => {
  it("exarp: dependencies are caret ranges over the versions the lockfile pins", () => {
    const deps = pkg("exarp").manifest.dependencies ?? {};
    expect(Object.keys(deps).length).toBeGreaterThan(0);
    for (const [dep, range] of Object.entries(deps))
      expect(range, dep).toBe(`^${lock.packages[`node_modules/${dep}`]?.version}`);
  });

  it("exarp: engines are the Node versions its dependencies support (better-sqlite3's majors, from 20.12)", () => {
    expect(pkg("exarp").manifest.engines).toEqual({ node: ENGINES });
    // The inputs of that range: when either changes, the range above is to be worked out again.
    expect(lock.packages["node_modules/better-sqlite3"]?.engines?.node).toBe("20.x || 22.x || 23.x || 24.x || 25.x");
    expect(lock.packages["node_modules/@clack/prompts"]?.engines?.node).toBe(">= 20.12.0");
  });

  it("opencode-exarp: node-postgres (team mode, loaded by the store's worker) as its only dependency, and the plugin API as a caret peer range", () => {
    const { manifest } = pkg("opencode-exarp");
    expect(manifest.dependencies).toEqual({ pg: pkg("exarp").manifest.dependencies?.pg });
    expect(manifest.peerDependencies).toEqual({ "@opencode-ai/plugin": PEER_RANGE });
    expect(manifest.main).toBe("./dist/index.js");
  });

  it("opencode-exarp: the bundle imports only the peer, Node built-ins and the lazily loaded SQLite drivers", () => {
    const bundle = readFileSync(join(pkg("opencode-exarp").dir, "dist", "index.js"), "utf8");
    const specifiers = new Set(
      [
        ...bundle.matchAll(
          /(?:^|[;\s])(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|\brequire\d*\(["']([^"']+)["']\)/gm,
        ),
      ].map((m) => m[1] ?? m[2]),
    );
    const unexpected = [...specifiers].filter(
      (s) => !(s?.startsWith("node:") || ["@opencode-ai/plugin", "bun:sqlite", "better-sqlite3"].includes(s ?? "")),
    );
    expect(unexpected).toEqual([]);
    expect(specifiers).toContain("@opencode-ai/plugin");
  });
});

describe("the extracted tarballs in use", () => {
  it("compile a strict nodenext TypeScript consumer of both public APIs with no error, and run it", () => {
    writeFileSync(
      join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "es2022",
          types: ["node"],
          outDir: "out",
        },
        files: ["index.ts", "api.ts"],
      }),
    );
    writeFileSync(join(consumer, "api.ts"), API_CONSUMER);
    writeFileSync(
      join(consumer, "index.ts"),
      `import type { Plugin } from "@opencode-ai/plugin";
import { createExarp, type Exarp, ExarpError, initProject, NotFound, openStore, type Status, type Task } from "exarp";
import { ExarpPlugin } from "opencode-exarp";

export const plugin: Plugin = ExarpPlugin;

function plan(exarp: Exarp): string {
  const schema: Task = exarp.tasks.create({ title: "Design the schema", priority: "high", tags: ["db"] });
  const api = exarp.tasks.create({ title: "Invoice API", dependsOn: [schema.id] });
  const status: Status = exarp.tasks.get(api.id).status;
  return [status, exarp.graph.ready().map((t) => t.title).join(",")].join(" ");
}

const memory = createExarp({ store: openStore(":memory:"), actor: { name: "agent:build", session: "ses_1" } });
console.log(plan(memory));
memory.close();

const project = initProject(process.argv[2] ?? ".", { actor: { name: "agent:build", session: "ses_1" } });
console.log(plan(project));
try {
  project.tasks.get("T-none");
} catch (error) {
  console.log(NotFound.is(error) && error instanceof ExarpError ? error.name : "unexpected");
}
project.close();
`,
    );
    const tsc = spawnSync(process.execPath, [TSC, "-p", consumer], { encoding: "utf8", env: childEnv() });
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
    const root = join(work, "library-project");
    mkdirSync(root);
    const run = spawnSync(process.execPath, [join(consumer, "out", "index.js"), root], {
      cwd: consumer,
      encoding: "utf8",
      env: childEnv(),
    });
    expect(run.stderr).toBe("");
    expect(run.stdout.split("\n")).toEqual(["todo Design the schema", "todo Design the schema", "NotFound", ""]);
  });

  it("the exarp library exports exactly the names its index lists", () => {
    const r = spawnSync(
      process.execPath,
      ["--input-type=module", "-e", 'console.log(JSON.stringify(Object.keys(await import("exarp")).sort()))'],
      { cwd: consumer, encoding: "utf8", env: childEnv() },
    );
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual([...RUNTIME_API].sort());
  });

  it("the packed exarp command runs under Node", () => {
    const r = spawnSync(process.execPath, [packedCli(), "--version"], { encoding: "utf8", env: childEnv() });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toContain(pkg("exarp").manifest.version);
  });

  it("the packed plugin loads under Bun and works on a real project (bun:sqlite, zod and the peer inside)", () => {
    const project = join(work, "plugin-project");
    mkdirSync(project);
    git(project, ["init", "-q"]);
    const cli = packedCli();
    const init = spawnSync(process.execPath, [cli, "init"], { cwd: project, encoding: "utf8", env: childEnv() });
    expect(init.status, init.stderr).toBe(0);
    const add = spawnSync(process.execPath, [cli, "add", "Design the schema", "-q"], {
      cwd: project,
      encoding: "utf8",
      env: childEnv(),
    });
    expect(add.status, add.stderr).toBe(0);
    const script = join(consumer, "load-plugin.mjs");
    writeFileSync(
      script,
      `import * as plugin from "opencode-exarp";
const logs = [];
const ok = async () => ({ data: [] });
const client = {
  app: { log: async ({ body }) => { logs.push(body.message); return ok(); }, agents: ok },
  tui: { showToast: ok },
  session: { prompt: ok, promptAsync: ok, summarize: ok },
};
const directory = process.argv[2];
const hooks = await plugin.ExarpPlugin({ client, directory, worktree: directory, project: {}, serverUrl: new URL("http://127.0.0.1"), $: {} });
const ctx = { sessionID: "ses_pack", agent: "build", messageID: "msg_1", abort: new AbortController().signal };
const added = await hooks.tool.exarp_add.execute({ title: "Publish the tarballs" }, ctx);
const board = await hooks.tool.exarp_board.execute({}, ctx);
await hooks.dispose?.();
console.log(JSON.stringify({ exports: Object.keys(plugin), type: typeof plugin.ExarpPlugin, tools: Object.keys(hooks.tool ?? {}), added, board, logs }));
`,
    );
    const r = spawnSync(BUN, [script, project], {
      cwd: consumer,
      encoding: "utf8",
      env: childEnv({ BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0", XDG_CACHE_HOME: join(work, "cache") }),
      timeout: 30_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const seen = JSON.parse(r.stdout) as {
      exports: string[];
      type: string;
      tools: string[];
      added: string;
      board: string;
      logs: string[];
    };
    expect(seen.exports).toEqual(["ExarpPlugin"]);
    expect(seen.type).toBe("function");
    expect(seen.tools).toEqual(expect.arrayContaining(["exarp_board", "exarp_next", "exarp_add"]));
    expect(seen.added).toContain("Publish the tarballs");
    expect(seen.board).toContain("Design the schema");
    expect(seen.board).toContain("Publish the tarballs");
    expect(seen.logs).toContain(`exarp plugin ready on ${project}`);
  });
});
