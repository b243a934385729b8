import type { CallToolResult, Tool, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { ExarpError } from "../errors.ts";
import { InvalidInput } from "../errors-catalog.ts";
import { isSqliteError } from "../store/driver.ts";
import type { As, Identity, Services } from "./identity.ts";

/** What a tool returns: data rendered as compact JSON, or text the model reads as-is. */
export type ToolOutput = { json: unknown } | { text: string };

/** The fields one action of a tool takes; `required` ones must be given. */
export type ActionSpec<Field extends string> = { fields: readonly Field[]; required?: readonly Field[] };

type FieldOf<S extends z.ZodObject> = Exclude<keyof z.input<S> & string, "action" | "as">;
type ActionOf<S extends z.ZodObject> = z.output<S> extends { action: infer A extends string } ? A : never;

/** One MCP tool: a zod input composed from the core schemas, and a handler calling the services. */
export type ToolSpec<S extends z.ZodObject = z.ZodObject> = {
  name: string;
  description: string;
  input: S;
  /** For tools with an `action`: what each action takes. Other fields are refused, not ignored. */
  actions?: Record<ActionOf<S>, ActionSpec<FieldOf<S>>>;
  annotations?: ToolAnnotations;
  run(args: z.output<S>, services: Services): ToolOutput | Promise<ToolOutput>;
};

/** Declares a tool with its types inferred from the input schema. */
export function defineTool<S extends z.ZodObject>(spec: ToolSpec<S>): ToolSpec {
  return spec as unknown as ToolSpec;
}

/** Largest `arguments` object accepted, as JSON (a description may be 64,000 characters). */
export const MAX_ARGUMENTS_CHARS = 256_000;

/**
 * A JSON-RPC error the SDK sends as it is: a plain Error with a `code` (McpError would prefix its
 * message with "MCP error -32602:", and the client prefixes it again).
 */
export class ProtocolError extends Error {
  readonly code: number;
  readonly data: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = "ProtocolError";
    this.code = code;
    this.data = data;
  }
}

/** JSON-RPC "invalid params": bad arguments are a protocol error, not a tool result. */
export const INVALID_PARAMS = -32602;

export function invalidParams(message: string, data?: { issues: string[] }): ProtocolError {
  return new ProtocolError(INVALID_PARAMS, message, data);
}

/** The tool's entry in `tools/list`: its JSON Schema generated from the zod input, compacted. */
export function toolDefinition(tool: ToolSpec): Tool {
  return {
    name: tool.name,
    description: tool.description,
    inputSchema: compactSchema(z.toJSONSchema(tool.input, { io: "input" })) as Tool["inputSchema"],
    ...(tool.annotations ? { annotations: tool.annotations } : {}),
  };
}

/** Drops what costs tokens and says nothing: the dialect URI (2020-12 is MCP's default) and safe-integer bounds. */
function compactSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(compactSchema);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "$schema") continue;
    if (key === "maximum" && value === Number.MAX_SAFE_INTEGER) continue;
    if (key === "minimum" && value === Number.MIN_SAFE_INTEGER) continue;
    out[key] = compactSchema(value);
  }
  return out;
}

/**
 * Runs one `tools/call`: validates the arguments (bad ones throw invalid params), runs the handler as
 * the caller, and translates failures once: a domain refusal (ExarpError) becomes an `isError`
 * result carrying its message; anything else is an internal error, reported the same way and logged.
 */
export async function callTool(
  tool: ToolSpec,
  raw: Record<string, unknown> | undefined,
  identity: Identity,
  log: (line: string) => void,
): Promise<CallToolResult> {
  const args = parseArguments(tool, raw ?? {});
  const services = identity.resolve(args.as as As | undefined);
  let output: ToolOutput;
  try {
    output = await tool.run(args, services);
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    // The core validates again; what it refuses is still a bad argument.
    if (InvalidInput.is(error)) throw invalidParams(`${tool.name}: ${error.message}`, error.data as never);
    return { isError: true, content: [{ type: "text", text: failureText(error, tool.name, log) }] };
  }
  identity.touch(services, log);
  const text = "json" in output ? JSON.stringify(output.json) : output.text;
  return { content: [{ type: "text", text }] };
}

function failureText(error: unknown, tool: string, log: (line: string) => void): string {
  if (error instanceof ExarpError) return error.message;
  if (isSqliteError(error)) return `database error: ${(error as Error).message}; retry`;
  log(`exarp mcp: ${tool} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return `internal error: ${error instanceof Error ? error.message : String(error)}`;
}

/** Validates `raw` against the tool's schema and its action's fields. */
export function parseArguments(tool: ToolSpec, raw: Record<string, unknown>): Record<string, unknown> {
  if (JSON.stringify(raw).length > MAX_ARGUMENTS_CHARS)
    throw invalidParams(`${tool.name}: arguments are longer than ${MAX_ARGUMENTS_CHARS} characters`);
  const parsed = tool.input.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => {
      const path = issue.path.join(".");
      return path ? `${path}: ${issue.message}` : issue.message;
    });
    throw invalidParams(`${tool.name}: invalid arguments: ${issues.join("; ")}`, { issues });
  }
  const args = parsed.data as Record<string, unknown>;
  if (tool.actions) checkAction(tool.name, tool.actions as Record<string, ActionSpec<string>>, args);
  return args;
}

function checkAction(name: string, actions: Record<string, ActionSpec<string>>, args: Record<string, unknown>) {
  const action = args.action as string;
  const spec = actions[action] as ActionSpec<string>;
  const given = Object.keys(args).filter((k) => k !== "action" && k !== "as" && args[k] !== undefined);
  const stray = given.filter((k) => !spec.fields.includes(k));
  if (stray.length) {
    const takes = spec.fields.length ? `it takes ${spec.fields.join(", ")}` : "it takes no other fields";
    throw invalidParams(`${name}: action ${action} does not take ${stray.join(", ")}; ${takes}`);
  }
  const missing = (spec.required ?? []).filter((k) => args[k] === undefined);
  if (missing.length) throw invalidParams(`${name}: action ${action} needs ${missing.join(", ")}`);
}
