import { inline } from "../text/safe.ts";
import { blockersOf, type Graph } from "./graph.ts";
import type { Waves } from "./waves.ts";

/** A label Mermaid cannot misread and a terminal cannot act on: one line, no quotes, no control characters. */
const safe = (text: string) => inline(text, 60).replace(/"/g, "#quot;");

/** A Mermaid flowchart of the plan: one subgraph per wave, edges from blocker to dependent, critical path bold. */
export function planToMermaid(
  g: Graph,
  plan: Waves,
  critical: readonly string[],
  titles: ReadonlyMap<string, string>,
): string {
  const node = (id: string) => id.replace(/[^A-Za-z0-9_]/g, "_");
  const lines = ["flowchart LR"];
  plan.waves.forEach((wave, i) => {
    lines.push(`  subgraph wave${i}["wave ${i}"]`);
    for (const id of wave) lines.push(`    ${node(id)}["${safe(id)}: ${safe(titles.get(id) ?? "")}"]`);
    lines.push("  end");
  });
  const scheduled = new Set(plan.waves.flat());
  const onPath = new Set(critical.slice(1).map((id, i) => `${critical[i]}>${id}`));
  for (const id of scheduled) {
    for (const b of blockersOf(g, id)) {
      if (!scheduled.has(b)) continue;
      lines.push(`  ${node(b)} ${onPath.has(`${b}>${id}`) ? "==>" : "-->"} ${node(id)}`);
    }
  }
  if (critical.length)
    lines.push(`  classDef critical stroke-width:3px`, `  class ${critical.map(node).join(",")} critical`);
  return lines.join("\n");
}
