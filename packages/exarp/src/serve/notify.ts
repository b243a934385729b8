// `exarp serve` wakes the person supervising when work waits for them: a task moved to review opens
// an approval request, and each batch of new requests is one desktop notification.
import type { Exarp } from "../app/exarp.ts";
import type { StoredEvent, StoredEventOf } from "../event/catalog.ts";
import type { Watcher } from "../feed/feed.ts";
import type { Notification } from "../notify/command.ts";
import type { Notifier } from "../notify/notifier.ts";

/** A request as the notification names it. */
export type ReviewRequest = { taskId: string; title: string | undefined; requestedBy: string };

/** The notification for new review requests (one or many); undefined for none. */
export function reviewNotification(requests: ReviewRequest[]): Notification | undefined {
  const [first] = requests;
  if (!first) return undefined;
  if (requests.length === 1)
    return {
      title: `exarp: ${first.taskId} waits for your review`,
      body: `${first.title ? `"${first.title}" ` : ""}asked by ${first.requestedBy}`,
      urgency: "normal",
    };
  return {
    title: `exarp: ${requests.length} tasks wait for your review`,
    body: requests.map((r) => (r.title ? `${r.taskId} "${r.title}"` : r.taskId)).join(" · "),
    urgency: "normal",
  };
}

export type ReviewWatchOptions = {
  /** The project's `.exarp/` folder: a file watch there wakes the feed at once on other processes' writes. */
  watchDir?: string;
  /** The person the server runs as: their own requests need no notification. */
  self?: string;
};

/**
 * Follows the change feed from now on and notifies once per batch of new approval requests (not
 * those `self` made). Returns the watcher; close it with the server.
 */
export function notifyReviews(
  exarp: Pick<Exarp, "feed" | "tasks">,
  notifier: Notifier,
  options: ReviewWatchOptions = {},
): Watcher {
  const { feed } = exarp;
  return feed.watch(
    feed.head(),
    (events: StoredEvent[]) => {
      const requests = events
        .filter((e): e is StoredEventOf<"approval.requested"> => e.type === "approval.requested")
        .filter((e) => e.payload.requestedBy !== options.self)
        .map((e) => ({
          taskId: e.payload.taskId,
          title: exarp.tasks.find(e.payload.taskId)?.title,
          requestedBy: e.payload.requestedBy,
        }));
      const notification = reviewNotification(requests);
      // notify never rejects: what happened is its value, and failures reach the notifier's log.
      if (notification) void notifier.notify(notification);
    },
    { watchDir: options.watchDir },
  );
}

/** What decides whether `exarp serve` notifies. */
export type NotifyChoice = {
  /** `--no-notify` was given. */
  optedOut: boolean;
  /** The `notify.enabled` setting, and whether it was set (not its default). */
  enabled: boolean;
  explicit: boolean;
  /** The server listens on loopback only. */
  loopback: boolean;
  /** A terminal started it (stdin or stderr is one). */
  terminal: boolean;
};

/**
 * Never with `--no-notify` or `notify.enabled` false; always when `notify.enabled` is set true; by
 * default for a local serve started from a terminal: a person at this desktop. A serve under a
 * service manager, a remote one, and every test's (pipes, no terminal) stay quiet unless told.
 */
export function notifiesReviews(choice: NotifyChoice): boolean {
  if (choice.optedOut || !choice.enabled) return false;
  return choice.explicit || (choice.loopback && choice.terminal);
}
