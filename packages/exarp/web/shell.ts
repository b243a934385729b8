// The frame around every view: navigation, who is logged in with what scope, whether the stream is
// live, and logging out.
import { el } from "./lib/dom.ts";
import type { Route } from "./lib/route.ts";
import type { Session } from "./lib/types.ts";
import type { StreamState } from "./live/stream.ts";

const NAV: [Route["view"], string][] = [
  ["board", "Board"],
  ["waves", "Waves"],
  ["approvals", "Approvals"],
  ["leases", "Leases"],
  ["runs", "Running"],
  ["audit", "Audit"],
];

export type Shell = {
  element: HTMLElement;
  main: HTMLElement;
  setRoute(route: Route): void;
  setStream(state: StreamState): void;
  setPending(count: number): void;
  /** How many runner sessions work now (a count beside "Running"). */
  setRunning(count: number): void;
};

export function renderShell(session: Session, banner: HTMLElement, onLogout: () => void): Shell {
  const links = new Map(NAV.map(([view, label]) => [view, el("a", { href: `#/${view}`, "data-view": view }, label)]));
  const pending = el("span", { class: "badge", hidden: true });
  links.get("approvals")?.append(pending);
  const running = el("span", { class: "badge running", hidden: true });
  links.get("runs")?.append(running);
  const live = el("span", { class: "stream", title: "event stream" }, "connecting");
  const logout = el("button", { type: "button", class: "logout" }, "Log out");
  logout.addEventListener("click", onLogout);
  const main = el("main", {});
  const element = el(
    "div",
    { class: "shell" },
    el(
      "header",
      { class: "top" },
      el("a", { class: "brand", href: "#/board" }, "exarp"),
      el("nav", {}, ...links.values()),
      live,
      el(
        "span",
        { class: "who" },
        el("span", { class: "identity" }, session.identity),
        el("span", { class: `scope scope-${session.scope}` }, session.scope),
        session.name !== session.scope ? el("span", { class: "muted" }, session.name) : null,
      ),
      logout,
    ),
    banner,
    main,
  );
  return {
    element,
    main,
    setRoute(route) {
      for (const [view, link] of links) link.classList.toggle("active", view === route.view);
    },
    setStream(state) {
      live.textContent = state;
      live.className = `stream ${state}`;
    },
    setPending(count) {
      pending.textContent = String(count);
      pending.hidden = count === 0;
    },
    setRunning(count) {
      running.textContent = String(count);
      running.hidden = count === 0;
    },
  };
}
