// Lays waves graphs out off the main thread: dagre takes a few hundred milliseconds on a full
// window, which would freeze the page for as long.
import { layoutWaves } from "./layout.ts";
import type { LayoutRequest } from "./layout-client.ts";

self.addEventListener("message", (e: MessageEvent<LayoutRequest>) => {
  const started = performance.now();
  const layout = layoutWaves(e.data.graph);
  self.postMessage({ id: e.data.id, layout, ms: performance.now() - started });
});
