// Scoped tokens in the core: who may make them, who they act as, and a verify that takes anything.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { testExarp } from "../../test/support/exarp.ts";
import { failure } from "../../test/support/expect.ts";
import { seed } from "../../test/support/fc-seed.ts";
import { isBun } from "../store/driver.ts";

const SECRET = /^exarp_[A-Za-z0-9_-]{43}$/;

function project() {
  const t = testExarp();
  const ana = t.exarp.as({ name: "user:ana", session: null });
  return { ...t, ana };
}

describe(`tokens (${isBun ? "bun:sqlite" : "better-sqlite3"})`, () => {
  it("creates a token of each scope, shows it in list, verifies its secret, and revokes it for good", () => {
    const { exarp, ana, clock } = project();
    expect(exarp.tokens.hasOwner()).toBe(false);
    const owner = ana.tokens.create({ scope: "owner", name: "  laptop  " });
    expect(owner.secret).toMatch(SECRET);
    expect(owner.token).toEqual({
      id: expect.stringMatching(/^tok_[0-9a-z]{16}$/),
      name: "laptop",
      scope: "owner",
      identity: "user:ana",
      createdAt: clock.now(),
      createdBy: "user:ana",
      revokedAt: null,
      revokedBy: null,
    });
    expect(exarp.tokens.hasOwner()).toBe(true);
    const collaborator = ana.tokens.create({ scope: "collaborator" });
    expect(collaborator.token).toMatchObject({ name: "collaborator", identity: "agent:collaborator" });
    const viewer = ana.tokens.create({ scope: "viewer", name: "wall screen", as: "user:bob" });
    expect(viewer.token).toMatchObject({ name: "wall screen", identity: "user:bob" });
    expect(new Set([owner.secret, collaborator.secret, viewer.secret]).size).toBe(3);

    for (const made of [owner, collaborator, viewer]) expect(exarp.tokens.verify(made.secret)).toEqual(made.token);
    expect(exarp.tokens.list()).toEqual([owner.token, collaborator.token, viewer.token]);

    clock.advance(1000);
    const revoked = ana.tokens.revoke({ id: owner.token.id });
    expect(revoked).toEqual({ ...owner.token, revokedAt: clock.now(), revokedBy: "user:ana" });
    expect(exarp.tokens.verify(owner.secret)).toBeUndefined();
    expect(exarp.tokens.hasOwner()).toBe(false);
    expect(exarp.tokens.list()[0]).toEqual(revoked);
    const twice = failure(() => ana.tokens.revoke({ id: owner.token.id }));
    expect(twice.name).toBe("Refused");
    expect(twice.message).toBe(
      `token ${owner.token.id} was already revoked, by user:ana at ${new Date(clock.now()).toISOString()}`,
    );
    expect(exarp.tokens.verify(collaborator.secret)).toEqual(collaborator.token);
  });

  it("lets only a person create or revoke, and writes nothing when it refuses", () => {
    const { exarp, ana, store } = project();
    const made = ana.tokens.create({ scope: "viewer" });
    const before = store.maxSeq();
    for (const name of ["agent:build", "subagent:explore", "tester"]) {
      const someone = exarp.as({ name, session: "ses_1" });
      const create = failure(() => someone.tokens.create({ scope: "viewer" }));
      expect(create.name).toBe("Unauthorized");
      expect(create.message).toBe(`${name} is not a person: only a person creates tokens`);
      const revoke = failure(() => someone.tokens.revoke({ id: made.token.id }));
      expect(revoke.message).toBe(`${name} is not a person: only a person revokes tokens`);
      // Reading is anyone's.
      expect(someone.tokens.verify(made.secret)?.id).toBe(made.token.id);
    }
    expect(store.maxSeq()).toBe(before);
  });

  it("holds each scope to its kind of identity: owner a person, collaborator an agent, viewer anyone", () => {
    const { ana, store } = project();
    const before = store.maxSeq();
    const refusals: [string, string, string][] = [
      ["owner", "agent:build", "as: an owner token acts as a person (user:NAME)"],
      ["owner", "subagent:x", "as: an owner token acts as a person (user:NAME)"],
      [
        "collaborator",
        "user:bob",
        "as: a collaborator token acts as an agent (agent:NAME), not a person or a sub-agent",
      ],
      [
        "collaborator",
        "subagent:x",
        "as: a collaborator token acts as an agent (agent:NAME), not a person or a sub-agent",
      ],
    ];
    for (const [scope, as, issue] of refusals) {
      const error = failure(() => ana.tokens.create({ scope: scope as "owner", as }));
      expect(error.name).toBe("InvalidInput");
      expect(error.data).toEqual({ issues: [issue], fields: [{ path: "as", message: issue.slice(4) }] });
    }
    // A default identity follows the same rule: a collaborator named like a person is still an agent.
    expect(ana.tokens.create({ scope: "collaborator", name: "user:bob" }).token.identity).toBe("agent:user:bob");
    expect(store.maxSeq()).toBe(before + 1);
    for (const as of ["user:bob", "agent:ci", "subagent:x", "plain"])
      expect(ana.tokens.create({ scope: "viewer", as }).token.identity).toBe(as);
    expect(ana.tokens.create({ scope: "owner", as: "user:bob" }).token.identity).toBe("user:bob");
  });

  it("refuses hostile names, identities, scopes and ids with InvalidInput, and writes nothing", () => {
    const { ana, store } = project();
    const before = store.maxSeq();
    const bad: unknown[] = [
      { scope: "admin" },
      { scope: "OWNER" },
      {},
      { scope: "viewer", name: "" },
      { scope: "viewer", name: "   " },
      { scope: "viewer", name: "x".repeat(61) },
      { scope: "viewer", name: "red \u001b[31m" },
      { scope: "viewer", name: "flip \u202e" },
      { scope: "viewer", name: "two\nlines" },
      { scope: "viewer", name: 7 },
      { scope: "viewer", as: "" },
      { scope: "viewer", as: "x".repeat(101) },
      { scope: "viewer", as: "agent:\u0007" },
      { scope: "viewer", secret: "exarp_mine" },
      null,
      "viewer",
    ];
    for (const input of bad) {
      const error = failure(() => ana.tokens.create(input as { scope: "viewer" }));
      expect(error.name, JSON.stringify(input)).toBe("InvalidInput");
    }
    expect(ana.tokens.create({ scope: "viewer", name: "x".repeat(60) }).token.name).toHaveLength(60);
    for (const id of ["", "tok_", "TOK_abc", "tok_ABC", "tok_a b", "x".repeat(70), 5, null]) {
      const error = failure(() => ana.tokens.revoke({ id } as { id: string }));
      expect(error.name, String(id)).toBe("InvalidInput");
    }
    const unknown = failure(() => ana.tokens.revoke({ id: "tok_0000000000000000" }));
    expect(unknown.name).toBe("NotFound");
    expect(unknown.message).toBe("token tok_0000000000000000 not found");
    expect(store.maxSeq()).toBe(before + 1);
  });

  it("keeps only the secret's hash: the secret is in no file of the project", () => {
    const { ana, dir, store } = project();
    const { secret, token } = ana.tokens.create({ scope: "owner" });
    store.close();
    for (const file of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, file));
      expect(bytes.includes(secret), file).toBe(false);
      expect(bytes.includes(secret.slice(6)), file).toBe(false);
    }
    const audit = readFileSync(join(dir, "audit.jsonl"), "utf8");
    expect(audit).toContain(`"task":"${token.id}"`);
    expect(audit).toMatch(/"secretHash":"[0-9a-f]{64}"/);
  });

  it("verify never throws and accepts nothing but a live secret it created; isRevoked knows only revoked ones (property)", () => {
    const { exarp, ana } = project();
    const live = [ana.tokens.create({ scope: "owner" }).secret, ana.tokens.create({ scope: "viewer" }).secret];
    const gone = ana.tokens.create({ scope: "collaborator" });
    ana.tokens.revoke({ id: gone.token.id });
    const base64url = fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
    const shaped = fc.string({ unit: base64url, minLength: 43, maxLength: 43 }).map((s) => `exarp_${s}`);
    const mutated = fc
      .tuple(fc.constantFrom(...live, gone.secret), fc.nat(), fc.string({ unit: "binary", maxLength: 3 }))
      .chain(([secret, at, extra]) =>
        fc.constantFrom(
          secret.slice(0, -1),
          `${secret}${extra || "A"}`,
          ` ${secret}`,
          `${secret}\n`,
          secret.toUpperCase(),
          secret.replace("exarp_", "EXARP_"),
          secret.slice(6),
          `${secret.slice(0, 6 + (at % 43))}${secret[6 + (at % 43)] === "A" ? "B" : "A"}${secret.slice(7 + (at % 43))}`,
        ),
      );
    const candidate = fc.oneof(
      fc.anything(),
      fc.string({ unit: "binary", maxLength: 80 }),
      shaped,
      mutated.filter((s) => !live.includes(s)),
      fc.constant(gone.secret),
    );
    fc.assert(
      fc.property(candidate, (value) => {
        expect(exarp.tokens.verify(value as string)).toBeUndefined();
        expect(exarp.tokens.isRevoked(value as string)).toBe(value === gone.secret);
      }),
      { numRuns: 2000, seed: seed("verify") },
    );
    for (const secret of live) expect(exarp.tokens.verify(secret)?.revokedAt).toBeNull();
  });
});
