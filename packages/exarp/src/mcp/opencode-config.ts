// Adding the exarp MCP server to a project's opencode.json without disturbing anything else in it.

/** The server entry OpenCode starts: `mcp.exarp` in opencode.json. */
export const OPENCODE_MCP_ENTRY = { type: "local", command: ["npx", "exarp", "mcp"] } as const;

const SCHEMA_URL = "https://opencode.ai/config.json";

/** What merging would do: write `text`, leave the file alone, or refuse (and say why). */
export type OpencodeMerge =
  | { outcome: "created" | "added"; text: string }
  | { outcome: "present" | "kept" }
  | { outcome: "refused"; reason: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Merges `mcp.exarp` into the text of an opencode.json (`undefined`: there is none yet). Every other
 * key keeps its value and order, and the file keeps its indentation. An `mcp.exarp` already there is
 * left as it is ("present" when it is ours, "kept" when someone changed it); a file that is not a
 * JSON object, or whose `mcp` is not an object, is refused.
 */
export function mergeOpencodeConfig(text: string | undefined): OpencodeMerge {
  if (text === undefined) {
    const config = { $schema: SCHEMA_URL, mcp: { exarp: OPENCODE_MCP_ENTRY } };
    return { outcome: "created", text: `${JSON.stringify(config, null, 2)}\n` };
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    return { outcome: "refused", reason: `it is not valid JSON (${(error as Error).message})` };
  }
  if (!isObject(config)) return { outcome: "refused", reason: "it is not a JSON object" };
  const mcp = config.mcp ?? {};
  if (!isObject(mcp)) return { outcome: "refused", reason: `its "mcp" is not an object` };
  if (mcp.exarp !== undefined) {
    return { outcome: JSON.stringify(mcp.exarp) === JSON.stringify(OPENCODE_MCP_ENTRY) ? "present" : "kept" };
  }
  const merged = { ...config, mcp: { ...mcp, exarp: OPENCODE_MCP_ENTRY } };
  const indent = /^([ \t]+)"/m.exec(text)?.[1] ?? "  ";
  return { outcome: "added", text: `${JSON.stringify(merged, null, indent)}${text.endsWith("\n") ? "\n" : ""}` };
}
