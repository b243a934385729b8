// The page's side of the layout worker (assets/layout-worker.js): one request at a time in order,
// each answered with its layout.
import type { WaveLayout } from "./layout.ts";
import type { WaveGraph } from "./spec.ts";

export type LayoutRequest = { id: number; graph: WaveGraph };
/** A layout, and how long the worker took to compute it. */
export type LayoutReply = { id: number; layout: WaveLayout; ms: number };

export type LayoutClient = { layout(graph: WaveGraph): Promise<LayoutReply>; close(): void };

export function createLayoutClient(): LayoutClient {
  const worker = new Worker("/assets/layout-worker.js", { type: "module" });
  const pending = new Map<number, { resolve(reply: LayoutReply): void; reject(error: Error): void }>();
  let next = 0;
  worker.addEventListener("message", (e: MessageEvent<LayoutReply>) => {
    pending.get(e.data.id)?.resolve(e.data);
    pending.delete(e.data.id);
  });
  worker.addEventListener("error", (e) => {
    for (const waiting of pending.values()) waiting.reject(new Error(`the layout worker failed: ${e.message}`));
    pending.clear();
  });
  return {
    layout(graph) {
      const id = ++next;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, graph } satisfies LayoutRequest);
      });
    },
    close() {
      worker.terminate();
      pending.clear();
    },
  };
}
