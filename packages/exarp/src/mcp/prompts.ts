// Text the model reads: the server's instructions, each tool's description, each resource's.
// It is a prompt: short, precise, no filler. `tools/list` must stay under 12,000 characters
// (mcp budget test); change the wording here, never the schemas' meaning.

/** Sent once at initialize; clients put it ahead of the tool list. */
export const INSTRUCTIONS = `exarp is this repository's shared task board for agents and people.
Work loop: prime (your context) → tasks ready/next → claim (a lease: while it is live nobody else can change the task; pass its token as \`lease\` on writes) → work → task_status to=review → someone else approves (approval) and the task is done. You cannot approve your own work.
You act as $EXARP_AGENT/$EXARP_SESSION of this server unless a call passes as: {agent, session}.
A refused call (isError) says why and what to do next; read it before retrying.`;

export const TOOL_TEXT = {
  tasks:
    "Read the task board. action: list (open tasks unless status is given; filters status, priority, tags, text, parentId, assignee, limit) · show (id: the full task with comments, dependencies, lease, approval, and why it is not ready) · ready (tags, limit: todo tasks whose blockers are finished, best first, none held by someone else) · next (can, tags: the single best ready task for you; can = tags you can do, * = any).",
  task_write:
    "Create or change tasks. action: create (title; description, priority, tags, parentId, estimate in minutes, assignee, dependsOn) · edit (id and the fields to change; null clears parentId, estimate, assignee) · comment (id, body) · depend / undepend (id waits for blockerId; a cycle is refused and named). expectedVersion: refused if the task changed since you read it. lease: your lease token.",
  task_status:
    "Move a task: todo → in_progress → review → done, plus blocked and cancelled; to=todo reopens. review asks for approval; done needs an approval by someone else (approval tool), so an agent stops at review. Leaving in_progress ends your lease. An illegal move is refused with the moves allowed.",
  claim:
    "Leases: exclusive work on a task, which starts it. action: claim (taskId, or none to take the best ready task: can, tags; ttlMs, default 15 min) · renew (taskId, ttlMs) · release (taskId; force breaks another holder's lease, recorded) · list. A lost race is acquired:false with the holder. Keep lease.token and pass it as lease on writes.",
  plan: "The execution plan over unfinished work: waves of tasks that can run in parallel (wave 0 can start now), max parallelism, the critical path weighted by estimates, and what can never start (cycles, unknown dependencies). cap: at most cap tasks per wave.",
  approval:
    "The review gate. action: list (tasks waiting for a decision) · approve (taskId; note): the task becomes done · deny (taskId, reason): back to in_progress with the reason as a comment · request (taskId; timeoutMs, default 30000): move your in_progress task to review and wait for the decision; a timeout is recorded and is not a denial. Nobody decides on their own request.",
  history:
    "The change log. action: list (events oldest first; after: a seq cursor, for only what happened since; taskId; limit) · undo (seq: revert the change holding that event, default the latest change; refused while later changes build on it).",
  prime:
    "Your task context, within a byte budget: your leased and in-review tasks first, then ready work, then counts. role: build (default), plan (adds waves and critical path) or review (adds approvals waiting). budget: bytes (default 2048). ready: how many ready tasks.",
} as const;

export const RESOURCE_TEXT = {
  ready: "Tasks ready to start now, best first (JSON). Updated when the task board changes.",
  plan: "Execution waves, max parallelism and critical path over unfinished work (JSON).",
  events: "The latest 50 events of the change log, oldest first (JSON).",
} as const;
