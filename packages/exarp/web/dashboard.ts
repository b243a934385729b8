// The logged-in page: loads the board once, keeps it current from the event stream, and shows the
// view the hash names. Events are applied to the board, then handed to the open view; the runner
// sessions are read again when an event may have started or ended one.
import {
  applyEvents,
  type Board,
  type Change,
  COLUMNS,
  type Column,
  createBoard,
  emptyChange,
  putCard,
} from "./board/board.ts";
import { type BoardView, createBoardView } from "./board/view.ts";
import { type Api, taskPath } from "./lib/api.ts";
import type { Banner } from "./lib/banner.ts";
import { touchesApprovals } from "./lib/events.ts";
import { coalesced } from "./lib/reload.ts";
import { parseRoute, type Route } from "./lib/route.ts";
import { scopeAllows } from "./lib/scope.ts";
import type { LeaseView, PendingApproval, RunView, Session, StreamEvent, Task } from "./lib/types.ts";
import type { View, ViewContext } from "./lib/view.ts";
import { openStream, type Stream } from "./live/stream.ts";
import { createApprovalsView } from "./panels/approvals.ts";
import { createAuditView } from "./panels/audit.ts";
import { createLeasesView } from "./panels/leases.ts";
import { createRunsView } from "./panels/runs.ts";
import { loadRuns, replaceRuns, touchesRuns } from "./runs/runs.ts";
import { resumeSession } from "./session.ts";
import { renderShell } from "./shell.ts";
import { createTaskView } from "./task/detail.ts";
import { createWavesView } from "./waves/view.ts";

export type Dashboard = { stop(): void };

/** Runs the page for `session`; `onEnd` runs after logging out, or when the session turns out to have ended. */
export function runDashboard(api: Api, banner: Banner, session: Session, onEnd: (ended: boolean) => void): Dashboard {
  api.useCsrf(session.csrf);
  const board: Board = createBoard([], []);
  const runs = new Map<string, RunView>();
  const ctx: ViewContext = {
    api,
    session,
    board,
    runs,
    banner,
    can: (need) => scopeAllows(session.scope, need),
    async write(action) {
      try {
        const result = await action();
        banner.clear();
        return result;
      } catch (error) {
        banner.show(error);
        return undefined;
      }
    },
  };
  const shell = renderShell(session, banner.element, () => {
    api.send("DELETE", "/api/session").then(() => {
      stop();
      onEnd(false);
    }, banner.show);
  });
  document.body.replaceChildren(shell.element);

  let route: Route | undefined;
  let view: View | undefined;
  let stream: Stream | undefined;
  let stopped = false;

  /** Loads the board; answers the seq it reflects (read first, so no event falls between). */
  async function loadBoard(): Promise<number> {
    const { events } = await api.get<{ events: StreamEvent[] }>("/api/history?limit=1");
    const [{ tasks }, { leases }, running] = await Promise.all([
      api.get<{ tasks: Task[] }>(`/api/tasks?status=${COLUMNS.join(",")}&limit=100000`),
      api.get<{ leases: LeaseView[] }>("/api/leases"),
      loadRuns(api),
    ]);
    Object.assign(board, createBoard(tasks, leases));
    setRuns(running);
    return events.at(-1)?.seq ?? 0;
  }

  /** Takes the runner sessions working now; answers what that changed on the board. */
  function setRuns(running: readonly RunView[]): Change {
    const change = emptyChange();
    for (const id of replaceRuns(runs, running)) {
      change.runs.add(id);
      const card = board.cards.get(id);
      if (!card) continue;
      change.cards.add(id);
      change.columns.add(card.status as Column);
    }
    shell.setRunning(runs.size);
    return change;
  }

  const refreshRuns = coalesced(async () => {
    try {
      const change = setRuns(await loadRuns(api));
      if (!stopped && change.runs.size) view?.update([], change);
    } catch (error) {
      banner.show(error);
    }
  });

  const refreshPending = coalesced(async () => {
    try {
      shell.setPending((await api.get<{ pending: PendingApproval[] }>("/api/approvals")).pending.length);
    } catch (error) {
      banner.show(error);
    }
  });

  function mount(next: Route): View {
    switch (next.view) {
      case "task":
        return createTaskView(ctx, next.id);
      case "waves":
        return createWavesView(ctx);
      case "approvals":
        return createApprovalsView(ctx);
      case "leases":
        return createLeasesView(ctx);
      case "runs":
        return createRunsView(ctx);
      case "audit":
        return createAuditView(ctx);
      default:
        return createBoardView(ctx, next.filter);
    }
  }

  function show(next: Route, remount = false): void {
    shell.setRoute(next);
    if (!remount && next.view === "board" && route?.view === "board" && view)
      (view as BoardView).setFilter(next.filter);
    else {
      view?.destroy();
      view = mount(next);
      shell.main.replaceChildren(view.element);
      shell.main.scrollTop = 0;
    }
    route = next;
  }
  const onHash = () => show(parseRoute(location.hash));

  function onEvents(events: StreamEvent[]): void {
    const change = applyEvents(board, events);
    view?.update(events, change);
    if (events.some(touchesApprovals)) refreshPending();
    if (events.some(touchesRuns)) refreshRuns();
    if (change.missing.size) void fetchMissing([...change.missing]);
  }

  /** Tasks an event named that the board did not hold (reopened from cancelled, say): fetched one by one. */
  async function fetchMissing(ids: string[]): Promise<void> {
    const change = emptyChange();
    await Promise.all(
      ids.map((id) =>
        api.get<{ task: Task }>(taskPath(id)).then(
          ({ task }) => putCard(board, task, change),
          () => undefined,
        ),
      ),
    );
    if (!stopped && change.cards.size) view?.update([], change);
  }

  function listen(after: number): void {
    stream = openStream({
      after,
      onEvents,
      onState: shell.setStream,
      beforeReopen: async () => {
        if (await resumeSession(api)) return;
        stop();
        onEnd(true);
      },
      onStale: () => {
        loadBoard().then((head) => {
          if (stopped) return;
          if (route) show(route, true);
          listen(head);
        }, banner.show);
      },
    });
  }

  function stop(): void {
    stopped = true;
    stream?.close();
    view?.destroy();
    window.removeEventListener("hashchange", onHash);
  }

  loadBoard().then(
    (head) => {
      if (stopped) return;
      window.addEventListener("hashchange", onHash);
      onHash();
      listen(head);
      refreshPending();
    },
    (error) => banner.show(error),
  );
  return { stop };
}
