// The scrubber: secrets of every kind exarp knows, embedded anywhere in strings and objects, never
// survive; what is not secret is left as it was.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { seed } from "../../test/support/fc-seed.ts";
import { newSecret } from "../token/secret.ts";
import { isSecretKey, MAX_STRING, REDACTED, redact, scrubText } from "./redact.ts";

const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const chars = (alphabet: string, min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...alphabet.split("")), minLength: min, maxLength: max });

/** A token secret as src/token/secret.ts makes them. */
const secret = chars(B64URL, 43, 43).map((s) => `exarp_${s}`);
/** A password long enough to be told apart from the text around it. */
const password = chars(`${B64URL}!$%*+.~@:/`, 12, 40);
const userName = chars("abcdefghijklmnopqrstuvwxyz0123456789_", 0, 12);

/** A secret, the text that carries it, and the part that must not survive. */
type Planted = { text: string; hidden: string };
const planted: fc.Arbitrary<Planted> = fc.oneof(
  secret.map((s) => ({ text: s, hidden: s })),
  secret.map((s) => ({ text: `Authorization: Bearer ${s}`, hidden: s })),
  chars(`${B64URL}.~+/`, 16, 60).map((t) => ({ text: `authorization: Bearer ${t}`, hidden: t })),
  chars(`${B64URL}.~+/`, 16, 60).map((t) => ({ text: `{"Authorization":"Bearer ${t}"}`, hidden: t })),
  chars(`${B64URL}.~+/`, 16, 60).map((t) => ({ text: `bearer ${t}`, hidden: t })),
  chars(B64URL, 43, 43).map((id) => ({ text: `Cookie: exarp_session_4477=${id}`, hidden: id })),
  chars(B64URL, 43, 43).map((id) => ({ text: `exarp_session_8080=${id}; Path=/`, hidden: id })),
  fc
    .tuple(fc.constantFrom("postgres", "postgresql", "https"), userName, password, fc.constantFrom("db:5432/x", "h"))
    .map(([scheme, user, pw, host]) => ({ text: `${scheme}://${user}:${pw}@${host}`, hidden: pw })),
  fc
    .tuple(fc.constantFrom("password", "PGPASSWORD", "sslpassword", "token", "api_key", "secret"), password)
    .filter(([, pw]) => !/[\s&;,"']/.test(pw))
    .map(([key, pw]) => ({ text: `${key}=${pw}`, hidden: pw })),
  password.filter((pw) => !/["\\]/.test(pw)).map((pw) => ({ text: `{"dbPassword":"${pw}"}`, hidden: pw })),
);

/** Text around a secret: anything at all, including what looks like parts of the patterns. */
const filler = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.constantFrom("", " ", "\n", "exarp_", "abc", "://", "@", ":", "=", '"', "Bearer", "x".repeat(40)),
);

/** A string with secrets planted anywhere in it, and the secrets. */
const carrier = fc
  .array(fc.tuple(filler, planted), { minLength: 1, maxLength: 4 })
  .chain((parts) => filler.map((tail) => ({ parts, tail })))
  .map(({ parts, tail }) => ({
    text: parts.map(([before, p]) => before + p.text).join("") + tail,
    hidden: parts.map(([, p]) => p.hidden),
  }));

/** A value of nested objects and arrays whose strings carry secrets (under innocent keys). */
const nested = fc.letrec<{ value: { value: unknown; hidden: string[] } }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    carrier.map(({ text, hidden }) => ({ value: text, hidden })),
    fc.array(tie("value"), { maxLength: 3 }).map((items) => ({
      value: items.map((i) => i.value),
      hidden: items.flatMap((i) => i.hidden),
    })),
    fc
      .array(fc.tuple(fc.constantFrom("message", "detail", "url", "x", "headers"), tie("value")), { maxLength: 3 })
      .map((entries) => ({
        value: Object.fromEntries(entries.map(([k, v], i) => [`${k}${i}`, v.value])),
        hidden: entries.flatMap(([, v]) => v.hidden),
      })),
  ),
})).value;

const survivors = (out: unknown, hidden: string[]) => hidden.filter((h) => JSON.stringify(out).includes(h));

describe("the log scrubber", () => {
  it("leaves no planted secret in a string, wherever it stands", () => {
    fc.assert(
      fc.property(carrier, ({ text, hidden }) => {
        expect(survivors(scrubText(text), hidden)).toEqual([]);
      }),
      { seed: seed("scrub strings"), numRuns: 2000 },
    );
  });

  it("leaves no planted secret in nested objects and arrays, keys included", () => {
    fc.assert(
      fc.property(nested, carrier, (n, key) => {
        const value = { [key.text]: n.value, list: [n.value] };
        expect(survivors(redact(value), [...n.hidden, ...key.hidden])).toEqual([]);
      }),
      { seed: seed("scrub objects"), numRuns: 500 },
    );
  });

  it("drops whatever stands under a secret key, of any type", () => {
    const key = fc.constantFrom("password", "dbPassword", "secret", "token", "authToken", "Authorization", "cookie");
    fc.assert(
      fc.property(key, fc.anything(), (k, v) => {
        expect(redact({ outer: { [k]: v } })).toEqual({ outer: { [k]: REDACTED } });
      }),
      { seed: seed("secret keys"), numRuns: 300 },
    );
  });

  it("catches the secrets src/token/secret.ts really makes", () => {
    for (let i = 0; i < 50; i++) {
      const s = newSecret();
      expect(scrubText(`token ${s} given`)).toBe(`token exarp_${REDACTED} given`);
    }
  });

  it("leaves text without secrets as it was", () => {
    const plain = [
      "task tsk_01J created: Fix the parser",
      "GET /api/tasks/:id 200",
      "token tok_01JABC revoked",
      "postgres://postgres@127.0.0.1:54329/postgres",
      "exarp list: exit 0",
      "EXARP_TEST_POSTGRES_URL is set",
    ];
    for (const text of plain) expect(scrubText(text)).toBe(text);
    expect(redact({ tokenId: "tok_1", "token.scope": "owner", count: 3, ok: true, none: null })).toEqual({
      tokenId: "tok_1",
      "token.scope": "owner",
      count: 3,
      ok: true,
      none: null,
    });
  });

  it("tells secret keys from keys about secrets", () => {
    for (const key of [
      "password",
      "PASSWORD",
      "db_password",
      "dbPassword",
      "x-auth-token",
      "apiKey",
      "api_key",
      "Cookie",
    ])
      expect(isSecretKey(key), key).toBe(true);
    for (const key of ["tokenId", "token.id", "token_scope", "tokenName", "message", "exarp.command", "stoken"])
      expect(isSecretKey(key), key).toBe(false);
  });

  it("cuts long strings only after scrubbing, and bounds depth, breadth and cycles", () => {
    const s = newSecret();
    const long = `${"a ".repeat(MAX_STRING / 2 - 10)}${s} ${"b".repeat(100)}`;
    const out = scrubText(long);
    expect(out).not.toContain(s.slice(0, 20));
    expect(out.length).toBe(MAX_STRING + 1);
    // Far longer text is cut before it is scrubbed: no secret survives, whole or in part, wherever the cut falls.
    for (let at = 0; at < 3 * MAX_STRING; at += 997) {
      const huge = `${"x".repeat(at)} ${s} postgres://u:${s.slice(6)}@h ${"y ".repeat(2 * MAX_STRING)}`;
      const scrubbed = scrubText(huge);
      expect(scrubbed.length).toBeLessThanOrEqual(MAX_STRING + 1);
      expect(scrubbed).not.toContain(s.slice(6, 20));
    }
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(redact(cyclic)).toEqual({ a: 1, self: "[…]" });
    expect((redact(Array.from({ length: 500 }, (_, i) => i)) as unknown[]).length).toBe(100);
    expect(redact(new Error(`boom ${s}`))).toBe(`Error: boom exarp_${REDACTED}`);
    expect(redact({ n: Number.NaN, b: 10n, u: undefined })).toEqual({ n: "NaN", b: "10", u: null });
  });

  it("takes time in proportion to hostile input", () => {
    const hostile = [
      "a".repeat(200_000),
      "a://b:".repeat(40_000),
      "exarp_".repeat(40_000),
      "password".repeat(30_000),
      `"${"token".repeat(40_000)}`,
      "Bearer ".repeat(30_000),
    ];
    for (const text of hostile) {
      const started = performance.now();
      scrubText(text);
      expect(performance.now() - started, text.slice(0, 12)).toBeLessThan(1500);
    }
  });
});
