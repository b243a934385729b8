// `exarp token` as a person runs it: the built CLI in real child processes, on a real project.
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { osActor } from "../src/app/actor.ts";
import { openProject } from "../src/app/project.ts";
import type { TokenView } from "../src/token/token.ts";
import { lines, run, runJson, stateBytes } from "./support/hermetic.ts";
import { tempDir } from "./support/temp.ts";

const SECRET = /^exarp_[A-Za-z0-9_-]{43}$/;

function project(): string {
  const root = tempDir();
  expect(run(root, ["init"]).code).toBe(0);
  return root;
}

/** Every file under the project's `.exarp/`, as text. */
function projectFiles(root: string): [string, string][] {
  const dir = join(root, ".exarp");
  return readdirSync(dir, { recursive: true })
    .map((name) => join(dir, String(name)))
    .filter((path) => statSync(path).isFile())
    .map((path) => [path, readFileSync(path, "latin1")]);
}

describe("exarp token", () => {
  it("create prints the secret once, on stdout only, and keeps it in no file", () => {
    const root = project();
    const made = run(root, ["token", "create", "--scope", "owner", "--name", "laptop"]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toBe("");
    const [said, secret, warning] = lines(made.stdout);
    expect(said).toMatch(new RegExp(`^created token tok_[0-9a-z]{16} \\(owner, acts as ${osActor().name}, laptop\\)$`));
    expect(secret).toMatch(SECRET);
    expect(warning).toBe("This secret is shown once and will not be shown again: keep it now.");
    expect(lines(made.stdout)).toHaveLength(3);
    const json = runJson<{ token: TokenView; secret: string }>(root, ["token", "create", "--scope", "viewer"]);
    expect(json.secret).toMatch(SECRET);
    expect(Object.keys(json)).toEqual(["token", "secret"]);
    const quiet = run(root, ["token", "create", "--scope", "viewer", "-q"]);
    expect([quiet.code, quiet.stderr]).toEqual([0, ""]);
    expect(quiet.stdout).toMatch(new RegExp(`^${SECRET.source.slice(1, -1)}\n$`));
    for (const [path, text] of projectFiles(root)) {
      expect(text.includes(secret as string), path).toBe(false);
      expect(text.includes(json.secret), path).toBe(false);
    }
    const exarp = openProject(root);
    try {
      expect(exarp.tokens.verify(secret as string)?.name).toBe("laptop");
      expect(exarp.tokens.verify(json.secret)).toEqual(json.token);
    } finally {
      exarp.close();
    }
  });

  it("--as names who the token acts as; whoever runs the command creates it, and must be a person", () => {
    const root = project();
    const me = osActor().name;
    const ci = runJson<{ token: TokenView }>(root, ["token", "create", "--scope", "collaborator", "--as", "agent:ci"]);
    expect(ci.token).toMatchObject({ identity: "agent:ci", createdBy: me, name: "collaborator" });
    // Acting as a person on the command line does not make an agent's shell able to mint tokens.
    const before = stateBytes(root);
    const agent = run(root, ["token", "create", "--scope", "owner", "--as", "user:ana"], {
      env: { EXARP_AGENT: "agent:build" },
    });
    expect(agent.code).toBe(1);
    expect(agent.stdout).toBe("");
    expect(agent.stderr).toBe("exarp: agent:build is not a person: only a person creates tokens\n");
    const wrongKind = run(root, ["token", "create", "--scope", "owner", "--as", "agent:x"]);
    expect(wrongKind.code).toBe(2);
    expect(wrongKind.stderr).toBe("exarp: invalid input: --as: an owner token acts as a person (user:NAME)\n");
    const hostile = run(root, ["token", "create", "--scope", "viewer", "--name", "a\u001b[31mb"]);
    expect(hostile.code).toBe(2);
    expect(hostile.stderr).toMatch(/^exarp: invalid input: --name: name /);
    const missing = run(root, ["token", "create", "--json"]);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stderr)).toMatchObject({
      error: {
        name: "InvalidInput",
        message: "invalid input: --scope: is required: one of viewer, collaborator, owner",
      },
    });
    expect(stateBytes(root)).toEqual(before);
  });

  it("list shows every token (revoked ones too); revoke ends one for good; mistakes get exit codes", () => {
    const root = project();
    const a = runJson<{ token: TokenView }>(root, ["token", "create", "--scope", "viewer", "--name", "wall"]).token;
    const b = runJson<{ token: TokenView }>(root, ["token", "create", "--scope", "owner"]).token;
    expect(run(root, ["token", "list"]).stdout).toMatch(/^ID +SCOPE +IDENTITY +NAME +CREATED +REVOKED\n/);
    const revoked = run(root, ["token", "revoke", a.id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toBe(`revoked token ${a.id} (viewer, acts as agent:wall, wall)\n`);
    const listed = runJson<{ tokens: TokenView[] }>(root, ["token", "list"]).tokens;
    expect(listed.map((t) => [t.id, t.revokedBy])).toEqual([
      [a.id, osActor().name],
      [b.id, null],
    ]);
    const table = lines(run(root, ["token", "list"]).stdout);
    expect(table[1]).toMatch(
      new RegExp(`^${a.id} +viewer +agent:wall +wall +\\d{4}-\\d\\d-\\d\\d [\\d:]+ UTC +\\d{4}-`),
    );
    expect(table[2]).toMatch(new RegExp(`^${b.id} +owner .* UTC +-$`));
    const before = stateBytes(root);
    const refusals: [string[], number, string][] = [
      [["token", "revoke", a.id], 1, `exarp: token ${a.id} was already revoked, by ${osActor().name} at `],
      [["token", "revoke", "tok_0000000000000000"], 1, "exarp: token tok_0000000000000000 not found"],
      [["token", "revoke", "T-1"], 2, "exarp: invalid input: ID: a token id is tok_"],
      [["token", "revoke"], 2, "exarp: missing arguments; usage: exarp token revoke ID"],
      [["token", "list", "--scope", "owner"], 2, "exarp: token list takes no --scope"],
      [["token", "revoke", b.id, "--as", "user:x"], 2, "exarp: token revoke takes no --as"],
      [["token", "mint"], 2, 'exarp: token takes create, list or revoke, not "mint"'],
      [["token", "list", "extra"], 2, 'exarp: unexpected argument "extra"; usage: exarp token list'],
    ];
    for (const [args, code, message] of refusals) {
      const r = run(root, args);
      expect(r.code, args.join(" ")).toBe(code);
      expect(r.stdout).toBe("");
      expect(r.stderr.startsWith(message), r.stderr).toBe(true);
    }
    expect(run(root, ["token", "revoke", b.id], { env: { EXARP_AGENT: "agent:build" } }).code).toBe(1);
    expect(stateBytes(root)).toEqual(before);
  });

  it("doctor --restore rebuilds the tokens from the audit trail: the restored project still verifies them", () => {
    const root = project();
    const kept = runJson<{ token: TokenView; secret: string }>(root, ["token", "create", "--scope", "owner"]);
    const gone = runJson<{ token: TokenView; secret: string }>(root, ["token", "create", "--scope", "viewer"]);
    expect(run(root, ["token", "revoke", gone.token.id]).code).toBe(0);
    expect(runJson(root, ["add", "after the tokens"]).task.title).toBe("after the tokens");
    const listed = runJson<{ tokens: TokenView[] }>(root, ["token", "list"]).tokens;
    rmSync(join(root, ".exarp", "exarp.db"));
    expect(run(root, ["token", "list"]).code).toBe(3);
    const restored = run(root, ["doctor", "--restore"]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(/^restored 4 events from the audit trail/);
    expect(runJson<{ tokens: TokenView[] }>(root, ["token", "list"]).tokens).toEqual(listed);
    const exarp = openProject(root);
    try {
      expect(exarp.tokens.verify(kept.secret)).toEqual(kept.token);
      expect(exarp.tokens.verify(gone.secret)).toBeUndefined();
      expect(exarp.tokens.hasOwner()).toBe(true);
      expect(exarp.doctor().ok).toBe(true);
    } finally {
      exarp.close();
    }
  });
});
