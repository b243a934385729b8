// Read queries (list filters, ready, plan, history, context) defined once, checked two ways: by a
// small hand-written check that needs no validation library, so a read loads none, and by the zod
// schema derived from the same definition, which the MCP server publishes and which a property test
// holds the check to (same inputs accepted, same values out). Writes always validate with zod.
import { InvalidInput } from "../errors-catalog.ts";
import { inline, unsafeReason } from "../text/safe.ts";
import { lazy, z } from "./zod.ts";

/** One optional field of a read query. */
export type Field<T> = {
  /** The value, or a problem in the words issueMessage uses. */
  check(value: unknown): { ok: T } | { problem: string };
  /** The same rule as zod (built only when the schema is). */
  zod(): z.ZodType<T>;
};

const kind = (v: unknown) =>
  v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "number" ? `the number ${v}` : `a ${typeof v}`;

/** A whole number in [min, max]. */
export function int(min: number, max: number): Field<number> {
  return {
    check(v) {
      if (typeof v !== "number" || !Number.isFinite(v)) return { problem: `must be a number, not ${kind(v)}` };
      if (!Number.isInteger(v)) return { problem: "must be a whole number" };
      if (v < min) return { problem: `must be at least ${min}` };
      if (v > max) return { problem: `must be at most ${max}` };
      return { ok: v };
    },
    zod: () => z.number().int().min(min).max(max),
  };
}

/** One of a fixed set of names. */
export function oneOf<const V extends string>(values: readonly V[]): Field<V> {
  return {
    check: (v) =>
      typeof v === "string" && (values as readonly string[]).includes(v)
        ? { ok: v as V }
        : { problem: `must be one of ${values.join(", ")}` },
    zod: () => z.enum(values as [V, ...V[]]),
  };
}

/** A one-line text of 1–`max` characters after trimming (the rules of `singleLine`). */
export function line(label: string, max: number): Field<string> {
  return {
    check(v) {
      if (typeof v !== "string") return { problem: `must be a string, not ${kind(v)}` };
      const t = v.trim();
      if (t.length === 0) return { problem: `${label} is empty` };
      if (t.length > max) return { problem: `${label} is longer than ${max} characters` };
      const bad = unsafeReason(t, false);
      return bad ? { problem: `${label} ${bad}` } : { ok: t };
    },
    zod: () =>
      z
        .string()
        .trim()
        .min(1, `${label} is empty`)
        .max(max, `${label} is longer than ${max} characters`)
        .superRefine((value, ctx) => {
          const bad = unsafeReason(value, false);
          if (bad) ctx.addIssue({ code: "custom", message: `${label} ${bad}` });
        }),
  };
}

/** A task id (the rules of TaskId). */
export const taskId: Field<string> = {
  check(v) {
    if (typeof v !== "string") return { problem: `must be a string, not ${kind(v)}` };
    if (v.length === 0) return { problem: "task id is empty" };
    if (v.length > 64) return { problem: "task id is longer than 64 characters" };
    if (!/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(v))
      return { problem: "task id may contain only letters, digits and . _ : -" };
    return { ok: v };
  },
  zod: () =>
    z
      .string()
      .min(1, "task id is empty")
      .max(64, "task id is longer than 64 characters")
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, "task id may contain only letters, digits and . _ : -"),
};

/** A tag (the rules of TagInput): trimmed, 1–40 characters, no spaces, commas or control characters. */
export const tag: Field<string> = {
  check(v) {
    if (typeof v !== "string") return { problem: `must be a string, not ${kind(v)}` };
    const t = v.trim();
    if (t.length === 0) return { problem: "tag is empty" };
    if (t.length > 40) return { problem: "tag is longer than 40 characters" };
    if (!/^[^\s,]+$/.test(t)) return { problem: "tags may not contain spaces or commas" };
    const bad = unsafeReason(t, false);
    return bad ? { problem: `tag ${bad}` } : { ok: t };
  },
  zod: () =>
    z
      .string()
      .trim()
      .min(1, "tag is empty")
      .max(40, "tag is longer than 40 characters")
      .regex(/^[^\s,]+$/, "tags may not contain spaces or commas")
      .superRefine((value, ctx) => {
        const bad = unsafeReason(value, false);
        if (bad) ctx.addIssue({ code: "custom", message: `tag ${bad}` });
      }),
};

/** Either of two fields (a capability: a tag or `*`). */
export function either<A, B>(a: Field<A>, b: Field<B>): Field<A | B> {
  return {
    check(v) {
      const first = a.check(v);
      if ("ok" in first) return first;
      const second = b.check(v);
      return "ok" in second ? second : first;
    },
    zod: () => z.union([a.zod(), b.zod()]),
  };
}

/** Exactly this string. */
export function literal<const V extends string>(value: V): Field<V> {
  return {
    check: (v) => (v === value ? { ok: value } : { problem: `must be ${JSON.stringify(value)}` }),
    zod: () => z.literal(value),
  };
}

/** A list of at most `max` items of one field. */
export function listOf<T>(item: Field<T>, max = Number.POSITIVE_INFINITY): Field<T[]> {
  return {
    check(v) {
      if (!Array.isArray(v)) return { problem: `must be an array, not ${kind(v)}` };
      if (v.length > max) return { problem: `must be at most ${max} items` };
      const out: T[] = [];
      for (const [i, x] of v.entries()) {
        const r = item.check(x);
        if ("problem" in r) return { problem: `${i}: ${r.problem}` };
        out.push(r.ok);
      }
      return { ok: out };
    },
    zod: () => (Number.isFinite(max) ? z.array(item.zod()).max(max) : z.array(item.zod())),
  };
}

type Shape = Record<string, Field<unknown>>;
export type QueryOf<S extends Shape> = { [K in keyof S]?: S[K] extends Field<infer T> ? T : never };

type SchemaOf<S extends Shape> = z.ZodObject<{
  [K in keyof S]: z.ZodOptional<z.ZodType<S[K] extends Field<infer T> ? T : never>>;
}>;

/** A read query: an object of optional fields, no others. `schema` is its zod form (built on first use). */
export type Query<S extends Shape> = { shape: S; schema: SchemaOf<S>; parse(input: unknown): QueryOf<S> };

export function query<S extends Shape>(shape: S): Query<S> {
  return {
    shape,
    schema: lazy(
      () =>
        z.strictObject(
          Object.fromEntries(Object.entries(shape).map(([k, f]) => [k, f.zod().optional()])),
        ) as unknown as SchemaOf<S>,
    ),
    // Read as zod reads an object: each field by name (inherited properties too), an unknown key
    // among its own keys refused, a field given as undefined kept as undefined.
    parse(input) {
      const given = input === undefined ? {} : input;
      if (given === null || typeof given !== "object" || Array.isArray(given))
        throw new InvalidInput({
          issues: [`must be an object, not ${kind(given)}`],
          fields: [{ path: "", message: `must be an object, not ${kind(given)}` }],
        });
      const object = given as Record<string, unknown>;
      const fields: { path: string; message: string }[] = [];
      const out: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(shape)) {
        const value = object[key];
        if (value === undefined) {
          if (key in object) out[key] = undefined;
          continue;
        }
        const r = field.check(value);
        if ("problem" in r) {
          const [sub, ...rest] = r.problem.split(": ");
          const nested = /^\d+$/.test(sub ?? "") && rest.length;
          fields.push({ path: nested ? `${key}.${sub}` : key, message: nested ? rest.join(": ") : r.problem });
        } else out[key] = r.ok;
      }
      for (const key of Object.keys(object)) {
        if (Object.hasOwn(shape, key)) continue;
        fields.push({
          path: "",
          message: `unknown argument ${inline(key, 40)}; the arguments are ${Object.keys(shape).join(", ")}`,
        });
      }
      if (fields.length)
        throw new InvalidInput({
          issues: fields.map(({ path, message }) => (path ? `${path}: ${message}` : message)),
          fields,
        });
      return out as QueryOf<S>;
    },
  };
}

/** One value checked by a field, as a read service takes an id: InvalidInput naming the problem. */
export function checkField<T>(field: Field<T>, value: unknown, path: string): T {
  const r = field.check(value);
  if ("ok" in r) return r.ok;
  throw new InvalidInput({ issues: [`${path}: ${r.problem}`], fields: [{ path, message: r.problem }] });
}

/** A task id as a read takes it. */
export const checkTaskId = (id: unknown): string => checkField(taskId, id, "id");
