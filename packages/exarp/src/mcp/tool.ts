import type { CallToolResult, Tool, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import { ExarpError } from "../errors.ts";
import { Busy, InvalidInput } from "../errors-catalog.ts";
import { retryWhileBusy } from "../kernel/busy.ts";
import { z } from "../kernel/zod.ts";
import { isSqliteError } from "../store/driver.ts";
import { neutralizeBlock, safeJson } from "../text/safe.ts";
import { type ActionSpec, argumentsText, BadArguments, checkArguments } from "./arguments.ts";
import type { As, Identity, Services } from "./identity.ts";
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

export type CallOptions = {
  log: (line: string) => void;
  /** How long a write keeps retrying while another process holds the write lock (default 10 s). */
  busyRetryMs?: number;
  /** Aborts a waiting call (the client cancelled, or the server is closing). */
  signal?: AbortSignal;
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
  const checked = checkArguments(tool.input, tool.actions as Record<string, ActionSpec> | undefined, raw);
  if ("problems" in checked) return refusal(neutralizeBlock(argumentsText(tool.name, checked.problems)));
  const { args } = checked;
  const services = identity.resolve(args.as as As | undefined);
  const signal = options.signal ?? new AbortController().signal;
  let output: ToolOutput;
  try {
    output = await retryWhileBusy(() => tool.run(args, services, signal), { totalMs: options.busyRetryMs });
  } catch (error) {
    return refusal(neutralizeBlock(failureText(error, tool.name, signal, options.log)));
  }
  identity.touch(services);
  return { content: [{ type: "text", text: "json" in output ? safeJson(output.json) : neutralizeBlock(output.text) }] };
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
