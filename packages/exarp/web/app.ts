// The dashboard's entry: resume the session or ask for a token, then run the board.
import "./styles/app.css";
import { type Dashboard, runDashboard } from "./dashboard.ts";
import { createApi } from "./lib/api.ts";
import { createBanner } from "./lib/banner.ts";
import type { Session } from "./lib/types.ts";
import { renderLogin, resumeSession } from "./session.ts";

const banner = createBanner();
let running: Dashboard | undefined;
const api = createApi(() => showLogin(true));

/** The login form; `ended` says the session ran out (or its token was revoked) rather than was closed. */
function showLogin(ended = false): void {
  running?.stop();
  running = undefined;
  api.useCsrf(undefined);
  const form = renderLogin(api, banner, start);
  document.body.replaceChildren(banner.element, form);
  form.querySelector("input")?.focus();
  if (ended) banner.show("Your session has ended: log in again.");
}

function start(session: Session): void {
  running = runDashboard(api, banner, session, showLogin);
}

resumeSession(api).then(
  (session) => (session ? start(session) : showLogin(false)),
  (error) => {
    showLogin();
    banner.show(error);
  },
);
