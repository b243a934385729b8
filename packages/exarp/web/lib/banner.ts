// The error banner: what the server said went wrong (`{ error: { message } }`), visible until dismissed.
import { el, replaceChildren } from "./dom.ts";

export type Banner = { element: HTMLElement; show(error: unknown): void; clear(): void };

export function createBanner(): Banner {
  const message = el("span", { class: "banner-message" });
  const close = el("button", { type: "button", class: "banner-close", "aria-label": "Dismiss" }, "×");
  const element = el("div", { class: "banner", role: "alert", hidden: true }, message, close);
  const clear = () => {
    element.hidden = true;
    replaceChildren(message);
  };
  close.addEventListener("click", clear);
  return {
    element,
    show(error) {
      replaceChildren(message, error instanceof Error ? error.message : String(error));
      element.hidden = false;
    },
    clear,
  };
}
