// The board's state, kept in step with the event stream one event at a time: a card per task, a
// lease per held task, and each column's cards in the server's board order. Pure (no DOM): the view
// renders what a change names, and nothing else.
import type { Lease, Priority, Status, StreamEvent, Task } from "../lib/types.ts";

export const COLUMNS = ["todo", "in_progress", "review", "done", "blocked"] as const satisfies readonly Status[];
export type Column = (typeof COLUMNS)[number];

/** A task as the board shows it (its version is left out: the stream does not keep it exact). */
export type Card = Omit<Task, "version">;

export type Board = {
  cards: Map<string, Card>;
  leases: Map<string, Lease>;
  columns: Record<Column, Card[]>;
};

/** What applying events touched: cards to redraw, columns to recount, leases, and tasks to fetch again. */
export type Change = {
  cards: Set<string>;
  columns: Set<Column>;
  leases: Set<string>;
  /** Tasks whose runner session started, ended or changed (the dashboard's runs, not the events', set this). */
  runs: Set<string>;
  /** Tasks an event names that the board does not hold (e.g. one reopened from cancelled). */
  missing: Set<string>;
};

export const emptyChange = (): Change => ({
  cards: new Set(),
  columns: new Set(),
  leases: new Set(),
  runs: new Set(),
  missing: new Set(),
});

const PRIORITY_ORDER: Record<Priority, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** The server's board order: priority, then age, then id. */
export function compareCards(a: Card, b: Card): number {
  return (
    PRIORITY_ORDER[a.priority] - PRIORITY_ORDER[b.priority] ||
    a.createdAt - b.createdAt ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

export const isColumn = (status: string): status is Column => (COLUMNS as readonly string[]).includes(status);

/** A board of `tasks` (any order; finished-and-cancelled ones are left off) and the live `leases`. */
export function createBoard(tasks: readonly Task[], leases: readonly Lease[]): Board {
  const columns = Object.fromEntries(COLUMNS.map((c) => [c, [] as Card[]])) as Record<Column, Card[]>;
  const cards = new Map<string, Card>();
  for (const task of tasks) {
    if (!isColumn(task.status)) continue;
    const card = toCard(task);
    cards.set(card.id, card);
    columns[task.status].push(card);
  }
  for (const column of COLUMNS) columns[column].sort(compareCards);
  return { cards, leases: new Map(leases.map((l) => [l.taskId, toLease(l)])), columns };
}

/** The card fields of a task (a fetched TaskDetail also carries links and comments, which cards leave out). */
function toCard(t: Card): Card {
  return {
    id: t.id,
    title: t.title,
    description: t.description,
    status: t.status,
    priority: t.priority,
    tags: t.tags,
    parentId: t.parentId,
    estimate: t.estimate,
    assignee: t.assignee,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}

function toLease(l: Lease): Lease {
  return {
    taskId: l.taskId,
    agent: l.agent,
    session: l.session,
    token: l.token,
    acquiredAt: l.acquiredAt,
    expiresAt: l.expiresAt,
  };
}

/** Puts a card (new, changed, or fetched again) in its place; a task outside the columns leaves the board. */
export function putCard(board: Board, task: Task | Card, change: Change = emptyChange()): Change {
  const card = toCard(task);
  removeCard(board, card.id, change);
  if (isColumn(card.status)) {
    const column = board.columns[card.status];
    column.splice(lowerBound(column, card), 0, card);
    board.cards.set(card.id, card);
    change.columns.add(card.status);
  }
  change.cards.add(card.id);
  return change;
}

/** Takes a card off the board (nothing when it is not there). */
export function removeCard(board: Board, id: string, change: Change = emptyChange()): Change {
  const old = board.cards.get(id);
  if (!old) return change;
  board.cards.delete(id);
  const column = board.columns[old.status as Column];
  const at = lowerBound(column, old);
  column.splice(column[at]?.id === id ? at : column.findIndex((c) => c.id === id), 1);
  change.columns.add(old.status as Column);
  change.cards.add(id);
  return change;
}

/**
 * Applies stream events in order. Each one sets values outright (a status, the edited fields, a
 * lease), so an event the board already reflects can be applied again without harm.
 */
export function applyEvents(board: Board, events: readonly StreamEvent[], change: Change = emptyChange()): Change {
  for (const event of events) applyEvent(board, event, change);
  return change;
}

function applyEvent(board: Board, e: StreamEvent, change: Change): void {
  switch (e.type) {
    case "task.created": {
      const t = e.payload.task;
      putCard(
        board,
        { ...t, tags: normalizeTags(t.tags), createdAt: t.createdAt ?? e.time, updatedAt: e.time },
        change,
      );
      break;
    }
    case "task.edited": {
      const { changes } = e.payload;
      patch(board, e.payload.taskId, change, (card) => ({
        ...card,
        ...changes,
        tags: changes.tags ? normalizeTags(changes.tags) : card.tags,
        updatedAt: e.time,
      }));
      break;
    }
    case "task.status_changed": {
      const { taskId, to } = e.payload;
      if (board.cards.has(taskId) || isColumn(to))
        patch(board, taskId, change, (card) => ({ ...card, status: to, updatedAt: e.time }));
      break;
    }
    case "task.deleted":
      removeCard(board, e.payload.taskId, change);
      break;
    case "dependency.added":
    case "dependency.removed":
      patch(board, e.payload.taskId, change, (card) => ({ ...card, updatedAt: e.time }));
      break;
    case "lease.acquired": {
      const { taskId, agent, session, expiresAt } = e.payload;
      board.leases.set(taskId, { taskId, agent, session, token: e.seq, acquiredAt: e.time, expiresAt });
      leaseChanged(board, taskId, change);
      break;
    }
    case "lease.renewed": {
      const lease = board.leases.get(e.payload.taskId);
      if (lease?.token !== e.payload.token) break;
      board.leases.set(lease.taskId, { ...lease, expiresAt: e.payload.expiresAt });
      leaseChanged(board, lease.taskId, change);
      break;
    }
    case "lease.released":
    case "lease.expired":
      if (board.leases.get(e.payload.taskId)?.token !== e.payload.token) break;
      board.leases.delete(e.payload.taskId);
      leaseChanged(board, e.payload.taskId, change);
      break;
    default:
      break;
  }
}

function patch(board: Board, id: string, change: Change, update: (card: Card) => Card): void {
  const card = board.cards.get(id);
  if (card) putCard(board, update(card), change);
  else change.missing.add(id);
}

function leaseChanged(board: Board, taskId: string, change: Change): void {
  change.leases.add(taskId);
  const card = board.cards.get(taskId);
  if (!card) return;
  change.cards.add(taskId);
  change.columns.add(card.status as Column);
}

/** The first index whose card sorts at or after `card`. */
function lowerBound(column: readonly Card[], card: Card): number {
  let lo = 0;
  let hi = column.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareCards(column[mid] as Card, card) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Tags sorted and unique, as the server stores them. */
const normalizeTags = (tags: readonly string[]) => [...new Set(tags)].sort();
