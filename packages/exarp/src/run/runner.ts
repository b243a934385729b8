import type { Exarp, Services } from "../app/exarp.ts";
import type { StoredEvent } from "../event/catalog.ts";
import { placeTasks } from "../graph/placement.ts";
import { backoffMs, CONTINUE_PROMPT, resultComment, taskPrompt } from "../runner/prompt.ts";
import type { RunnerTaskState } from "../runner/state.ts";
import { commitWorktree, diffSummary, removeWorktree, type Worktree } from "../runner/worktree.ts";
import { MAX_COMMENT } from "../task/task.ts";
import { inline } from "../text/safe.ts";
import { cleanUpFinished, removeLeftoverWorktrees } from "./cleanup.ts";
import { type OpenCodeClient, type OpenCodeEvent, type PromptOptions, turnResult } from "./opencode.ts";
import type { Progress } from "./progress.ts";
import { createEventStreams } from "./streams.ts";
import { worktreeFor } from "./worktrees.ts";

export type RunnerOptions = {
  exarp: Exarp;
  /** The runner's agent identity: the holder of every lease it takes (default agent:runner). */
  identity: string;
  /** The project root: OpenCode's directory for sessions without a worktree; the git repository for worktrees. */
  root: string;
  /** The project's `.exarp/`, watched for other processes' commits. */
  watchDir: string | undefined;
  opencode: OpenCodeClient;
  /** Capability tags per slot (`*`: anything); as many slots as entries. */
  slots: string[][];
  /** Most sessions at once. */
  max: number;
  prompt: PromptOptions;
  worktree: boolean;
  /** An attempt running longer is aborted and counts as failed. */
  timeoutMs: number | undefined;
  untilIdle: boolean;
  /** Attempts per task before it is blocked. */
  attempts: number;
  retryDelayMs: number;
  /** The length of the leases it takes, renewed at a third of it. */
  leaseTtlMs: number;
  report: (progress: Progress) => void;
  /**
   * The OpenCode session that started the runner (`/run`): it gets one quiet note per finished task,
   * and the TUI a toast when a wave is done or a task is blocked, as the seed's background agents do.
   */
  reportTo: string | undefined;
  /** Wakes a person: a wave done (its tasks wait for review), a task blocked. */
  alert: (title: string, body: string, urgency: "normal" | "critical") => void;
  signal: AbortSignal;
};

type Active = {
  taskId: string;
  title: string;
  slot: number;
  session: string;
  attempt: number;
  directory: string;
  worktree: Worktree | undefined;
  startedAt: number;
  promptedAt: number;
  error: string | undefined;
  /** A permission the runner refused this attempt, if any. */
  refused: string | undefined;
  settling: boolean;
};

type Waiting = { taskId: string; title: string; slot: number; attempt: number; retryAt: number };

const TICK_MS = 1_000;

/** `exarp run`: works the ready set with OpenCode sessions until stopped (or idle, with untilIdle). */
export async function runRunner(o: RunnerOptions): Promise<{ finished: string[]; blocked: string[] }> {
  const { exarp, identity, opencode } = o;
  const active = new Map<string, Active>();
  const waiting = new Map<string, Waiting>();
  const unplaced = new Map<string, string>();
  const recent = new Map<number, string[]>();
  const finished: string[] = [];
  const blocked: string[] = [];
  const ttl = o.leaseTtlMs;
  let lastRenew = Date.now();
  let waveStarted = false;
  let queue: Promise<void> = Promise.resolve();
  let stopped = false;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });

  const as = (session: string): Services => exarp.as({ name: identity, session });
  const now = () => exarp.store.clock.now();
  const emit = (kind: Progress["kind"], a: { taskId: string; title: string }, extra: Partial<Progress> = {}) =>
    o.report({ kind, taskId: a.taskId, title: a.title, at: Date.now(), ...extra });
  const describe = (error: unknown) => inline(error instanceof Error ? error.message : String(error), 1000);

  /** Every change of state runs one at a time, in order. */
  const serial = (what: string, step: () => Promise<void> | void) => {
    queue = queue
      .then(step)
      .catch((error) => o.report({ kind: "error", taskId: "", title: what, at: Date.now(), error: describe(error) }));
    return queue;
  };

  const streams = createEventStreams(opencode, {
    onEvent: (event) => onOpenCodeEvent(event),
    // Events may have been missed while the stream was down: ask about every session there.
    onGap: (directory) => {
      for (const a of active.values()) if (a.directory === directory) serial("check", () => check(a));
    },
  });
  // The project's own stream stays: most tasks' sessions are there, and reopening one costs ~20 ms.
  const closeUnusedStreams = () => streams.keepOnly(new Set([o.root, ...[...active.values()].map((a) => a.directory)]));

  const answered = new Set<string>();
  const bySession = (session: unknown) => [...active.values()].find((a) => a.session === session);

  function onOpenCodeEvent(event: OpenCodeEvent): void {
    const p = event.properties;
    const a = bySession(p.sessionID);
    if (!a) return;
    // OpenCode said it is idle: no need to ask again before reading its messages.
    if (event.type === "session.idle") serial("check", () => check(a, true));
    else if (event.type === "session.status" && (p.status as { type?: string } | undefined)?.type === "idle")
      serial("check", () => check(a, true));
    else if (event.type === "session.error") {
      const error = p.error as { name?: string; data?: { message?: string } } | undefined;
      a.error = error?.data?.message ?? error?.name ?? "the session failed";
    } else if (event.type === "permission.asked" || event.type === "permission.updated")
      serial("permission", () => refusePermission(a, p));
  }

  /** The policy for a runner session's permission requests: refuse, and record it on the task. */
  async function refusePermission(a: Active, p: Record<string, unknown>): Promise<void> {
    const id = String(p.id ?? "");
    if (!id || answered.has(id)) return;
    answered.add(id);
    await opencode.replyPermission(a.directory, a.session, id, "reject");
    const what = inline(String(p.permission ?? p.type ?? "a permission"), 60);
    const patterns = [p.patterns ?? p.pattern].flat().filter((x) => typeof x === "string") as string[];
    const detail = patterns.length ? ` (${inline(patterns.join(", "), 200)})` : "";
    a.refused = `${what}${detail}`;
    as(a.session).runs.note(a.taskId, `The runner refused session ${a.session} permission to ${what}${detail}.`);
    emit("permission_refused", a, { session: a.session, error: `${what}${detail}` });
  }

  /** Whether a session's turn ended, and how: its result recorded, or the attempt failed. */
  async function check(a: Active, idle = false): Promise<void> {
    if (active.get(a.taskId) !== a || a.settling) return;
    if (!idle && (await opencode.busySessions(a.directory)).has(a.session)) {
      // A request whose event was missed (a stream that dropped) waits here: answered all the same.
      for (const p of await opencode.pendingPermissions(a.directory))
        if (p.sessionID === a.session) await refusePermission(a, p);
      return;
    }
    const turn = turnResult(await opencode.messages(a.directory, a.session));
    if (!turn.done && !a.error) return;
    // A turn that a refused permission ended is not retried: it would ask again. A person decides.
    if ((turn.error || a.error || turn.cutShort) && a.refused)
      return fail(a, `the session stopped after the runner refused it permission to ${a.refused}`, false);
    if (turn.error || a.error) return fail(a, turn.error ?? (a.error as string));
    return finish(a, turn.text);
  }

  async function finish(a: Active, text: string): Promise<void> {
    a.settling = true;
    let branch: { branch: string; summary: string } | undefined;
    if (a.worktree) {
      await commitWorktree(a.worktree.path, `exarp: ${a.taskId} ${a.title}`);
      const diff = await diffSummary(a.worktree.path, a.worktree.baseCommit);
      branch = { branch: a.worktree.branch, summary: diff.text };
    }
    try {
      as(a.session).runs.finish(a.taskId, resultComment(a.session, text, branch, MAX_COMMENT));
      finished.push(a.taskId);
      emit("finished", a, { session: a.session, attempt: a.attempt, slot: a.slot });
      tellParent(`[exarp run] ${a.taskId} finished and waits for a person's review: ${inline(a.title, 120)}`);
    } catch (error) {
      emit("lost", a, { session: a.session, error: describe(error) });
    }
    release(a);
  }

  async function fail(a: Active, error: string, retry = true): Promise<void> {
    a.settling = true;
    const services = as(a.session);
    try {
      if (retry && a.attempt < o.attempts) {
        const retryAt = now() + backoffMs(a.attempt, o.retryDelayMs);
        services.runs.retry(a.taskId, { attempt: a.attempt, error, retryAt });
        waiting.set(a.taskId, { taskId: a.taskId, title: a.title, slot: a.slot, attempt: a.attempt, retryAt });
        emit("retrying", a, { session: a.session, attempt: a.attempt, error, retryAt });
      } else {
        services.runs.abandon(a.taskId, `${error} (after ${a.attempt} attempts)`);
        blocked.push(a.taskId);
        emit("blocked", a, { session: a.session, attempt: a.attempt, error });
        wake(`exarp: ${a.taskId} is blocked`, `${a.title}: ${error}`, "critical");
      }
    } catch (e) {
      emit("lost", a, { session: a.session, error: describe(e) });
    }
    release(a);
    await opencode.deleteSession(a.directory, a.session).catch(() => undefined);
  }

  /** A quiet note to the session that started the runner, if any; never awaited, failures ignored. */
  function tellParent(text: string): void {
    if (o.reportTo) void opencode.note(o.root, o.reportTo, text).catch(() => undefined);
  }
  /** A waking note: the TUI's toast (with a parent session) and the desktop notification. */
  function wake(title: string, body: string, urgency: "normal" | "critical"): void {
    if (o.reportTo)
      void opencode
        .toast(o.root, `${title}: ${body}`, urgency === "critical" ? "error" : "success")
        .catch(() => undefined);
    o.alert(title, body, urgency);
  }

  function release(a: Active): void {
    active.delete(a.taskId);
    closeUnusedStreams();
    kick();
  }

  /** Starts attempt `attempt` of a task in `slot`: worktree, session, claim (recorded), prompt. */
  async function start(taskId: string, slot: number, attempt: number): Promise<void> {
    const task = exarp.tasks.get(taskId);
    let worktree: Worktree | undefined;
    try {
      worktree = o.worktree ? await worktreeFor(o.root, task, exarp) : undefined;
    } catch (error) {
      // Its blockers' branches do not merge (or git refused): a person sorts it out; it is not retried.
      exarp.as({ name: identity, session: null }).runs.abandon(taskId, `no worktree: ${describe(error)}`);
      blocked.push(taskId);
      emit("blocked", { taskId, title: task.title }, { attempt, error: describe(error) });
      wake(`exarp: ${taskId} is blocked`, `${task.title}: ${describe(error)}`, "critical");
      return;
    }
    const directory = worktree?.path ?? o.root;
    const session = await opencode.createSession(directory, `exarp ${task.id}: ${inline(task.title, 80)}`);
    const services = as(session);
    try {
      services.runs.start(taskId, { attempt, worktree: worktree?.path ?? null, branch: worktree?.branch ?? null }, ttl);
    } catch (error) {
      // Someone else took it meanwhile: nothing of this attempt stays (the branch keeps any earlier work).
      await opencode.deleteSession(directory, session).catch(() => undefined);
      if (worktree && attempt === 1) await removeWorktree(o.root, taskId);
      emit("skipped", { taskId, title: task.title }, { error: describe(error) });
      return;
    }
    const at = Date.now();
    const a: Active = {
      taskId,
      title: task.title,
      slot,
      session,
      attempt,
      directory,
      worktree,
      startedAt: at,
      promptedAt: at,
      error: undefined,
      refused: undefined,
      settling: false,
    };
    active.set(taskId, a);
    recent.set(slot, [taskId, ...(recent.get(slot) ?? [])].slice(0, 5));
    await streams.open(directory);
    waveStarted = true;
    emit("started", a, { session, attempt, slot, worktree: worktree?.path, branch: worktree?.branch });
    const unblocks = task.dependents.map((id) => ({ id, title: exarp.tasks.find(id)?.title ?? "" }));
    try {
      await opencode.prompt(
        directory,
        session,
        taskPrompt(task, { worktree: worktree?.path ?? null, unblocks }),
        o.prompt,
      );
    } catch (error) {
      await fail(a, describe(error));
    }
  }

  /** A restarted runner takes its own live leases back: the same session when it still exists. */
  async function adopt(): Promise<void> {
    const states = new Map(exarp.runs.of(identity).map((s) => [s.taskId, s]));
    const mine = exarp.leases.list().filter((l) => l.live && l.agent === identity);
    let slot = 0;
    for (const lease of mine) {
      const state = states.get(lease.taskId);
      const title = exarp.tasks.find(lease.taskId)?.title ?? "";
      if (!state) continue;
      if (state.state === "retrying") {
        waiting.set(lease.taskId, {
          taskId: lease.taskId,
          title,
          slot: slot++ % Math.max(1, o.slots.length),
          attempt: state.attempt,
          retryAt: state.retryAt ?? now(),
        });
        continue;
      }
      if (state.state === "running" && state.session === lease.session)
        await adoptSession(state, title, slot++ % Math.max(1, o.slots.length));
    }
  }

  async function adoptSession(state: RunnerTaskState, title: string, slot: number): Promise<void> {
    const session = state.session as string;
    const directory = state.worktree ?? o.root;
    const at = Date.now();
    const a: Active = {
      taskId: state.taskId,
      title,
      slot,
      session,
      attempt: state.attempt,
      directory,
      // The same worktree, its recorded base commit included (preparing an existing one adopts it).
      worktree: state.worktree ? await worktreeFor(o.root, exarp.tasks.get(state.taskId), exarp) : undefined,
      startedAt: at,
      promptedAt: at,
      error: undefined,
      refused: undefined,
      settling: false,
    };
    active.set(a.taskId, a);
    await streams.open(directory);
    emit("adopted", a, { session, attempt: a.attempt, slot });
    if (!(await opencode.hasSession(directory, session))) return fail(a, `session ${session} is gone from OpenCode`);
    if ((await opencode.busySessions(directory)).has(session)) return;
    const turn = turnResult(await opencode.messages(directory, session));
    if (turn.done && !turn.cutShort) return turn.error ? fail(a, turn.error) : finish(a, turn.text);
    // Cut short (its OpenCode stopped with the runner): the same session goes on.
    await opencode.prompt(directory, session, CONTINUE_PROMPT, o.prompt);
  }

  /** Fills free slots with ready tasks by the placement filters; reports what cannot be placed. */
  async function schedule(): Promise<void> {
    if (stopped) return;
    const at = now();
    for (const w of waiting.values())
      if (w.retryAt <= at && active.size < o.max) {
        waiting.delete(w.taskId);
        await start(w.taskId, w.slot, w.attempt + 1);
      }
    const busy = new Set([...active.values(), ...waiting.values()].map((a) => a.slot));
    const room = o.max - active.size - waiting.size;
    const ready = room > 0 ? exarp.graph.ready({}).filter((t) => !active.has(t.id) && !waiting.has(t.id)) : [];
    if (ready.length) {
      const agents = o.slots.map((can, i) => ({
        name: String(i),
        can,
        load: busy.has(i) ? 1 : 0,
        recent: recent.get(i) ?? [],
      }));
      const placement = placeTasks(
        exarp.graph.graph(),
        ready.map((t) => t.id),
        agents,
      );
      for (const { taskId, reason } of placement.unplaced) {
        if (unplaced.get(taskId) === reason || reason.startsWith("every agent able")) continue;
        unplaced.set(taskId, reason);
        emit("unplaced", { taskId, title: exarp.tasks.find(taskId)?.title ?? "" }, { error: reason });
      }
      for (const { taskId, agent } of placement.assignments.slice(0, room)) await start(taskId, Number(agent), 1);
    }
    if (active.size === 0 && waiting.size === 0) {
      if (waveStarted) {
        waveStarted = false;
        o.report({ kind: "idle", taskId: "", title: "", at: Date.now() });
        wake("exarp: the wave is done", summary(), "normal");
      }
      if (o.untilIdle && !placeableReady()) stop();
    }
  }

  const placeableReady = () =>
    exarp.graph.ready({}).some((t) => !unplaced.has(t.id) && !active.has(t.id) && !waiting.has(t.id));
  /** What the wave leaves for a person: the tasks waiting for review now, and the blocked ones. */
  const summary = () => {
    const review = finished.filter((id) => exarp.tasks.find(id)?.status === "review");
    const waits = review.length ? `${review.join(", ")} wait${review.length === 1 ? "s" : ""} for your review` : "";
    const stuck = blocked.length ? `${blocked.join(", ")} blocked` : "";
    return [waits, stuck].filter(Boolean).join("; ") || "nothing waits for you";
  };

  async function cleanUp(events: readonly StoredEvent[]): Promise<void> {
    for (const taskId of await cleanUpFinished(events, o))
      o.report({ kind: "cleaned", taskId, title: exarp.tasks.find(taskId)?.title ?? "", at: Date.now() });
  }

  /** Renews the leases of working and waiting tasks at a third of their length. */
  function renew(): void {
    if (Date.now() - lastRenew < ttl / 3) return;
    lastRenew = Date.now();
    for (const a of active.values()) {
      try {
        as(a.session).leases.renew({ taskId: a.taskId, ttlMs: ttl });
      } catch (error) {
        // Someone forced the lease away, or it ran out: the task is no longer this runner's.
        active.delete(a.taskId);
        void opencode.abort(a.directory, a.session).catch(() => undefined);
        emit("lost", a, { session: a.session, error: describe(error) });
      }
    }
    const states = new Map(exarp.runs.of(identity).map((s) => [s.taskId, s]));
    for (const w of waiting.values()) {
      const session = states.get(w.taskId)?.session;
      if (session) as(session).leases.renew({ taskId: w.taskId, ttlMs: ttl });
    }
  }

  function timeouts(): void {
    if (o.timeoutMs === undefined) return;
    for (const a of active.values())
      if (!a.settling && Date.now() - a.promptedAt > o.timeoutMs) {
        a.error = `timed out after ${Math.round(o.timeoutMs / 1000)} s`;
        serial("timeout", async () => {
          await opencode.abort(a.directory, a.session).catch(() => undefined);
          if (active.get(a.taskId) === a && !a.settling) await fail(a, a.error as string);
        });
      }
  }

  let kicked = false;
  function kick(): void {
    if (kicked || stopped) return;
    kicked = true;
    void serial("schedule", async () => {
      kicked = false;
      await schedule();
    });
  }

  function stop(): void {
    if (stopped) return;
    stopped = true;
    resolveDone();
  }

  o.signal.addEventListener("abort", stop, { once: true });
  const watcher = exarp.feed.watch(
    exarp.feed.head(),
    (events) => {
      serial("clean up", () => cleanUp(events));
      kick();
    },
    { watchDir: o.watchDir, keepAlive: true },
  );
  const tick = setInterval(() => {
    serial("renew", renew);
    timeouts();
    // A missed idle event (a dropped stream) is found by asking.
    for (const a of active.values()) if (Date.now() - a.promptedAt > 2 * TICK_MS) serial("check", () => check(a));
    if ([...waiting.values()].some((w) => w.retryAt <= now())) kick();
  }, TICK_MS);
  try {
    await serial("adopt", adopt);
    if (o.worktree) await serial("clean up", () => removeLeftoverWorktrees(exarp, o.root, (id) => active.has(id)));
    kick();
    await done;
    await queue;
  } finally {
    clearInterval(tick);
    watcher.close();
    streams.closeAll();
  }
  return { finished, blocked };
}
