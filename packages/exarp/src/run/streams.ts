import type { OpenCodeClient, OpenCodeEvent } from "./opencode.ts";

/**
 * OpenCode's event streams, one per instance directory (the project, or a task's worktree): opened
 * before a prompt goes there (events are not replayed), closed when no session is left there.
 */
export function createEventStreams(
  opencode: OpenCodeClient,
  handlers: { onEvent: (event: OpenCodeEvent) => void; onGap: (directory: string) => void },
) {
  const open = new Map<string, { abort: AbortController; ready: Promise<void> }>();
  return {
    /** Opens the directory's stream if needed; resolves at its first event (or after 3 s, whatever comes). */
    open(directory: string): Promise<void> {
      const known = open.get(directory);
      if (known) return known.ready;
      const abort = new AbortController();
      let opened: () => void = () => undefined;
      const ready = new Promise<void>((resolve) => {
        opened = resolve;
        setTimeout(resolve, 3_000).unref();
      });
      open.set(directory, { abort, ready });
      const onEvent = (event: OpenCodeEvent) => {
        opened();
        handlers.onEvent(event);
      };
      void opencode.streamEvents(directory, onEvent, abort.signal, () => handlers.onGap(directory));
      return ready;
    },
    /** Closes every stream but those of `directories`. */
    keepOnly(directories: ReadonlySet<string>): void {
      for (const [directory, stream] of open)
        if (!directories.has(directory)) {
          stream.abort.abort();
          open.delete(directory);
        }
    },
    closeAll(): void {
      for (const stream of open.values()) stream.abort.abort();
      open.clear();
    },
  };
}
