// Hash routes, so every view is a link: `#/board?status=review&tag=x`, `#/task/T-1`, `#/waves`,
// `#/approvals`, `#/leases`, `#/runs`, `#/audit`. Pure: parsed from and formatted to the text after `#`.

export const VIEWS = ["board", "waves", "approvals", "leases", "runs", "audit"] as const;
export type View = (typeof VIEWS)[number];

/** The board's filters, as the hash carries them. */
export type BoardFilter = { text?: string; tag?: string; priority?: string; assignee?: string; status?: string };
export const FILTER_KEYS = ["text", "tag", "priority", "assignee", "status"] as const;

export type Route = { view: View; filter: BoardFilter } | { view: "task"; id: string };

/** The route a location hash names (`#/…`); anything else is the board. */
export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#\/?/, "");
  const [path = "", search = ""] = splitOnce(text, "?");
  const parts = path.split("/").filter(Boolean).map(decodePart);
  if (parts[0] === "task" && parts[1]) return { view: "task", id: parts[1] };
  const view = (VIEWS as readonly string[]).includes(parts[0] ?? "") ? (parts[0] as View) : "board";
  const params = new URLSearchParams(search);
  const filter: BoardFilter = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key)?.trim();
    if (value) filter[key] = value;
  }
  return { view, filter };
}

/** The hash of a route (`#/board?tag=api`), the inverse of parseRoute. */
export function formatRoute(route: Route): string {
  if (route.view === "task") return `#/task/${encodeURIComponent(route.id)}`;
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = route.filter[key];
    if (value) params.set(key, value);
  }
  const search = params.toString();
  return `#/${route.view}${search ? `?${search}` : ""}`;
}

/** The hash of a task's page. */
export const taskHref = (id: string) => formatRoute({ view: "task", id });

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
}

function decodePart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
