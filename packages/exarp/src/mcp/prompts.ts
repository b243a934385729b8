// Text the model reads: the server's instructions, each tool's description, each resource's, and
// the refusals only this edge gives. It is a prompt: short, precise, true, no filler. Defaults are
// written from their constants, never copied. `tools/list` must stay under 12,000 characters (mcp
// budget test); change the wording here, never the schemas' meaning.
import { DEFAULT_CONTEXT_BUDGET } from "../context/render.ts";
import { DEFAULT_LEASE_TTL_MS } from "../lease/lease.ts";

/** `15 min`, `30 s`, `250 ms`: a default as prose. */
export function duration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

/** Sent once at initialize; clients put it ahead of the tool list. `identity` is who calls act as. */
export function instructions(identity: string): string {
  return `exarp is this repository's shared task board for agents and people.
Work loop: prime (your context) → tasks ready/next → claim (a lease: while it is live nobody else can change the task; pass its token as \`lease\` on writes) → work → task_status to=review, or approval action=request to wait → stop. A person (user:…) decides: approved is done; denied comes back in_progress with the reason as a comment. No agent approves or denies, its own work or anyone's.
Calls act as ${identity} unless they pass as: {agent, session}, which names an agent, never a person.
A refused call (isError) says why; read it before retrying. "invalid arguments" means fix the call; "busy" means another process is writing: nothing changed, call again.`;
}

/** What `as` means, in every tool's schema. */
export const AS_TEXT = "act as this agent/session instead of the server's identity; never a person (user:…)";

export const TOOL_TEXT = {
  tasks:
    "Read the task board. action: list (open tasks unless status is given; filters status, priority, tags, text, parentId, assignee, limit) · show (id: the full task with comments, dependencies, lease, approval, and why it is not ready) · ready (tags, limit: todo tasks whose blockers are finished, best first, none held by someone else) · next (can, tags: the single best ready task for you; can = tags you can do, * = any).",
  task_write:
    "Create or change tasks. action: create (title; description, priority, tags, parentId, estimate in minutes, assignee, dependsOn) · edit (id and the fields to change; null clears parentId, estimate, assignee) · comment (id, body) · depend / undepend (id waits for blockerId; a cycle is refused and named). expectedVersion: refused if the task changed since you read it. lease: your lease token.",
  task_status:
    "Move a task: todo → in_progress → review → done, plus blocked and cancelled; to=todo reopens. to=review asks a person for approval, and an agent stops there: only a person moves review → done. Moving to review, done, todo or cancelled ends your lease; blocked keeps it. An illegal move is refused with the moves allowed.",
  claim: `Leases: exclusive work on a task, which starts it. action: claim (taskId, or none to take the best ready task: can, tags; ttlMs, default ${duration(DEFAULT_LEASE_TTL_MS)}) · renew (taskId, ttlMs) · release (taskId; force breaks another holder's lease, recorded) · list. A lost race is acquired:false with the holder. Keep lease.token and pass it as lease on writes. Your calls renew your leases once past half their time.`,
  plan: "The execution plan over unfinished work: waves of tasks that can run in parallel (wave 0 can start now), max parallelism, the critical path weighted by estimates, and what can never start (cycles, unknown dependencies). cap: at most cap tasks per wave.",
  approval: (waitMs: number) =>
    `The review gate. action: request (taskId; timeoutMs, default ${duration(waitMs)}; lease): move your in_progress task to review (or wait on one already there) and wait for a person's decision: approved (done), denied (back to in_progress, the reason as a comment) or timeout (recorded, not a denial; the task stays in review) · list (tasks waiting for a decision). Only a person decides, through exarp's CLI, never through this server.`,
  history:
    "The change log. action: list (events oldest first; after: a seq cursor, for only what happened since; taskId; limit) · undo (seq: revert the change holding that event, anyone's; without seq, your own latest change; refused while later changes build on it or someone else holds the task's lease).",
  prime: `Your task context, within a byte budget: your leased and in-review tasks first, then ready work, then counts. role: build (default), plan (adds waves and critical path) or review (adds approvals waiting). budget: bytes (default ${DEFAULT_CONTEXT_BUDGET}). ready: how many ready tasks.`,
} as const;

export const RESOURCE_TEXT = {
  ready: "Tasks ready to start now, best first (JSON). Updated when the task board changes.",
  plan: "Execution waves, max parallelism and critical path over unfinished work (JSON).",
  events: (count: number) => `The latest ${count} events of the change log, oldest first (JSON).`,
} as const;

/** Refusals this edge gives before any service runs. */
export const REFUSAL_TEXT = {
  /** `as` naming a person. */
  personAs: "names a person (user:…); this MCP server acts for agents only, and a person decides through exarp's CLI",
  /** The approval tool asked to decide. */
  decide:
    "approve and deny are a person's decision, made through exarp's CLI (exarp approve ID, exarp deny ID --reason …), never through this MCP server; an agent stops at review (action request waits for the decision)",
  /** Appended to a Busy refusal. */
  busy: "nothing was changed; call again in a moment",
} as const;
