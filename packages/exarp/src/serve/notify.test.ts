// `exarp serve`'s review notifications over a real project, with a notifier that records.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { until } from "../../test/support/expect.ts";
import { tempDir } from "../../test/support/temp.ts";
import { initProject } from "../app/project.ts";
import type { Notification } from "../notify/command.ts";
import type { Notifier } from "../notify/notifier.ts";
import { notifiesReviews, notifyReviews, reviewNotification } from "./notify.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

/** A notifier that shows nothing and keeps what it was given. */
function recording() {
  const shown: Notification[] = [];
  const notifier: Notifier = {
    notify: async (n) => {
      shown.push(n);
      return { sent: true };
    },
  };
  return { shown, notifier };
}

function setup() {
  const root = tempDir();
  const exarp = initProject(root, { actor: { name: "user:ana", session: null } });
  cleanups.push(() => exarp.close());
  const { shown, notifier } = recording();
  const watcher = notifyReviews(exarp, notifier, { watchDir: join(root, ".exarp"), self: "user:ana" });
  cleanups.push(() => watcher.close());
  const agent = exarp.as({ name: "agent:build", session: "ses_1" });
  const toReview = (title: string) => {
    const task = exarp.tasks.create({ title });
    agent.leases.claim({ taskId: task.id });
    agent.tasks.setStatus({ id: task.id, to: "review" });
    return task.id;
  };
  return { exarp, shown, toReview };
}

describe("review notifications", () => {
  it("one notification for a task moved to review, naming it and who asked", async () => {
    const { shown, toReview } = setup();
    const id = toReview("Fix the parser");
    await until(() => shown.length > 0);
    expect(shown).toEqual([
      { title: `exarp: ${id} waits for your review`, body: '"Fix the parser" asked by agent:build', urgency: "normal" },
    ]);
  });

  it("one notification for requests committed together; none for other events or the serving person's own", async () => {
    const { exarp, shown, toReview } = setup();
    const mine = exarp.tasks.create({ title: "Mine" });
    exarp.tasks.setStatus({ id: mine.id, to: "in_progress" });
    exarp.tasks.setStatus({ id: mine.id, to: "review" });
    const a = toReview("A");
    const b = toReview("B");
    await until(() => shown.length > 0);
    await new Promise((r) => setTimeout(r, 300));
    expect(shown).toEqual([
      { title: "exarp: 2 tasks wait for your review", body: `${a} "A" · ${b} "B"`, urgency: "normal" },
    ]);
  });

  it("says nothing of requests made before it started, and stops when closed", async () => {
    const root = tempDir();
    const exarp = initProject(root, { actor: { name: "user:ana", session: null } });
    cleanups.push(() => exarp.close());
    const agent = exarp.as({ name: "agent:build", session: "ses_1" });
    const old = exarp.tasks.create({ title: "old" });
    agent.leases.claim({ taskId: old.id });
    agent.tasks.setStatus({ id: old.id, to: "review" });
    const { shown, notifier } = recording();
    const watcher = notifyReviews(exarp, notifier);
    await new Promise((r) => setTimeout(r, 300));
    watcher.close();
    const late = exarp.tasks.create({ title: "late" });
    agent.leases.claim({ taskId: late.id });
    agent.tasks.setStatus({ id: late.id, to: "review" });
    await new Promise((r) => setTimeout(r, 300));
    expect(shown).toEqual([]);
  });

  it("words a request whose task is gone by its id alone", () => {
    expect(reviewNotification([])).toBeUndefined();
    expect(reviewNotification([{ taskId: "T-1", title: undefined, requestedBy: "agent:x" }])?.body).toBe(
      "asked by agent:x",
    );
  });
});

describe("when exarp serve notifies", () => {
  const base = { optedOut: false, enabled: true, explicit: false, loopback: true, terminal: true };
  it("by default: served locally from a terminal", () => {
    expect(notifiesReviews(base)).toBe(true);
    expect(notifiesReviews({ ...base, terminal: false })).toBe(false);
    expect(notifiesReviews({ ...base, loopback: false })).toBe(false);
  });
  it("always when notify.enabled is set true; never with --no-notify or notify.enabled false", () => {
    expect(notifiesReviews({ ...base, explicit: true, terminal: false, loopback: false })).toBe(true);
    expect(notifiesReviews({ ...base, explicit: true, optedOut: true })).toBe(false);
    expect(notifiesReviews({ ...base, enabled: false, explicit: true })).toBe(false);
  });
});
