// Token events in the log: chained and mirrored like every audited event, replayed into the same
// table, never undone, and not carried live into another project by an import.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { testExarp } from "../../test/support/exarp.ts";
import { failure } from "../../test/support/expect.ts";
import { seed } from "../../test/support/fc-seed.ts";
import { tempDir } from "../../test/support/temp.ts";
import { verifyAudit } from "../audit/verify.ts";
import { describeEvent } from "../event/describe.ts";
import { hashEvent } from "../event/hash.ts";
import { verifyChain } from "../event/verify-chain.ts";
import { isBun } from "../store/driver.ts";
import { eventPages } from "../store/pages.ts";
import { dumpProjections, verifyReplay } from "../store/replay.ts";

function project(dir = tempDir(), seedValue = 7) {
  const t = testExarp({ dir, seed: seedValue });
  return { ...t, ana: t.exarp.as({ name: "user:ana", session: null }) };
}

type Exarp = ReturnType<typeof testExarp>["exarp"];

const exportText = (exarp: Exarp) => {
  const lines: string[] = [];
  exarp.transfer.exportTo((l) => lines.push(l));
  return `${lines.join("\n")}\n`;
};

describe(`token events (${isBun ? "bun:sqlite" : "better-sqlite3"})`, () => {
  it("are chained and mirrored to the audit trail, with the token as their subject and no secret", () => {
    const { exarp, ana, dir } = project();
    const task = exarp.tasks.create({ title: "before" });
    const { token, secret } = ana.tokens.create({ scope: "collaborator", name: "ci", as: "agent:ci" });
    ana.tokens.revoke({ id: token.id });
    const [created, revoked] = exarp.history.list({ after: 1 });
    expect(created).toMatchObject({
      type: "token.created",
      actor: "user:ana",
      payload: { tokenId: token.id, name: "ci", scope: "collaborator", identity: "agent:ci" },
    });
    expect(revoked).toMatchObject({ type: "token.revoked", actor: "user:ana", payload: { tokenId: token.id } });
    expect(describeEvent(created as never)).toBe(`token ${token.id} created: collaborator for agent:ci (ci)`);
    expect(describeEvent(revoked as never)).toBe(`token ${token.id} revoked`);
    expect(verifyChain(eventPages(exarp.store, 0))).toEqual({ events: 3, problems: [] });
    expect(verifyAudit(exarp.store, dir)).toEqual({ lines: 3, problems: [], notes: [] });
    const audited = exarp.auditTrail({ type: "token." });
    expect(audited.map((e) => [e.seq, e.type, e.task])).toEqual([
      [2, "token.created", token.id],
      [3, "token.revoked", token.id],
    ]);
    expect(JSON.stringify(audited)).not.toContain(secret);
    // A token's history is its own stream; a task's does not include it.
    expect(exarp.history.list({ taskId: token.id }).map((e) => e.type)).toEqual(["token.created", "token.revoked"]);
    expect(exarp.history.list({ taskId: task.id }).map((e) => e.type)).toEqual(["task.created"]);
    expect(exarp.doctor().ok).toBe(true);
  });

  it("replay rebuilds the tokens table exactly (property over create and revoke sequences)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom("viewer", "collaborator", "owner"), fc.nat(20)), { maxLength: 12 }),
        (steps) => {
          const { exarp, ana, store } = project();
          for (const step of steps) {
            if (typeof step === "string") ana.tokens.create({ scope: step });
            else {
              const live = exarp.tokens.list().filter((t) => t.revokedAt === null);
              const pick = live[step % Math.max(live.length, 1)];
              if (pick) ana.tokens.revoke({ id: pick.id });
            }
          }
          expect(verifyReplay(store)).toEqual({ events: store.maxSeq(), problems: [] });
          store.close();
        },
      ),
      { numRuns: 25, seed: seed("token replay") },
    );
  });

  it("are never undone: the creator's undo and an undo by number are refused, naming what to do instead", () => {
    const { exarp, ana, store } = project();
    const task = ana.tasks.create({ title: "mine" });
    const { token, secret } = ana.tokens.create({ scope: "owner" });
    const created = store.maxSeq();
    const own = failure(() => ana.history.undo());
    expect(own.name).toBe("Refused");
    expect(own.message).toBe(`#${created} created a token: tokens are not undone; revoke the token instead`);
    ana.tokens.revoke({ id: token.id });
    const revokedAt = store.maxSeq();
    // Named by number, the creation is refused for what it is, not for the revocation after it.
    expect(failure(() => exarp.history.undo({ seq: created })).message).toBe(
      `#${created} created a token: tokens are not undone; revoke the token instead`,
    );
    expect(failure(() => ana.history.undo({ seq: revokedAt })).message).toBe(
      `#${revokedAt} revoked a token: a revocation is final; create a new token instead`,
    );
    expect(store.maxSeq()).toBe(revokedAt);
    expect(exarp.tokens.verify(secret)).toBeUndefined();
    // An earlier change is still undone by its number.
    expect(ana.history.undo({ seq: 1 }).undone.map((e) => e.type)).toEqual(["task.created"]);
    expect(exarp.tasks.list({}).map((t) => t.id)).not.toContain(task.id);
  });

  it("travel in a full-log import, but every live token is revoked there by the importer, in the same transaction", () => {
    const source = project();
    source.exarp.tasks.create({ title: "carried" });
    const live = source.ana.tokens.create({ scope: "owner" });
    const revoked = source.ana.tokens.create({ scope: "viewer" });
    source.ana.tokens.revoke({ id: revoked.token.id });
    const text = exportText(source.exarp);
    const target = project(tempDir(), 99);
    target.clock.advance(60_000);
    const importer = target.exarp.as({ name: "agent:mover", session: "s1" });
    expect(importer.transfer.importText(text)).toMatchObject({ mode: "log", tasks: 1, events: 4 });
    const carried = source.store.listEvents();
    const events = target.store.listEvents();
    expect(events.slice(0, carried.length)).toEqual(carried);
    expect(events.slice(carried.length)).toMatchObject([
      {
        seq: 5,
        command: 5,
        type: "token.revoked",
        actor: "agent:mover",
        session: "s1",
        time: target.clock.now(),
        payload: { tokenId: live.token.id },
      },
    ]);
    expect(target.exarp.tokens.verify(live.secret)).toBeUndefined();
    expect(target.exarp.tokens.list().map((t) => [t.id, t.revokedBy])).toEqual([
      [live.token.id, "agent:mover"],
      [revoked.token.id, "user:ana"],
    ]);
    expect(target.exarp.doctor().ok).toBe(true);
    expect(verifyAudit(target.store, target.dir)).toEqual({ lines: 5, problems: [], notes: [] });
    // The source is untouched, and a task-only import (into a project with history) brings no token.
    expect(source.exarp.tokens.verify(live.secret)?.id).toBe(live.token.id);
    const other = project(tempDir(), 5);
    other.exarp.tasks.create({ title: "already here" });
    expect(other.exarp.transfer.importText(text)).toMatchObject({ mode: "tasks", tasks: 1 });
    expect(other.exarp.tokens.list()).toEqual([]);
    expect(dumpProjections(other.store).tokens).toEqual([]);
  });

  it("refuses a crafted log whose token events contradict each other: one InvalidInput, nothing written", () => {
    const source = project();
    source.ana.tokens.create({ scope: "owner" });
    const [header, ...rest] = exportText(source.exarp).trimEnd().split("\n");
    const last = JSON.parse(rest.at(-1) as string);
    /** The export with one more event, hashed so the chain holds: only its meaning is wrong. */
    const withEvent = (type: string, payload: Record<string, unknown>) => {
      const seq = last.seq + 1;
      const e = {
        seq,
        type,
        time: last.time,
        actor: "user:eve",
        session: null,
        origin: "o",
        command: seq,
        undoes: null,
      };
      const hash = hashEvent(last.hash, { ...e, stream: payload.tokenId as string, payload: JSON.stringify(payload) });
      return [header, ...rest, JSON.stringify({ kind: "event", ...e, payload, prevHash: last.hash, hash })].join("\n");
    };
    const cases: [string, RegExp][] = [
      [
        withEvent("token.revoked", { tokenId: "tok_nosuchtoken" }),
        /^invalid input: event log in file cannot be applied: projection: event 2 revokes tok_nosuchtoken, which is not a live token$/,
      ],
      [
        withEvent("token.created", { ...last.payload, tokenId: "tok_twin" }),
        /^invalid input: event log in file cannot be applied: UNIQUE constraint failed: tokens\.secret_hash$/,
      ],
      [
        withEvent("token.created", { ...last.payload, scope: "root" }),
        /^invalid input: line 3: token\.created payload: scope: /,
      ],
    ];
    for (const [text, message] of cases) {
      const target = project(tempDir(), 3);
      const error = failure(() => target.exarp.transfer.importText(text));
      expect(error.name).toBe("InvalidInput");
      expect(error.message).toMatch(message);
      expect(target.store.maxSeq()).toBe(0);
      expect(target.exarp.tokens.list()).toEqual([]);
    }
  });
});
