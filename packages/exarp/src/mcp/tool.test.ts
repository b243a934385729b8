// The dispatcher's one translation of failures, with handlers that fail on purpose.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { testExarp } from "../../test/support/exarp.ts";
import { Busy, InvalidInput, Refused } from "../errors-catalog.ts";
import { badArguments } from "./arguments.ts";
import { createIdentity } from "./identity.ts";
import { callTool, defineTool } from "./tool.ts";

function run(fail: () => unknown, options: { busyRetryMs?: number; output?: z.ZodObject } = {}) {
  const { exarp } = testExarp();
  const logs: string[] = [];
  const log = (line: string) => logs.push(line);
  const input = z.strictObject({});
  const tool = defineTool({
    name: "probe",
    description: "",
    input,
    output: options.output,
    run: () => fail() as never,
  });
  const result = callTool(tool, {}, createIdentity(exarp, { log }), { log, ...options });
  return { logs, exarp, result };
}

const refusal = (text: string) => ({ isError: true, content: [{ type: "text", text }] });

describe("mcp tool dispatch", () => {
  it("returns data as compact JSON text, with bidi and C1 characters escaped", async () => {
    const { result, exarp } = run(() => ({ json: { a: [1, 2], title: "\u202eevil\u009b" } }));
    expect(await result).toEqual({ content: [{ type: "text", text: '{"a":[1,2],"title":"\\u202eevil\\u009b"}' }] });
    exarp.close();
  });

  it("returns the same JSON as structuredContent too when the tool declares an output schema", async () => {
    const output = z.object({ title: z.string() });
    const { result, exarp } = run(() => ({ json: { title: "\u202eevil", gone: undefined } }), { output });
    expect(await result).toEqual({
      content: [{ type: "text", text: '{"title":"\\u202eevil"}' }],
      structuredContent: { title: "\u202eevil" },
    });
    exarp.close();
  });

  it("returns text neutralised: control characters become visible escapes, newlines stay", async () => {
    const { result, exarp } = run(() => ({ text: "line\u001b[2J\nnext" }));
    expect(await result).toEqual({ content: [{ type: "text", text: "line\\x1b[2J\nnext" }] });
    exarp.close();
  });

  it("turns a refusal into an isError result carrying its message", async () => {
    const { result, logs, exarp } = run(() => {
      throw new Refused({ reason: "nothing to undo" });
    });
    expect(await result).toEqual(refusal("nothing to undo"));
    expect(logs).toEqual([]);
    exarp.close();
  });

  it("answers what the core's own validation refuses, and a handler's own check, as invalid arguments", async () => {
    const core = run(() => {
      throw new InvalidInput({ issues: ["title: title is empty"] });
    });
    expect(await core.result).toEqual(refusal("probe: invalid arguments: title: title is empty"));
    core.exarp.close();
    const own = run(() => {
      throw badArguments("give one of a or b");
    });
    expect(await own.result).toEqual(refusal("probe: invalid arguments: give one of a or b"));
    own.exarp.close();
  });

  it("runs a busy write again until it lands, and answers busy when it never does", async () => {
    let attempts = 0;
    const lands = run(() => {
      if (++attempts < 3) throw new Busy({ waitedMs: 25 });
      return { json: { attempts } };
    });
    expect(await lands.result).toEqual({ content: [{ type: "text", text: '{"attempts":3}' }] });
    lands.exarp.close();

    const never = run(
      () => {
        throw new Busy({ waitedMs: 25 });
      },
      { busyRetryMs: 60 },
    );
    const answer = await never.result;
    expect(answer.isError).toBe(true);
    expect((answer.content[0] as { text: string }).text).toMatch(
      /^busy: another process is writing; retried for \d+ ms; nothing was changed; call again in a moment$/,
    );
    expect(never.logs).toEqual([]);
    never.exarp.close();
  });

  it("reports a bug as an internal error result and logs its stack", async () => {
    const { result, logs, exarp } = run(() => {
      throw new TypeError("boom");
    });
    expect(await result).toEqual(refusal("internal error: boom"));
    expect(logs[0]).toContain("probe failed: TypeError: boom");
    exarp.close();
  });
});
