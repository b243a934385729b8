import type { CliCommand } from "../command.ts";
import { ttlOption } from "./options.ts";

export const claim: CliCommand = {
  name: "claim",
  summary: "Lease a ready task to an agent (starts it); exit 1 if someone else holds it",
  usage: "ID",
  arity: [1, 1],
  options: ttlOption,
  examples: ["exarp claim T-k3f9 --as agent:build --session ses_1 --ttl 600"],
  load: async () => (await import("../commands/coordination.ts")).claim,
};

export const renew: CliCommand = {
  name: "renew",
  summary: "Extend your lease on a task",
  usage: "ID",
  arity: [1, 1],
  options: ttlOption,
  load: async () => (await import("../commands/coordination.ts")).renew,
};

export const release: CliCommand = {
  name: "release",
  summary: "End your lease on a task (--force: someone else's, recorded)",
  usage: "ID",
  arity: [1, 1],
  options: { force: { type: "boolean", help: "break another holder's lease" } },
  load: async () => (await import("../commands/coordination.ts")).release,
};

export const leases: CliCommand = {
  name: "leases",
  summary: "Who holds which task, with which token, until when",
  usage: "",
  arity: [0, 0],
  readOnly: true,
  load: async () => (await import("../commands/coordination.ts")).leases,
};

export const sweep: CliCommand = {
  name: "sweep",
  summary: "End expired leases now: their in-progress tasks go back to todo",
  usage: "",
  arity: [0, 0],
  load: async () => (await import("../commands/coordination.ts")).sweep,
};

export const approvals: CliCommand = {
  name: "approvals",
  summary: "Tasks in review waiting for a decision",
  usage: "",
  arity: [0, 0],
  readOnly: true,
  load: async () => (await import("../commands/coordination.ts")).approvals,
};

export const approve: CliCommand = {
  name: "approve",
  summary: "Approve a task in review: it becomes done (a person, not the one who asked)",
  usage: "ID",
  arity: [1, 1],
  options: { note: { type: "string", value: "TEXT", help: "a note kept with the decision" } },
  load: async () => (await import("../commands/coordination.ts")).approve,
};

export const deny: CliCommand = {
  name: "deny",
  summary: "Deny a task in review: back to in progress, the reason added as a comment",
  usage: "ID",
  arity: [1, 1],
  options: { reason: { type: "string", short: "r", value: "TEXT", help: "what must change (required)" } },
  load: async () => (await import("../commands/coordination.ts")).deny,
};
