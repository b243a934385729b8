// Who the MCP server acts as: never a person, whatever the flags and the environment say.
import { describe, expect, it } from "vitest";
import { testExarp } from "../../test/support/exarp.ts";
import { connectMcp } from "../../test/support/mcp.ts";
import { DEFAULT_MCP_AGENT, serverActor } from "./identity.ts";

const osUser = { name: "user:me", session: null };

describe("the MCP server's identity", () => {
  it("takes --as, else an agent's $EXARP_AGENT, else agent:mcp; the session from --session, else the environment", () => {
    expect(serverActor({ name: "agent:flag", session: "s1" }, osUser, undefined)).toEqual({
      actor: { name: "agent:flag", session: "s1" },
    });
    const env = { name: "agent:env", session: "ses_env" };
    expect(serverActor({}, env, "agent:env")).toEqual({ actor: env });
    expect(serverActor({ session: "s2" }, env, "agent:env")).toEqual({ actor: { name: "agent:env", session: "s2" } });
    expect(serverActor({}, { name: "subagent:x", session: null }, "subagent:x").actor.name).toBe("subagent:x");
    // No $EXARP_AGENT: the environment's identity is the OS user, a person; quietly agent:mcp.
    expect(serverActor({}, osUser, undefined)).toEqual({ actor: { name: DEFAULT_MCP_AGENT, session: null } });
    expect(serverActor({}, osUser, "")).toEqual({ actor: { name: DEFAULT_MCP_AGENT, session: null } });
  });

  it("refuses --as naming a person, and replaces a person's $EXARP_AGENT with agent:mcp, saying so", () => {
    expect(serverActor({ name: "user:ana" }, osUser, undefined).refused).toContain("--as user:ana names a person");
    const person = serverActor({}, { name: "user:ana", session: "s" }, "user:ana");
    expect(person.actor).toEqual({ name: DEFAULT_MCP_AGENT, session: "s" });
    expect(person.note).toBe("exarp mcp: $EXARP_AGENT is user:ana, a person; acting as agent:mcp instead");
  });

  it("will not serve for a person even when a library caller asks", async () => {
    const { exarp } = testExarp({ actor: { name: "user:ana", session: null } });
    await expect(connectMcp(exarp)).rejects.toThrow("the MCP server acts for agents, not for user:ana");
    exarp.close();
  });
});
