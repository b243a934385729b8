// A sprint report as Markdown (to paste into an issue or a wiki): every field from the data is made
// one safe line first (no control or bidi character survives), then Markdown's own characters are
// escaped, so a title can neither act on a terminal nor break the page's tables.
import { inline } from "../text/safe.ts";
import type { SprintReport } from "./report.ts";

/** `45s`, `12m`, `2h 05m`, `3d 04h`: a duration the way people read one. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d ${String(h % 24).padStart(2, "0")}h`;
}

/** A UTC time to the minute: `2026-11-27 10:00 UTC`. */
const when = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** One line of data as Markdown text. */
export function md(text: string, max = 80): string {
  return inline(text, max).replace(/[\\`*_[\]<>|#~]/g, (c) => `\\${c}`);
}

const row = (cells: string[]) => `| ${cells.join(" | ")} |`;

function tableOf(header: string[], rows: string[][]): string[] {
  return [row(header), row(header.map(() => "---")), ...rows.map(row)];
}

/** A table of `rows`, or one line saying there are none. */
const tableOr = (header: string[], rows: string[][], empty: string) => (rows.length ? tableOf(header, rows) : [empty]);

/** The whole report as a Markdown document. */
export function reportMarkdown(r: SprintReport): string {
  const state =
    r.state === "open"
      ? `open since ${when(r.startedAt)}`
      : `${when(r.startedAt)} – ${when(r.endedAt as number)}, ended by ${md(r.endedBy ?? "")}`;
  const counts = Object.entries(r.statuses)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s.replace("_", " ")}`)
    .join(", ");
  const out = [
    `# Sprint ${md(r.sprint, 64)}`,
    "",
    ...(r.goal ? [`Goal: ${md(r.goal, 500)}`, ""] : []),
    `${state}; started by ${md(r.startedBy)}${r.tag ? ` with the tasks tagged ${md(r.tag)}` : ""}.`,
    "",
    `${r.taskIds.length} task(s): ${counts}.`,
    "",
    "## Done",
    "",
    `${r.done.length} task(s) done, ${r.velocity.minutes} min of estimates over ${r.velocity.days} day(s): **${r.velocity.perDay} min/day**${r.velocity.unestimated ? ` (${r.velocity.unestimated} without an estimate)` : ""}.`,
    ...(r.cycleTime.count
      ? [
          `Cycle time (in progress → done): median ${duration(r.cycleTime.medianMs as number)}, mean ${duration(r.cycleTime.meanMs as number)}, longest ${duration(r.cycleTime.maxMs as number)}.`,
        ]
      : []),
    "",
    ...tableOr(
      ["Task", "Title", "Estimate", "Done", "Cycle time"],
      r.done.map((d) => [
        md(d.taskId),
        md(d.title, 60),
        d.estimate === null ? "–" : `${d.estimate} min`,
        when(d.doneAt),
        d.cycleTimeMs === null ? "–" : duration(d.cycleTimeMs),
      ]),
      "Nothing done yet.",
    ),
    "",
    "## Waiting for review",
    "",
    ...tableOr(
      ["Task", "Title", "Asked by", "Waiting"],
      r.reviewQueue.map((a) => [md(a.taskId), md(a.title, 60), md(a.requestedBy), duration(a.ageMs)]),
      "Nothing waits for a decision.",
    ),
    "",
    "## Stale leases",
    "",
    ...tableOr(
      ["Task", "Held by", "Idle", "State"],
      r.staleLeases.map((l) => [
        md(l.taskId),
        md(l.session ? `${l.agent}/${l.session}` : l.agent),
        duration(l.idleMs),
        l.expired ? "expired" : "not renewed",
      ]),
      "No stale lease.",
    ),
    "",
    "## Blocked",
    "",
    ...(r.blocked.length
      ? r.blocked.map((b) => `- ${md(b.taskId)} ${md(b.title, 60)}: ${b.reasons.map((x) => md(x, 200)).join("; ")}`)
      : ["Nothing is blocked."]),
    "",
    "## Critical path ahead",
    "",
    r.criticalPath.tasks.length
      ? `${r.criticalPath.total} min (estimates; 1 where missing): ${r.criticalPath.tasks.map((id) => md(id)).join(" → ")}${r.criticalPath.outside.length ? ` (outside the sprint: ${r.criticalPath.outside.map((id) => md(id)).join(", ")})` : ""}`
      : "No unfinished work ahead.",
  ];
  return out.join("\n");
}
