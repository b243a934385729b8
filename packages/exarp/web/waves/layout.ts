// Places the waves graph with dagre, left to right: one rank per wave (each edge spans the waves
// between its ends), node order chosen to cross few edges. No DOM: positions and edge routes only.
import { graphlib, layout } from "@dagrejs/dagre";
import type { WaveGraph, WaveNode } from "./spec.ts";

export type Placed<T> = T & { x: number; y: number; width: number; height: number };
export type PlacedEdge = { from: string; to: string; critical: boolean; points: { x: number; y: number }[] };
export type WaveLayout = { nodes: Placed<WaveNode>[]; edges: PlacedEdge[]; width: number; height: number };

const SIZE: Record<WaveNode["kind"], { width: number; height: number }> = {
  task: { width: 210, height: 46 },
  more: { width: 170, height: 34 },
  summary: { width: 180, height: 58 },
};

export function layoutWaves(graph: WaveGraph): WaveLayout {
  const g = new graphlib.Graph({ multigraph: false });
  g.setGraph({ rankdir: "LR", nodesep: 12, ranksep: 56, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) g.setNode(node.key, { ...SIZE[node.kind] });
  for (const edge of graph.edges) g.setEdge(edge.from, edge.to, { minlen: edge.minlen });
  layout(g);
  const label = g.graph() as { width?: number; height?: number };
  return {
    nodes: graph.nodes.map((node) => {
      const at = g.node(node.key) as { x: number; y: number; width: number; height: number };
      return { ...node, x: at.x, y: at.y, width: at.width, height: at.height };
    }),
    edges: graph.edges.map((edge) => ({
      from: edge.from,
      to: edge.to,
      critical: edge.critical,
      points: (g.edge(edge.from, edge.to) as { points?: { x: number; y: number }[] }).points ?? [],
    })),
    width: label.width ?? 0,
    height: label.height ?? 0,
  };
}
