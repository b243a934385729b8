// The pure text work of team mode: `?` placeholders numbered for PostgreSQL, and database URLs read
// and shown without their password, whatever the input.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { seed } from "../../../test/support/fc-seed.ts";
import { numberPlaceholders } from "./driver.ts";
import { parsePgUrl } from "./url.ts";

/** SQL-ish text: words, placeholders, and quoted strings or identifiers that may hold `?` and `$`. */
const sqlPart = fc.oneof(
  fc.constantFrom("SELECT ", "x = ", ", ", " AND ", "(", ")", " ", "?"),
  fc.string({ maxLength: 6 }).map((t) => `'${t.replaceAll("'", "")}'`),
  fc.string({ maxLength: 6 }).map((t) => `"${t.replaceAll('"', "")}"`),
);

describe("numberPlaceholders", () => {
  it("numbers every ? outside quotes in order and leaves everything else as it was", () => {
    fc.assert(
      fc.property(fc.array(sqlPart, { maxLength: 30 }), (parts) => {
        const placeholders = parts.filter((p) => p === "?").length;
        let n = 0;
        const expected = parts.map((p) => (p === "?" ? `$${++n}` : p)).join("");
        expect(numberPlaceholders(parts.join(""))).toBe(expected);
        expect(n).toBe(placeholders);
      }),
      { seed: seed("numberPlaceholders") },
    );
  });
});

describe("parsePgUrl", () => {
  it("never shows or keeps a password in what it displays, for any password", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), (password) => {
        const url = `postgres://ann:${encodeURIComponent(password)}@db.example:5432/work?schema=billing&sslmode=require`;
        const location = parsePgUrl(url);
        expect(location.hasPassword).toBe(true);
        expect(location.display).toBe("postgres://ann@db.example:5432/work?sslmode=require&schema=billing");
        expect(new URL(location.display).password).toBe("");
        expect(location.schema).toBe("billing");
        expect(location.connectionString).not.toContain("schema=");
      }),
      { seed: seed("parsePgUrl password") },
    );
  });

  it("refuses what is not one project's place: another scheme, no host, no database, a bad schema", () => {
    for (const [url, says] of [
      ["mysql://db/work", "must start with postgres://"],
      ["postgres://", "names no host"],
      ["postgres://[::1/work", "is not a valid URL"],
      ["postgres://db.example", "names no database"],
      ["postgres://db.example/work?schema=Bad-Name", "must be a lowercase SQL name"],
      ["postgres://db.example/work?schema=x%00y", "must be a lowercase SQL name"],
      ['postgres://db.example/work?schema=a";drop', "must be a lowercase SQL name"],
    ] as const)
      expect(() => parsePgUrl(url), url).toThrow(says);
  });

  it("defaults to the public schema and accepts postgresql://", () => {
    expect(parsePgUrl("postgresql://db.example/work")).toMatchObject({
      schema: "public",
      hasPassword: false,
      display: "postgresql://db.example/work",
    });
  });
});
