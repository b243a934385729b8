// zod, loaded only when a schema is first used. Every schema in the core is built lazily (`lazy`),
// through this `z`, so importing the core costs no validation library: the command line's read
// verbs never load it, and everything else loads it once. An entry point provides zod before the
// first write: the library entry (index.ts) imports it; the CLI awaits `loadZod()` for verbs that
// validate input, and the MCP server before its first `tools/list` or `tools/call`; the test setups
// provide it. (In the built CLI, `import("zod")` is answered by dist/bin/zod.js, a script of its own.)
import type * as Zod from "zod";

type ZodApi = typeof Zod.z;

let loaded: ZodApi | undefined;

/** Makes zod available to every schema (once; later calls are ignored). */
export function provideZod(api: ZodApi): void {
  loaded ??= api;
}

/** Loads zod when the caller can wait for it (the CLI, before a verb that validates input). */
export async function loadZod(): Promise<void> {
  if (!loaded) provideZod((await import("zod")).z);
}

function api(): ZodApi {
  if (!loaded) throw new Error("exarp: a schema was used before zod was loaded (call provideZod or loadZod first)");
  return loaded;
}

/** zod's `z`, forwarding to the real one once it is loaded. */
export const z = new Proxy({} as ZodApi, { get: (_, key) => Reflect.get(api(), key) });

// The types under `z.` (z.infer, z.input, z.ZodType…) are zod's own; only the value is deferred.
export declare namespace z {
  export type infer<T> = Zod.infer<T>;
  export type input<T> = Zod.input<T>;
  export type output<T> = Zod.output<T>;
  export type ZodType<O = unknown, I = unknown> = Zod.ZodType<O, I>;
  export type ZodObject<S extends Zod.ZodRawShape = Zod.ZodRawShape> = Zod.ZodObject<S>;
  export type ZodOptional<T extends Zod.ZodType = Zod.ZodType> = Zod.ZodOptional<T>;
  export type ZodRawShape = Zod.ZodRawShape;
  export namespace core {
    export type $ZodRawIssue = Zod.core.$ZodRawIssue;
    export type $ZodIssue = Zod.core.$ZodIssue;
  }
}

const LAZY_TARGET = Symbol("exarp.lazy.target");

/** The value a `lazy` one stands for (itself when it is not one): its own methods, without the indirection. */
export const unwrapLazy = <T extends object>(value: T): T =>
  ((value as Record<symbol, unknown>)[LAZY_TARGET] as T | undefined) ?? value;

/**
 * A value (a schema, usually) built on first use: `export const Title = lazy(() => z.string()…)`.
 * It behaves as the value itself — properties, methods, `instanceof` — so call sites, other schemas
 * composing it and zod's own code see no difference.
 */
export function lazy<T extends object>(build: () => T): T {
  let value: T | undefined;
  const real = (): T => {
    value ??= build();
    return value;
  };
  // Methods bound once each (a schema's are called at every parse).
  const bound = new Map<PropertyKey, { method: unknown; bound: unknown }>();
  return new Proxy((() => undefined) as unknown as T, {
    get: (_, key) => {
      const target = real();
      if (key === LAZY_TARGET) return target;
      const v = Reflect.get(target, key, target);
      if (typeof v !== "function") return v;
      const known = bound.get(key);
      if (known?.method === v) return known.bound;
      const method = { method: v, bound: v.bind(target) };
      bound.set(key, method);
      return method.bound;
    },
    set: (_, key, v) => Reflect.set(real(), key, v),
    has: (_, key) => key in real(),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_, key) => {
      const d = Reflect.getOwnPropertyDescriptor(real(), key);
      if (d) d.configurable = true;
      return d;
    },
    getPrototypeOf: () => Object.getPrototypeOf(real()),
  });
}
