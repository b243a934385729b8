// Every read query checked two ways must agree: the small hand-written check a read uses (`parse`)
// and the zod schema derived from the same definition (`schema`, which the MCP server publishes).
// Differential, over hostile inputs: wrong types, numbers out of range or not whole or not finite,
// control characters, bidi controls and lone surrogates, huge strings, extra keys, arrays, sparse
// arrays, null, and objects that are not plain. For each input both accept or both refuse, and
// what they accept comes out the same.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { seed } from "../../test/support/fc-seed.ts";
import { contextQuery } from "../context/service.ts";
import { InvalidInput } from "../errors-catalog.ts";
import { nextQuery, planQuery, readyQuery } from "../graph/service.ts";
import { historyQuery } from "../history/service.ts";
import { taskListQuery } from "../task/service.ts";
import { MAX_TAGS, PRIORITIES, STATUSES } from "../task/task.ts";
import type { Field, Query } from "./query.ts";

const QUERIES: Record<string, Query<Record<string, Field<unknown>>>> = {
  taskListQuery,
  readyQuery,
  nextQuery,
  planQuery,
  historyQuery,
  contextQuery,
};

/** Numbers at and around every bound the queries use, and the ones no bound should let through. */
const numbers = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    1,
    -1,
    50,
    51,
    255,
    256,
    257,
    9_999,
    10_000,
    10_001,
    63_999,
    64_000,
    64_001,
    99_999,
    100_000,
    100_001,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 1,
    Number.MIN_SAFE_INTEGER,
    2 ** 53 + 2,
    1e21,
    0.5,
    1.0000001,
    Number.EPSILON,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
  ),
  fc.integer({ min: -3, max: 300 }),
  fc.double(),
);

/** Words the fields take, the same padded or bent, and text no field should take. */
const words = fc.oneof(
  fc.constantFrom(
    ...STATUSES,
    ...PRIORITIES,
    "build",
    "plan",
    "review",
    "*",
    " * ",
    "T-abcd",
    "T-abcd ",
    "t.1:x_y-z",
    "-T",
    "api",
    " api ",
    "a,b",
    "a b",
    "TODO",
    " todo",
    "",
    "   ",
    "\t\n",
    "\u00a0api\u3000",
    "\ufeff",
    "x\u0000y",
    "\u001b[31mred",
    "a\u009bb",
    "\u202eevil",
    "\u2066x\u2069",
    "\u2028",
    "\ud800",
    "a\udc00b",
    "👩‍💻",
    "é",
    "5",
    "null",
    "__proto__",
  ),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.string({ unit: "grapheme", maxLength: 12 }),
);

/** Strings at and around every length bound (40, 64, 100, 500) and far past them, maybe padded. */
const huge = fc
  .tuple(
    fc.constantFrom(39, 40, 41, 63, 64, 65, 99, 100, 101, 499, 500, 501, 100_000),
    fc.constantFrom("a", "T", "é", "\u0001", " "),
    fc.constantFrom("", " ", "  \n"),
  )
  .map(([n, c, pad]) => `${pad}${c.repeat(n)}${pad}`);

const scalars = fc.oneof(
  { weight: 4, arbitrary: words },
  { weight: 3, arbitrary: numbers },
  { weight: 1, arbitrary: huge },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(null, undefined, true, false, 1n, {}, { a: 1 }, () => 1, Symbol("s")),
  },
);

/** Lists of field values, lists at and past the item bounds (8 tags, 64 capabilities), sparse lists. */
const lists = fc.oneof(
  fc.array(scalars, { maxLength: 5 }),
  fc
    .tuple(
      fc.constantFrom(MAX_TAGS - 1, MAX_TAGS, MAX_TAGS + 1, 63, 64, 65),
      fc.constantFrom("api", "*", "todo", "low"),
    )
    .map(([n, v]) => Array.from({ length: n }, (_, i) => (v === "api" ? `t${i}` : v))),
  fc.constantFrom([], [[]], new Array(2), [undefined], [null], [["api"]]),
);

const value = fc.oneof({ weight: 3, arbitrary: scalars }, { weight: 2, arbitrary: lists });

/** Objects whose prototype is not Object.prototype, and keys JSON can carry but code should not trust. */
const oddObjects = (keys: string[]) =>
  fc.oneof(
    fc.constantFrom<unknown>(
      Object.create(null),
      new Date(0),
      new Map([["limit", 5]]),
      JSON.parse('{"__proto__": {"limit": 5}}'),
      JSON.parse('{"constructor": 1}'),
    ),
    fc.tuple(fc.constantFrom(...keys), value).map(([key, v]) => {
      const inherited = Object.create({ [key]: v });
      return inherited;
    }),
    fc.tuple(fc.constantFrom(...keys), value).map(([key, v]) => Object.assign(Object.create(null), { [key]: v })),
  );

/** Values of the shapes the fields take (names, tags, ids, whole numbers, lists of them), to draw valid ones from. */
const names = fc.constantFrom(...STATUSES, ...PRIORITIES, "build", "plan", "review", "*", " high ", "T-abcd");
const shaped = fc.oneof(
  names,
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,11}$/),
  fc.string({ maxLength: 20 }),
  fc.integer({ min: 0, max: 70_000 }),
  numbers,
  fc.array(fc.oneof(names, fc.stringMatching(/^[a-z0-9.:_-]{1,10}$/)), { maxLength: 4 }),
);

/** Inputs to one query: some of its fields (often valid, else anything), maybe extra keys, or no object at all. */
function inputs(query: Query<Record<string, Field<unknown>>>) {
  const keys = Object.keys(query.shape);
  const fieldValue = (field: Field<unknown>) =>
    fc.oneof({ weight: 2, arbitrary: shaped.filter((v) => "ok" in field.check(v)) }, { weight: 1, arbitrary: value });
  const fields = fc.record(Object.fromEntries(Object.entries(query.shape).map(([k, f]) => [k, fieldValue(f)])), {
    requiredKeys: [],
  });
  return fc.oneof(
    { weight: 8, arbitrary: fields },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fields, fc.dictionary(fc.string({ maxLength: 8 }), value, { minKeys: 1, maxKeys: 2 }))
        .map(([known, extra]) => ({ ...extra, ...known })),
    },
    { weight: 1, arbitrary: oddObjects(keys) },
    { weight: 1, arbitrary: fc.oneof(scalars, lists) },
  );
}

type Outcome = { accepted: true; value: unknown } | { accepted: false };

/** The hand-written check: a value, or a refusal that is InvalidInput (never any other error). */
function byCheck(query: Query<Record<string, Field<unknown>>>, input: unknown): Outcome {
  try {
    return { accepted: true, value: query.parse(input) };
  } catch (error) {
    expect(InvalidInput.is(error), `threw ${String(error)}`).toBe(true);
    return { accepted: false };
  }
}

function bySchema(query: Query<Record<string, Field<unknown>>>, input: unknown): Outcome {
  const r = query.schema.safeParse(input);
  return r.success ? { accepted: true, value: r.data } : { accepted: false };
}

/** The input as a failure names it: JSON, plus what a non-plain object inherits. */
function show(input: unknown): string {
  const json = (v: unknown) => {
    try {
      return JSON.stringify(v, (_, x) => (typeof x === "bigint" ? `${x}n` : x))?.slice(0, 300) ?? String(v);
    } catch {
      return String(v);
    }
  };
  const proto = input !== null && typeof input === "object" ? Object.getPrototypeOf(input) : Object.prototype;
  if (proto === Object.prototype || proto === Array.prototype) return json(input);
  const inherits = proto === null ? "no prototype" : `inherits ${json({ ...proto })} (${proto.constructor?.name})`;
  return `${json(input)} (${inherits})`;
}

describe("read queries: the hand-written check and the zod schema agree", () => {
  for (const [name, query] of Object.entries(QUERIES)) {
    it(`${name}: same inputs accepted, same values out`, () => {
      const tally = { accepted: 0, refused: 0 };
      fc.assert(
        fc.property(inputs(query), (input) => {
          const check = byCheck(query, input);
          // An absent query (a service called with no argument) is the empty one; the schema describes a given object.
          const schema = bySchema(query, input === undefined ? {} : input);
          expect(check.accepted, `${show(input)}: the check ${check.accepted ? "accepts" : "refuses"}`).toBe(
            schema.accepted,
          );
          if (check.accepted && schema.accepted) expect(check.value, show(input)).toStrictEqual(schema.value);
          tally[check.accepted ? "accepted" : "refused"]++;
        }),
        { numRuns: 2000, seed: seed(name), endOnFailure: true },
      );
      // Both outcomes are reached, or the property proves less than it claims.
      expect(tally.accepted).toBeGreaterThan(100);
      expect(tally.refused).toBeGreaterThan(100);
    });
  }

  it("an absent query is the empty one; null is not a query", () => {
    for (const query of Object.values(QUERIES)) {
      expect(query.parse(undefined)).toEqual({});
      expect(() => query.parse(null)).toThrow(/must be an object, not null/);
      expect(query.schema.safeParse(null).success).toBe(false);
    }
  });
});
