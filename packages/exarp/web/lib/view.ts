// What every view of the page is given, and what it gives back.
import type { Board, Change } from "../board/board.ts";
import type { Api } from "./api.ts";
import type { Banner } from "./banner.ts";
import type { RunView, Scope, Session, StreamEvent } from "./types.ts";

export type ViewContext = {
  api: Api;
  session: Session;
  board: Board;
  /** The runner sessions working now, by task id (kept current by the page: see runs/runs.ts). */
  runs: ReadonlyMap<string, RunView>;
  banner: Banner;
  /** True when the session's scope includes `need`. */
  can(need: Scope): boolean;
  /** Runs an API write; shows its error in the banner and answers undefined when it fails. */
  write<T>(action: () => Promise<T>): Promise<T | undefined>;
};

export type View = {
  element: HTMLElement;
  /** Events just applied to the board, and what they changed there. */
  update(events: readonly StreamEvent[], change: Change): void;
  destroy(): void;
};
