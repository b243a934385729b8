import type { SprintCheck } from "../../sprint/check.ts";
import { duration, reportMarkdown } from "../../sprint/markdown.ts";
import type { SprintReport } from "../../sprint/report.ts";
import type { SprintRecord } from "../../sprint/sprint.ts";
import { inline, safeJson } from "../../text/safe.ts";
import { type CliContext, type CliResult, type CliRun, int, str, UsageError } from "../command.ts";
import { EXIT } from "../exit-codes.ts";
import { table, time } from "../render.ts";

/** The longest `--stale-after`: a week (what the service takes). */
const MAX_STALE_MINUTES = 7 * 24 * 60;

const ACTIONS = ["start", "end", "report", "check", "list"] as const;
type Action = (typeof ACTIONS)[number];

/** The options each action takes; any other given is refused, not ignored. */
const TAKES: Record<Action, readonly string[]> = {
  start: ["tag", "goal"],
  end: [],
  report: ["format", "stale-after"],
  check: ["tag"],
  list: [],
};

function checkOptions(ctx: CliContext, action: Action): void {
  const wrong = ["tag", "goal", "format", "stale-after"].filter(
    (o) => ctx.values[o] !== undefined && !TAKES[action].includes(o),
  );
  if (wrong.length) throw new UsageError(`sprint ${action} takes no ${wrong.map((o) => `--${o}`).join(", ")}`);
}

/** The arguments after the action: at most `max`, each shown safely when refused. */
function rest(ctx: CliContext, action: Action, max: number, usage: string): string[] {
  const args = ctx.args.slice(1);
  if (args.length > max)
    throw new UsageError(
      `unexpected argument ${JSON.stringify(inline(args[max] as string, 40))}; usage: exarp sprint ${action}${usage}`,
    );
  return args;
}

/** A tag, or the task ids given: never both (the service says so too, for every other caller). */
function selection(ctx: CliContext, ids: string[]): { tag?: string; taskIds?: string[] } {
  const tag = str(ctx.values, "tag");
  if (tag !== undefined && ids.length) throw new UsageError("give --tag or task IDs, not both");
  if (tag === undefined && !ids.length) throw new UsageError("give --tag TAG or task IDs");
  return tag === undefined ? { taskIds: ids } : { tag };
}

const sprintLine = (s: SprintRecord) =>
  `sprint ${inline(s.name)} (${s.taskIds.length} task(s)${s.tag ? `, tagged ${inline(s.tag)}` : ""})`;

function start(ctx: CliContext): CliResult {
  const [name, ...ids] = rest(ctx, "start", 1001, " NAME [ID…]");
  if (name === undefined) throw new UsageError("missing arguments; usage: exarp sprint start NAME [--tag TAG | ID…]");
  const started = ctx.exarp().sprints.start({ name, ...selection(ctx, ids), goal: str(ctx.values, "goal") });
  return {
    data: { sprint: started },
    text: [`started ${sprintLine(started)} at ${time(started.startedAt)}`, started.taskIds.join(" ")].join("\n"),
  };
}

function end(ctx: CliContext): CliResult {
  const [name] = rest(ctx, "end", 1, " [NAME]");
  const ended = ctx.exarp().sprints.end({ name });
  return {
    data: { sprint: ended },
    text: `ended ${sprintLine(ended)} after ${duration((ended.endedAt as number) - ended.startedAt)}`,
  };
}

function list(ctx: CliContext): CliResult {
  rest(ctx, "list", 0, "");
  const sprints = ctx.exarp().sprints.list();
  if (!sprints.length) return { data: { sprints }, text: "no sprints" };
  const rows = sprints.map((s) => [
    inline(s.name),
    String(s.taskIds.length),
    time(s.startedAt),
    s.endedAt === null ? "open" : time(s.endedAt),
    inline(s.goal ?? "", 60),
  ]);
  return { data: { sprints }, text: table(["SPRINT", "TASKS", "STARTED", "ENDED", "GOAL"], rows) };
}

function check(ctx: CliContext): CliResult {
  const ids = rest(ctx, "check", 1000, " [--tag TAG | ID…]");
  const result = ctx.exarp().sprints.check(selection(ctx, ids));
  return { data: { check: result }, text: checkText(result), exitCode: result.ok ? EXIT.ok : EXIT.domain };
}

function checkText(c: SprintCheck): string {
  const head = `${c.taskIds.length} task(s)${c.tag ? ` tagged ${inline(c.tag)}` : ""}`;
  if (c.ok) return `${head}: no cycles, unknown dependencies or missing estimates; the sprint can start`;
  return [`${head}: ${c.problems.length} problem(s)`, ...c.problems.map((p) => `  ${inline(p)}`)].join("\n");
}

function report(ctx: CliContext): CliResult {
  const [name] = rest(ctx, "report", 1, " [NAME]");
  const format = str(ctx.values, "format") ?? "text";
  if (!["text", "md", "json"].includes(format))
    throw new UsageError(`--format takes text, md or json, not ${JSON.stringify(inline(format, 40))}`);
  const minutes = int(ctx.values, "stale-after");
  if (minutes !== undefined && (minutes < 1 || minutes > MAX_STALE_MINUTES))
    throw new UsageError(`--stale-after takes 1 to ${MAX_STALE_MINUTES} minutes, not ${minutes}`);
  const result = ctx
    .exarp()
    .sprints.report({ name, staleAfterMs: minutes === undefined ? undefined : minutes * 60_000 });
  const data = { report: result };
  if (format === "json") return { data, text: safeJson(data, 2), raw: true };
  return { data, text: format === "md" ? reportMarkdown(result) : reportText(result) };
}

function reportText(r: SprintReport): string {
  const out = [
    `sprint ${inline(r.sprint)}  ${r.state === "open" ? "open" : `ended ${time(r.endedAt as number)}`}  started ${time(r.startedAt)} by ${inline(r.startedBy)}`,
    ...(r.goal ? [`goal: ${inline(r.goal)}`] : []),
    `tasks: ${r.taskIds.length} (${Object.entries(r.statuses)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${n} ${s.replace("_", " ")}`)
      .join(", ")})`,
    `done: ${r.done.length} · velocity ${r.velocity.perDay} min/day (${r.velocity.minutes} min over ${r.velocity.days} day(s)${r.velocity.unestimated ? `, ${r.velocity.unestimated} without estimate` : ""})`,
  ];
  if (r.cycleTime.count)
    out.push(
      `cycle time: median ${duration(r.cycleTime.medianMs as number)} · mean ${duration(r.cycleTime.meanMs as number)} · max ${duration(r.cycleTime.maxMs as number)}`,
    );
  for (const d of r.done)
    out.push(
      `  ${inline(d.taskId)}  ${d.estimate ?? "-"} min  ${d.cycleTimeMs === null ? "-" : duration(d.cycleTimeMs)}  ${inline(d.title, 60)}`,
    );
  out.push("", `review queue: ${r.reviewQueue.length}`);
  for (const a of r.reviewQueue)
    out.push(
      `  ${inline(a.taskId)}  waiting ${duration(a.ageMs)}  asked by ${inline(a.requestedBy)}  ${inline(a.title, 50)}`,
    );
  out.push(`stale leases: ${r.staleLeases.length}`);
  for (const l of r.staleLeases)
    out.push(
      `  ${inline(l.taskId)}  ${inline(l.session ? `${l.agent}/${l.session}` : l.agent)}  ${l.expired ? "expired" : "not renewed"}, idle ${duration(l.idleMs)}`,
    );
  out.push(`blocked: ${r.blocked.length}`);
  for (const b of r.blocked) out.push(`  ${inline(b.taskId)}  ${b.reasons.map((x) => inline(x)).join("; ")}`);
  out.push(
    r.criticalPath.tasks.length
      ? `critical path ahead (${r.criticalPath.total} min): ${r.criticalPath.tasks.map((id) => inline(id)).join(" → ")}`
      : "critical path ahead: nothing unfinished",
  );
  return out.join("\n");
}

export const sprint: CliRun = (ctx) => {
  const action = ctx.args[0] as string;
  if (!(ACTIONS as readonly string[]).includes(action))
    throw new UsageError(`sprint takes start, end, report, check or list, not ${JSON.stringify(inline(action, 40))}`);
  const a = action as Action;
  checkOptions(ctx, a);
  if (a === "start") return start(ctx);
  if (a === "end") return end(ctx);
  if (a === "check") return check(ctx);
  if (a === "list") return list(ctx);
  return report(ctx);
};
