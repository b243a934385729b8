// The dispatcher's one translation of failures, with handlers that fail on purpose.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { testExarp } from "../../test/support/exarp.ts";
import { InvalidInput, Refused } from "../errors-catalog.ts";
import { createIdentity } from "./identity.ts";
import { callTool, defineTool, ProtocolError } from "./tool.ts";

function run(fail: () => unknown) {
  const { exarp } = testExarp();
  const logs: string[] = [];
  const tool = defineTool({ name: "probe", description: "", input: z.strictObject({}), run: () => fail() as never });
  return { logs, exarp, result: callTool(tool, {}, createIdentity(exarp), (line) => logs.push(line)) };
}

describe("mcp tool dispatch", () => {
  it("returns data as compact JSON text", async () => {
    const { result, exarp } = run(() => ({ json: { a: [1, 2] } }));
    expect(await result).toEqual({ content: [{ type: "text", text: '{"a":[1,2]}' }] });
    exarp.close();
  });

  it("turns a refusal into an isError result carrying its message", async () => {
    const { result, logs, exarp } = run(() => {
      throw new Refused({ reason: "nothing to undo" });
    });
    expect(await result).toEqual({ isError: true, content: [{ type: "text", text: "nothing to undo" }] });
    expect(logs).toEqual([]);
    exarp.close();
  });

  it("turns what the core's own validation refuses into invalid params, not a result", async () => {
    const { result, exarp } = run(() => {
      throw new InvalidInput({ issues: ["title: title is empty"] });
    });
    const error = await result.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error).toMatchObject({ code: -32602, message: "probe: invalid input: title: title is empty" });
    exarp.close();
  });

  it("reports a bug as an internal error result and logs its stack", async () => {
    const { result, logs, exarp } = run(() => {
      throw new TypeError("boom");
    });
    expect(await result).toEqual({ isError: true, content: [{ type: "text", text: "internal error: boom" }] });
    expect(logs[0]).toContain("probe failed: TypeError: boom");
    exarp.close();
  });
});
