// Who the person at the keyboard is, under Bun (the runtime OpenCode runs the plugin in) with $USER
// unset: Bun's os.userInfo() says "unknown" then, which once let a person approve their own review.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const here = fileURLToPath(new URL(".", import.meta.url));
const repo = join(here, "..", "..", "..");
const BUN = process.versions.bun ? process.execPath : join(repo, "node_modules", ".bin", "bun");

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The login name the system gives this uid (what `id -un` says), else the core's `uid-<n>` fallback. */
function loginName(): string {
  const id = spawnSync("id", ["-un"], { encoding: "utf8" });
  return id.status === 0 && id.stdout.trim() ? id.stdout.trim() : `uid-${process.getuid?.()}`;
}

describe("the person at the keyboard", () => {
  it("is the OS user from the uid under Bun with $USER unset, and cannot approve a review they asked for from the CLI", () => {
    const dir = mkdtempSync(join(tmpdir(), "exarp-person-"));
    made.push(dir);
    const script = join(dir, "approve.ts");
    writeFileSync(
      script,
      `import { initProject, osActor } from ${JSON.stringify(join(repo, "packages", "exarp", "src", "index.ts"))};
import { runCommand } from ${JSON.stringify(join(here, "commands.ts"))};
import { personAtKeyboard } from ${JSON.stringify(join(here, "identity.ts"))};
import { userInfo } from "node:os";
const person = personAtKeyboard();
const exarp = initProject(${JSON.stringify(join(dir, "project"))}, { actor: osActor() });
const task = exarp.tasks.create({ title: "mine" });
exarp.tasks.setStatus({ id: task.id, to: "in_progress" });
exarp.tasks.setStatus({ id: task.id, to: "review" });
const text = await runCommand(exarp, "approve", task.id, person, 1000);
console.log(JSON.stringify({ bun: process.versions.bun, user: process.env.USER ?? null, runtime: userInfo().username, person: person.name, text, status: exarp.tasks.get(task.id).status }));
exarp.close();
`,
    );
    const { USER: _user, LOGNAME: _logname, ...env } = process.env;
    mkdirSync(join(dir, "project"));
    const r = spawnSync(BUN, [script], { cwd: dir, env, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split("\n").at(-1) as string) as Record<string, string | null>;
    expect(out.bun).toMatch(/^\d+\.\d+/);
    expect(out.user).toBeNull();
    // The condition of the old bug really holds here: Bun's own answer with $USER unset.
    expect(out.runtime).toBe("unknown");
    expect(out.person).toBe(`user:${loginName()}`);
    expect(out.text).toMatch(/^exarp refused: user:\S+ asked for the review of T-\w+ and cannot decide on it/);
    expect(out.status).toBe("review");
  });
});
