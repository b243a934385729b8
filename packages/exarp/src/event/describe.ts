import { inline } from "../text/safe.ts";
import type { StoredEvent } from "./catalog.ts";

const label = (status: string) => status.replace("_", " ");

/** One short line saying what an event did, for people and for agent context (an undo says which change it undid). */
export function describeEvent(e: StoredEvent): string {
  const what = inline(describe(e));
  return e.undoes === null ? what : `${what} (undo of #${e.undoes})`;
}

function describe(e: StoredEvent): string {
  switch (e.type) {
    case "task.created":
      return `${e.payload.task.id} created: ${e.payload.task.title}`;
    case "task.edited":
      return `${e.payload.taskId} edited: ${Object.keys(e.payload.changes).join(", ")}`;
    case "task.status_changed":
      return `${e.payload.taskId} ${label(e.payload.from)} → ${label(e.payload.to)}${e.payload.reason ? ` (${e.payload.reason})` : ""}`;
    case "task.deleted":
      return `${e.payload.taskId} removed`;
    case "dependency.added":
      return `${e.payload.taskId} now depends on ${e.payload.blockerId}`;
    case "dependency.removed":
      return `${e.payload.taskId} no longer depends on ${e.payload.blockerId}`;
    case "comment.added":
      return `${e.payload.taskId} comment: ${inline(e.payload.body, 80)}`;
    case "comment.removed":
      return `${e.payload.taskId} comment ${e.payload.commentId} removed`;
    case "lease.acquired":
      return `${e.payload.taskId} claimed by ${who(e.payload.agent, e.payload.session)} (lease #${e.seq})`;
    case "lease.renewed":
      return `${e.payload.taskId} lease #${e.payload.token} renewed`;
    case "lease.released":
      return `${e.payload.taskId} lease #${e.payload.token} released${e.payload.reason === "released" ? "" : ` (${e.payload.reason})`}`;
    case "lease.expired":
      return `${e.payload.taskId} lease #${e.payload.token} of ${who(e.payload.agent, e.payload.session)} expired`;
    case "approval.requested":
      return `${e.payload.taskId} approval requested (#${e.seq})`;
    case "approval.decided":
      return `${e.payload.taskId} ${e.payload.outcome}${e.payload.reason ? `: ${inline(e.payload.reason, 80)}` : ""}`;
    case "approval.timed_out":
      return `${e.payload.taskId} approval #${e.payload.requestId} timed out after ${Math.round(e.payload.waitedMs / 1000)} s`;
    case "approval.withdrawn":
      return `${e.payload.taskId} approval #${e.payload.requestId} withdrawn (${e.payload.reason})`;
    case "token.created":
      return `token ${e.payload.tokenId} created: ${e.payload.scope} for ${e.payload.identity} (${inline(e.payload.name, 60)})`;
    case "token.revoked":
      return `token ${e.payload.tokenId} revoked`;
    case "sprint.started":
      return `sprint ${e.payload.sprint} started with ${e.payload.taskIds.length} task(s)`;
    case "sprint.ended":
      return `sprint ${e.payload.sprint} ended`;
    case "runner.session_started":
      return `${e.payload.taskId} run by ${e.payload.runner} in session ${e.payload.session} (attempt ${e.payload.attempt})`;
    case "runner.session_finished":
      return `${e.payload.taskId} session ${e.payload.session} of ${e.payload.runner} finished`;
    case "runner.session_retried":
      return `${e.payload.taskId} session ${e.payload.session} failed (attempt ${e.payload.attempt}), retried: ${inline(e.payload.error, 80)}`;
    case "runner.session_abandoned":
      return `${e.payload.taskId} abandoned by ${e.payload.runner}: ${inline(e.payload.error, 80)}`;
  }
}

const who = (agent: string, session: string | null) => (session ? `${agent}/${session}` : agent);
