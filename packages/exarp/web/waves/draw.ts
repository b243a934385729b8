// The laid-out waves graph as SVG: task nodes link to their page (coloured by status, the critical
// path outlined), summary and "+N more" nodes open on click, a header per opened wave collapses it.

import type { Card } from "../board/board.ts";
import { svg } from "../lib/dom.ts";
import { taskHref } from "../lib/route.ts";
import type { WaveLayout } from "./layout.ts";

export type DrawActions = { open(wave: number): void; more(wave: number): void; close(wave: number): void };

const HEADER = 26;

/** Clicks, Enter and Space on a `role=button` element run `act` (Space without scrolling the page). */
function asButton(node: SVGElement, act: () => void): void {
  node.addEventListener("click", act);
  node.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" && e.key !== " ") return;
    e.preventDefault();
    act();
  });
}

const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function drawWaves(
  layout: WaveLayout,
  opened: ReadonlySet<number>,
  cardOf: (id: string) => Card | undefined,
  actions: DrawActions,
): SVGSVGElement {
  const width = Math.max(layout.width, 200);
  const height = layout.height + HEADER;
  const root = svg("svg", {
    class: "waves-graph",
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": "Execution waves",
  });
  root.appendChild(
    svg(
      "defs",
      {},
      svg(
        "marker",
        {
          id: "arrow",
          viewBox: "0 0 10 10",
          refX: 9,
          refY: 5,
          markerWidth: 8,
          markerHeight: 8,
          markerUnits: "userSpaceOnUse",
          orient: "auto",
        },
        svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow" }),
      ),
    ),
  );
  const body = svg("g", { transform: `translate(0 ${HEADER})` });
  const edges = svg("g", { class: "edges" });
  for (const edge of layout.edges) {
    if (!edge.points.length) continue;
    const d = edge.points.map((p, i) => `${i ? "L" : "M"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ");
    edges.appendChild(svg("path", { d, class: edge.critical ? "edge critical" : "edge", "marker-end": "url(#arrow)" }));
  }
  body.appendChild(edges);

  const waveLeft = new Map<number, number>();
  for (const node of layout.nodes) {
    const left = node.x - node.width / 2;
    const top = node.y - node.height / 2;
    waveLeft.set(node.wave, Math.min(waveLeft.get(node.wave) ?? left, left));
    const box = svg("rect", { width: node.width, height: node.height, rx: 6 });
    if (node.kind === "task") {
      const card = cardOf(node.id);
      const status = card?.status ?? "todo";
      body.appendChild(
        svg(
          "a",
          {
            href: taskHref(node.id),
            class: `node task status-${status}${node.critical ? " critical" : ""}`,
            transform: `translate(${left} ${top})`,
            "data-id": node.id,
          },
          svg("title", {}, `${node.id} ${card?.title ?? ""} (${status.replace("_", " ")})`),
          box,
          svg("text", { x: 8, y: 17, class: "node-id" }, node.id),
          svg("text", { x: 8, y: 35, class: "node-title" }, truncate(card?.title ?? "", 30)),
        ),
      );
      continue;
    }
    const label = node.kind === "summary" ? `wave ${node.wave}: ${node.count} tasks` : `+ ${node.count} more`;
    const group = svg(
      "g",
      {
        class: `node ${node.kind}${node.critical ? " critical" : ""}`,
        transform: `translate(${left} ${top})`,
        role: "button",
        tabindex: 0,
        "data-wave": node.wave,
      },
      svg("title", {}, node.kind === "summary" ? "Open this wave" : "Show more of this wave"),
      box,
      svg("text", { x: 10, y: node.kind === "summary" ? 22 : 21, class: "node-id" }, label),
      node.kind === "summary" && node.critical
        ? svg("text", { x: 10, y: 42, class: "node-title" }, `${node.critical} on the critical path`)
        : null,
    );
    asButton(group, () => (node.kind === "summary" ? actions.open(node.wave) : actions.more(node.wave)));
    body.appendChild(group);
  }
  root.appendChild(body);

  for (const wave of opened) {
    const left = waveLeft.get(wave);
    if (left === undefined) continue;
    const header = svg(
      "text",
      { x: left, y: 17, class: "wave-header", role: "button", tabindex: 0, "data-wave": wave },
      `wave ${wave} ▾`,
    );
    asButton(header, () => actions.close(wave));
    root.appendChild(header);
  }
  return root;
}
