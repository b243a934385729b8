import type { Actor, Exarp } from "exarp";
import type { Notifier, Target } from "./notify.ts";
import type { SessionKind, SessionState, Sessions } from "./sessions.ts";
import { decisionNote, leaseNote, userText } from "./text.ts";

type Kind = (s: SessionState) => SessionKind;
type TargetOf = (s: SessionState) => Target | undefined;

/**
 * Tells a primary session, silently, when a person decides on its review (from any process), and
 * the person with a toast. Returns the unsubscribe function.
 */
export function watchDecisions(
  exarp: Exarp,
  sessions: Sessions,
  kindOf: Kind,
  targetOf: TargetOf,
  notifier: Notifier,
): () => void {
  return exarp.bus.subscribe("approval.decided", (m) => {
    const request = exarp.approvals.get(m.payload.requestId);
    const s = request?.requestedSession ? sessions.peek(request.requestedSession) : undefined;
    const target = s && kindOf(s) === "primary" ? targetOf(s) : undefined;
    if (!target) return;
    notifier.note(target, decisionNote(m.payload.taskId, m.payload.outcome, m.actor, m.payload.reason ?? null));
    notifier.alert(
      userText.decided(m.payload.taskId, m.payload.outcome, m.actor),
      m.payload.outcome === "approved" ? "success" : "warning",
    );
  });
}

/** Warns each primary session, once per lease, two minutes before its lease runs out. Returns the stop function. */
export function watchLeases(
  exarp: Exarp,
  sessions: Sessions,
  kindOf: Kind,
  actorOf: (s: SessionState) => Actor,
  targetOf: TargetOf,
  notifier: Notifier,
  everyMs: number,
): () => void {
  const timer = setInterval(() => {
    for (const s of sessions.all()) {
      const target = kindOf(s) === "primary" ? targetOf(s) : undefined;
      if (!target) continue;
      for (const lease of exarp.as(actorOf(s)).leases.mine()) {
        const left = lease.expiresAt - Date.now();
        if (left > 2 * 60_000 || s.warned.has(lease.token)) continue;
        s.warned.add(lease.token);
        notifier.note(target, leaseNote(lease.taskId, Math.max(1, Math.round(left / 60_000))));
      }
    }
  }, everyMs);
  timer.unref?.();
  return () => clearInterval(timer);
}
