// Text the model reads: the server's instructions, each tool's description, each resource's, and
// the refusals only this edge gives. It is a prompt: short, precise, true, no filler. Defaults are
// written from their constants, never copied. `tools/list` must stay under 12,000 characters (mcp
// budget test); change the wording here, never the schemas' meaning.
import { DEFAULT_CONTEXT_BUDGET } from "../context/render.ts";
import { DEFAULT_LEASE_TTL_MS } from "../lease/lease.ts";
import type { Scope } from "../token/token.ts";

/** `15 min`, `30 s`, `250 ms`: a default as prose. */
export function duration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

/** Who calls act as: the server's identity unless `as` says (stdio), or a token's, by its scope (remote). */
const ACTS_AS = {
  stdio: (id: string) =>
    `Calls act as ${id} unless they pass as: {agent, session}, which names an agent, never a person.`,
  viewer: (id: string) => `Calls act as ${id}, this viewer token's identity: it reads; every change is refused.`,
  collaborator: (id: string) => `Calls act as ${id}, this collaborator token's identity; no call changes it.`,
  owner: (id: string) =>
    `Calls act as ${id}, this owner token's identity, a person: approval action=approve or deny decides a review someone else asked for.`,
} as const;

/**
 * Sent once at initialize; clients put it ahead of the tool list. `identity` is who calls act as;
 * `scope` the token's, when the server acts for one (remote MCP).
 */
export function instructions(identity: string, scope?: Scope): string {
  return `exarp is this repository's shared task board for agents and people.
Work loop: prime (your context) → tasks ready/next → claim (a lease: while it is live nobody else can change the task; pass its token as \`lease\` on writes) → work → task_status to=review, or approval action=request to wait → stop. A person (user:…) decides: approved is done; denied comes back in_progress with the reason as a comment. No agent approves or denies, its own work or anyone's.
${ACTS_AS[scope ?? "stdio"](identity)}
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
  approval: (waitMs: number, decides: keyof typeof DECIDES) =>
    `The review gate. action: request (taskId; timeoutMs, default ${duration(waitMs)}; lease): move your in_progress task to review (or wait on one already there) and wait for a person's decision: approved (done), denied (back to in_progress, the reason as a comment) or timeout (recorded, not a denial; the task stays in review) · list (tasks waiting for a decision)${DECIDES[decides]}`,
  history:
    "The change log. action: list (events oldest first; after: a seq cursor, for only what happened since; taskId; limit) · undo (seq: revert the change holding that event, anyone's; without seq, your own latest change; refused while later changes build on it or someone else holds the task's lease).",
  prime: `Your task context, within a byte budget: your leased and in-review tasks first, then ready work, then counts. role: build (default), plan (adds waves and critical path) or review (adds approvals waiting). budget: bytes (default ${DEFAULT_CONTEXT_BUDGET}). ready: how many ready tasks.`,
} as const;

/** Who decides a review, as the approval tool says it: the CLI (stdio), an owner token, or the caller (an owner). */
const DECIDES = {
  cli: ". Only a person decides, through exarp's CLI, never through this server.",
  ownerToken: ". Only a person decides: with an owner token, the dashboard or exarp's CLI.",
  caller:
    " · approve (taskId; note) / deny (taskId, reason): decide a review someone else asked for: approve makes it done; deny sends it back to in_progress with the reason as a comment.",
} as const;

export const RESOURCE_TEXT = {
  ready: "Tasks ready to start now, best first (JSON). Updated when the task board changes.",
  plan: "Execution waves, max parallelism and critical path over unfinished work (JSON).",
  events: (count: number) => `The latest ${count} events of the change log, oldest first (JSON).`,
} as const;

/** What each token scope may do, as a refusal says it. */
const SCOPE_TEXT: Record<Scope, string> = {
  viewer: "only reads",
  collaborator: "changes tasks, but neither decides reviews, undoes others' changes nor breaks others' leases",
  owner: "may do everything",
};

/** Refusals this edge gives before any service runs. */
export const REFUSAL_TEXT = {
  /** `as` naming a person. */
  personAs: "names a person (user:…); this MCP server acts for agents only, and a person decides through exarp's CLI",
  /** The approval tool asked to decide. */
  decide:
    "approve and deny are a person's decision, made through exarp's CLI (exarp approve ID, exarp deny ID --reason …), never through this MCP server; an agent stops at review (action request waits for the decision)",
  /** The approval tool asked to decide over remote MCP, by a token that is not an owner's. */
  decideToken:
    "approve and deny are a person's decision: they need an owner token; an agent stops at review (action request waits for the decision)",
  /** `as` given where calls act as a token's identity. */
  tokenAs: "calls act as this token's identity, which as cannot change; drop as",
  /** A call the token's scope does not allow. */
  scope: (call: string, need: Scope, have: Scope) =>
    `forbidden: ${call} needs the ${need} scope; this token is ${have}: it ${SCOPE_TEXT[have]}; nothing was changed`,
  /** Appended to a Busy refusal. */
  busy: "nothing was changed; call again in a moment",
} as const;
