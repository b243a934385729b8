// What `exarp init` writes into a project for each client, as data: whole files it owns, and single
// keys (or one array element) it owns inside settings files that belong to the user or another tool.
import type { JsonFormat, KeyPath } from "./json-edit.ts";
import { agentTemplates, claudeFiles, opencodeCommands, type ToolNames } from "./templates.ts";

export const CLIENTS = ["opencode", "opencode-mcp", "claude-code", "cursor", "zed"] as const;
export type Client = (typeof CLIENTS)[number];

/** How each client is named to people, and the agent identity its MCP server acts as. */
export const CLIENT_INFO: Record<Client, { title: string; agent: string }> = {
  opencode: { title: "OpenCode (plugin)", agent: "agent:opencode" },
  "opencode-mcp": { title: "OpenCode (MCP server only)", agent: "agent:opencode" },
  "claude-code": { title: "Claude Code", agent: "agent:claude-code" },
  cursor: { title: "Cursor", agent: "agent:cursor" },
  zed: { title: "Zed", agent: "agent:zed" },
};

/** A settings file and how strict its syntax is. */
export type SettingsFile = { path: string; format: JsonFormat };

export type Artifact =
  /** A file exarp owns whole (a template). */
  | { kind: "file"; path: string; content: string }
  /** A file of exarp's that must go (`init --remove`). */
  | { kind: "no-file"; path: string }
  /** A key exarp owns inside someone else's settings file. */
  | { kind: "key"; file: SettingsFile; key: KeyPath; value: unknown }
  /** A key that must not be there for this wiring (the other OpenCode wiring's, whose tools would collide). */
  | { kind: "no-key"; file: SettingsFile; key: KeyPath; why: string }
  /** One string in an array of someone else's settings file (the plugin list). */
  | { kind: "element"; file: SettingsFile; key: KeyPath; value: string }
  /** Strings of that array that must not be there, matched by `matches`. */
  | { kind: "no-element"; file: SettingsFile; key: KeyPath; matches: (value: string) => boolean; why: string };

/** The command a client runs to start exarp's MCP server (absolute paths: it works whatever the client's folder). */
export type McpLaunch = { command: string; args: string[] };

export type Wiring = {
  /** The MCP server command before the per-client identity (`… mcp -C ROOT`). */
  mcp: McpLaunch;
  /** How opencode.json names the plugin (a path, so OpenCode never asks the registry). */
  plugin: string;
  /** The OpenCode settings file: the existing opencode.jsonc, else opencode.json. */
  opencodeFile: SettingsFile;
  model?: string;
  smallModel?: string;
};

/** The MCP entry's command line for one client: the server acts as that client's agent identity. */
export function mcpFor(client: Client, wiring: Wiring): McpLaunch {
  return { command: wiring.mcp.command, args: [...wiring.mcp.args, "--as", CLIENT_INFO[client].agent] };
}

/** True for a plugin-list entry that names opencode-exarp (by package name, path or URL). */
export const namesOpencodeExarp = (entry: string) => /(^|[/\\:])opencode-exarp(@[^/\\]*)?[/\\]?$/.test(entry);

const PLUGIN_TOOLS: ToolNames = {
  next: "exarp_next (claim=true)",
  board: "exarp_board",
  review: "exarp_move (to=review)",
  comment: "exarp_comment",
  plan: "exarp_context (role=plan)",
  approvals: "exarp_context (role=review)",
};

const mcpTools = (prefix: string): ToolNames => ({
  next: `${prefix}claim (action=claim, no taskId)`,
  board: `${prefix}tasks`,
  review: `${prefix}task_status (to=review)`,
  comment: `${prefix}task_write (action=comment)`,
  plan: `${prefix}plan`,
  approvals: `${prefix}approval (action=list)`,
});

const opencodeTemplates = (wiring: Wiring, tools: ToolNames): Artifact[] => {
  const file = wiring.opencodeFile;
  const agents = agentTemplates(tools);
  const commands = opencodeCommands(tools);
  const model = wiring.model ? { model: wiring.model } : {};
  const small = wiring.smallModel ? { model: wiring.smallModel } : model;
  return [
    ...agents.map(
      (a): Artifact => ({
        kind: "key",
        file,
        key: ["agent", a.name],
        value: { description: a.description, mode: "primary", ...model, prompt: a.prompt, ...a.opencode },
      }),
    ),
    ...commands.map(
      (c): Artifact => ({
        kind: "key",
        file,
        key: ["command", c.name],
        value: {
          description: c.description,
          template: c.template,
          ...(c.agent ? { agent: c.agent } : {}),
          ...(c.light ? small : model),
        },
      }),
    ),
  ];
};

/** Everything one client's wiring consists of. */
export function artifactsFor(client: Client, wiring: Wiring): Artifact[] {
  const launch = mcpFor(client, wiring);
  switch (client) {
    case "opencode":
      return [
        { kind: "element", file: wiring.opencodeFile, key: ["plugin"], value: wiring.plugin },
        {
          kind: "no-element",
          file: wiring.opencodeFile,
          key: ["plugin"],
          matches: (entry) => namesOpencodeExarp(entry) && entry !== wiring.plugin,
          why: `OpenCode fetches a plugin named any other way from the registry (and fails offline, silently); exarp wires it as ${JSON.stringify(wiring.plugin)}`,
        },
        {
          kind: "no-key",
          file: wiring.opencodeFile,
          key: ["mcp", "exarp"],
          why: "with the plugin wired, the model would get a second set of exarp tools doing the same work as another identity",
        },
        ...opencodeTemplates(wiring, PLUGIN_TOOLS),
      ];
    case "opencode-mcp":
      return [
        {
          kind: "key",
          file: wiring.opencodeFile,
          key: ["mcp", "exarp"],
          value: { type: "local", command: [launch.command, ...launch.args], enabled: true },
        },
        {
          kind: "no-element",
          file: wiring.opencodeFile,
          key: ["plugin"],
          matches: namesOpencodeExarp,
          why: "with the MCP server wired, the model would get a second set of exarp tools doing the same work as another identity",
        },
        ...opencodeTemplates(wiring, mcpTools("exarp_")),
      ];
    case "claude-code":
      return [
        {
          kind: "key",
          file: { path: ".mcp.json", format: "json" },
          key: ["mcpServers", "exarp"],
          value: { type: "stdio", command: launch.command, args: launch.args, env: {} },
        },
        ...claudeFiles(mcpTools("mcp__exarp__"), wiring.model, wiring.smallModel).map(
          (f): Artifact => ({ kind: "file", path: f.path, content: f.content }),
        ),
      ];
    case "cursor":
      return [
        {
          kind: "key",
          file: { path: ".cursor/mcp.json", format: "json" },
          key: ["mcpServers", "exarp"],
          value: { type: "stdio", command: launch.command, args: launch.args, env: {} },
        },
      ];
    case "zed":
      return [
        {
          kind: "key",
          file: { path: ".zed/settings.json", format: "jsonc" },
          key: ["context_servers", "exarp"],
          value: { command: launch.command, args: launch.args, env: {} },
        },
      ];
  }
}

/** The settings file an artifact lives in, or its own path. */
export const artifactPath = (a: Artifact) => (a.kind === "file" || a.kind === "no-file" ? a.path : a.file.path);

/** What undoing an artifact means: the file deleted, the key or plugin entry taken out. */
export function removalOf(a: Artifact): Artifact | undefined {
  const why = "exarp init --remove takes out only what exarp wrote";
  if (a.kind === "file") return { kind: "no-file", path: a.path };
  if (a.kind === "key") return { kind: "no-key", file: a.file, key: a.key, why };
  if (a.kind === "element") return { kind: "no-element", file: a.file, key: a.key, matches: (v) => v === a.value, why };
  return undefined;
}

/** How an artifact is named in the plan and in refusals: `opencode.json: mcp.exarp`. */
export function artifactLabel(a: Artifact): string {
  if (a.kind === "file" || a.kind === "no-file") return a.path;
  const key = a.key.join(".");
  if (a.kind === "element") return `${a.file.path}: ${key} entry ${JSON.stringify(a.value)}`;
  if (a.kind === "no-element") return `${a.file.path}: ${key} entries naming opencode-exarp`;
  return `${a.file.path}: ${key}`;
}
