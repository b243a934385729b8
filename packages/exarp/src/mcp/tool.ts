import type { CallToolResult, Tool, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import type { Services } from "../app/exarp.ts";
import { ExarpError } from "../errors.ts";
import { Busy, InvalidInput } from "../errors-catalog.ts";
import { retryWhileBusy } from "../kernel/busy.ts";
import { z } from "../kernel/zod.ts";
import { isSqliteError } from "../store/driver.ts";
import { neutralizeBlock, safeJson } from "../text/safe.ts";
import { type Scope, scopeAllows } from "../token/token.ts";
import { type ActionSpec, argumentsText, BadArguments, checkArguments } from "./arguments.ts";
import type { As, Identity } from "./identity.ts";
import { OUTPUTS } from "./outputs.ts";
import { REFUSAL_TEXT } from "./prompts.ts";

/** What a tool returns: data rendered as compact JSON, or text the model reads as-is. */
export type ToolOutput = { json: unknown } | { text: string };

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
  /**
   * The shape of the JSON the tool returns: declared as `outputSchema`, and its results carry it as
   * `structuredContent` besides the same JSON as text (clients pass one or the other to the model).
   */
  output?: z.ZodObject;
  /**
   * The token scope a call needs when the server acts for a token (remote MCP): viewer reads,
   * collaborator writes, owner decides. Default: viewer for a read-only tool, else collaborator.
   */
  scope?(args: z.output<S>, services: Services): Scope;
  /**
   * Calls the services. A write must fail synchronously (the services' writes do), so the dispatcher
   * can run the handler again while another process holds the write lock; a handler that waits
   * returns its promise only after its write committed (approval `request`). `signal` aborts a wait.
   */
  run(args: z.output<S>, services: Services, signal: AbortSignal): ToolOutput | Promise<ToolOutput>;
};

/** Declares a tool with its types inferred from the input schema. */
export function defineTool<S extends z.ZodObject>(spec: ToolSpec<S>): ToolSpec {
  return spec as unknown as ToolSpec;
}

/** The tool's entry in `tools/list`: its JSON Schema generated from the zod input, compacted. */
export function toolDefinition(tool: ToolSpec): Tool {
  return {
    name: tool.name,
    description: tool.description,
    inputSchema: compactSchema(z.toJSONSchema(tool.input, { io: "input" })) as Tool["inputSchema"],
    ...(tool.output
      ? { outputSchema: openSchema(z.toJSONSchema(tool.output, { io: "output", metadata: OUTPUTS.refs })) }
      : {}),
    ...(tool.annotations ? { annotations: tool.annotations } : {}),
  };
}

/**
 * An output schema compacted, its objects left open (a result may carry fields the schema does not
 * name), its `$defs` without the registry's copy of their names.
 */
function openSchema(schema: unknown): Tool["outputSchema"] {
  const open = JSON.parse(
    JSON.stringify(compactSchema(schema), (key, value) =>
      key === "additionalProperties" && value === false ? undefined : value,
    ),
  );
  for (const def of Object.values(open.$defs ?? {})) delete (def as { id?: string }).id;
  return open;
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

export type CallOptions = {
  log: (line: string) => void;
  /** How long a write keeps retrying while another process holds the write lock (default 10 s). */
  busyRetryMs?: number;
  /** Aborts a waiting call (the client cancelled, or the server is closing). */
  signal?: AbortSignal;
  /** The scope of the token the server acts for; every call is checked against it. None over stdio. */
  scope?: Scope;
};

const refusal = (text: string): CallToolResult => ({ isError: true, content: [{ type: "text", text }] });

/**
 * Runs one `tools/call` of a known tool. Every failure is a result with `isError: true`, never a
 * JSON-RPC error: arguments that are not an object or fail the tool's schema (`tool: invalid
 * arguments: …`, each problem named), refusals by the core (the error's message), a write that stays
 * busy past `busyRetryMs` (say so, retry), and bugs (logged). The handler runs as the caller; a write
 * blocked by another process is retried without blocking the event loop, so reads keep answering.
 */
export async function callTool(
  tool: ToolSpec,
  raw: unknown,
  identity: Identity,
  options: CallOptions,
): Promise<CallToolResult> {
  if (identity.fixed && raw !== null && typeof raw === "object" && Object.hasOwn(raw, "as"))
    return refusal(argumentsText(tool.name, [`as: ${identity.fixed}`]));
  const checked = checkArguments(tool.input, tool.actions as Record<string, ActionSpec> | undefined, raw);
  if ("problems" in checked) return refusal(neutralizeBlock(argumentsText(tool.name, checked.problems)));
  const { args } = checked;
  const services = identity.resolve(args.as as As | undefined);
  const signal = options.signal ?? new AbortController().signal;
  let output: ToolOutput;
  try {
    const forbidden = options.scope && scopeRefusal(tool, args, services, options.scope);
    if (forbidden) return refusal(forbidden);
    output = await retryWhileBusy(() => tool.run(args, services, signal), { totalMs: options.busyRetryMs });
  } catch (error) {
    return refusal(neutralizeBlock(failureText(error, tool.name, signal, options.log)));
  }
  // Activity renewal is a write: none for a token that only reads.
  if (!options.scope || scopeAllows(options.scope, "collaborator")) identity.touch(services);
  if ("text" in output) return { content: [{ type: "text", text: neutralizeBlock(output.text) }] };
  const json = safeJson(output.json);
  const content: CallToolResult["content"] = [{ type: "text", text: json }];
  // The same JSON as the text, parsed back: fields the text leaves out (undefined) are absent here too.
  return tool.output ? { content, structuredContent: JSON.parse(json) } : { content };
}

/** Why a call that needs more than the token's scope is refused, naming the scope it needs. */
function scopeRefusal(tool: ToolSpec, args: Record<string, unknown>, services: Services, have: Scope) {
  const need = tool.scope?.(args, services) ?? (tool.annotations?.readOnlyHint ? "viewer" : "collaborator");
  if (scopeAllows(have, need)) return undefined;
  const call = typeof args.action === "string" ? `${tool.name} action=${args.action}` : tool.name;
  return REFUSAL_TEXT.scope(call, need, have);
}

function failureText(error: unknown, tool: string, signal: AbortSignal, log: (line: string) => void): string {
  if (error instanceof BadArguments) return argumentsText(tool, error.problems);
  // The core validates again; what it refuses is still a bad argument.
  if (InvalidInput.is(error)) return argumentsText(tool, error.data.issues);
  if (Busy.is(error)) return `${error.message}; ${REFUSAL_TEXT.busy}`;
  if (error instanceof ExarpError) return error.message;
  if (signal.aborted) return "cancelled: the call was abandoned before it finished";
  if (isSqliteError(error)) return `database error: ${(error as Error).message}; retry`;
  log(`exarp mcp: ${tool} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return `internal error: ${error instanceof Error ? error.message : String(error)}`;
}
