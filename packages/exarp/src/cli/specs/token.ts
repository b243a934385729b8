import type { CliCommand } from "../command.ts";

export const token: CliCommand = {
  name: "token",
  summary: "Create, list or revoke the scoped tokens of `exarp serve` (create and revoke: a person)",
  usage: "create|list|revoke [ID]",
  arity: [1, 2],
  options: {
    scope: {
      type: "string",
      value: "SCOPE",
      help: "create: viewer (reads), collaborator (an agent's writes) or owner (a person's decisions)",
    },
    name: { type: "string", value: "LABEL", help: "create: a label for people (default the scope)" },
    quiet: { type: "boolean", short: "q", help: "create: print only the secret (for scripts)" },
    // Here --as names who the new token acts as; whoever runs the command ($EXARP_AGENT, else the
    // login user) is the one who creates it, and must be a person.
    as: {
      type: "string",
      value: "WHO",
      help: "create: who the token acts as (owner: user:NAME, default you; else agent:NAME, default agent:LABEL); not who creates it, which is you",
    },
  },
  fields: { scope: "--scope", name: "--name", as: "--as", id: "ID" },
  examples: [
    "exarp token create --scope collaborator --name ci --as agent:ci   # prints the secret once",
    "EXARP_TOKEN=$(exarp token create --scope viewer -q)   # only the secret, for scripts",
    "exarp token list",
    "exarp token revoke tok_0123456789abcdef",
  ],
  readOnly: (_values, args) => args[0] === "list",
  load: async () => (await import("../commands/token.ts")).token,
};
