// A scriptable OpenAI-compatible chat-completions server on 127.0.0.1 that records every request.
// OpenCode streams (SSE) with include_usage; this answers in that shape. Rules are JS predicates.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type ChatMessage = { role: string; content: unknown; tool_calls?: unknown[]; tool_call_id?: string };
export type ChatRequest = {
  n: number;
  model: string;
  /** OpenCode's session id (x-session-id header). */
  session: string;
  messages: ChatMessage[];
  tools: { function: { name: string } }[];
  body: Record<string, unknown>;
};

export type Reply = {
  text?: string;
  toolCalls?: { name: string; args: Record<string, unknown> }[];
  /** HTTP status to fail with (5xx retried by OpenCode, 4xx not). */
  error?: number;
  retryAfterMs?: number;
  /** Answer this much later (a model that takes its time). */
  delayMs?: number;
  usage?: { prompt: number; completion: number };
};

export type Rule = {
  name: string;
  when: (r: ChatRequest) => boolean;
  reply: Reply | ((r: ChatRequest) => Reply);
  times?: number;
};

/** Text of a message's content, whatever its shape (string or parts). */
export function textOf(m: ChatMessage | undefined): string {
  if (!m) return "";
  if (typeof m.content === "string") return m.content;
  if (Array.isArray(m.content)) return m.content.map((p) => (p as { text?: string }).text ?? "").join("\n");
  return "";
}

export const systemText = (r: ChatRequest) =>
  r.messages
    .filter((m) => m.role === "system")
    .map(textOf)
    .join("\n");
export const lastMessage = (r: ChatRequest) => r.messages.at(-1);
export const isTitle = (r: ChatRequest) => systemText(r).startsWith("You are a title generator");
export const isCompaction = (r: ChatRequest) => systemText(r).includes("context summarization agent");

export async function startMockModel() {
  const requests: ChatRequest[] = [];
  const rules: (Rule & { used: number })[] = [];
  let n = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
      const r: ChatRequest = {
        n: ++n,
        model: String(body.model),
        session: String(req.headers["x-session-id"] ?? ""),
        messages: (body.messages ?? []) as ChatMessage[],
        tools: (body.tools ?? []) as ChatRequest["tools"],
        body,
      };
      requests.push(r);
      const rule = rules.find((x) => x.used < (x.times ?? 1) && x.when(r));
      if (rule) rule.used++;
      const reply = rule
        ? typeof rule.reply === "function"
          ? rule.reply(r)
          : rule.reply
        : { text: isTitle(r) ? "A title" : "ok" };
      if (reply.delayMs) setTimeout(() => answer(res, r, reply), reply.delayMs);
      else answer(res, r, reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    /** Adds rules; the first unused matching rule answers a request (default: "ok"). */
    script(...add: Rule[]) {
      rules.push(...add.map((r) => ({ ...r, used: 0 })));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type MockModel = Awaited<ReturnType<typeof startMockModel>>;

function answer(res: import("node:http").ServerResponse, r: ChatRequest, reply: Reply): void {
  if (reply.error) {
    const type = reply.error >= 500 ? "server_error" : "invalid_request_error";
    res.writeHead(reply.error, {
      "content-type": "application/json",
      ...(reply.retryAfterMs !== undefined ? { "retry-after-ms": String(reply.retryAfterMs) } : {}),
    });
    res.end(JSON.stringify({ error: { message: `mock model failed with HTTP ${reply.error}`, type } }));
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const id = `chatcmpl-${r.n}`;
  const send = (choices: unknown[], extra: object = {}) =>
    res.write(
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 0, model: r.model, choices, ...extra })}\n\n`,
    );
  send([{ index: 0, delta: { role: "assistant", content: "" } }]);
  if (reply.text) send([{ index: 0, delta: { content: reply.text } }]);
  (reply.toolCalls ?? []).forEach((call, i) => {
    send([
      {
        index: 0,
        delta: {
          tool_calls: [
            {
              index: i,
              id: `call_${r.n}_${i}`,
              type: "function",
              function: { name: call.name, arguments: JSON.stringify(call.args) },
            },
          ],
        },
      },
    ]);
  });
  send([{ index: 0, delta: {}, finish_reason: reply.toolCalls?.length ? "tool_calls" : "stop" }]);
  const prompt = reply.usage?.prompt ?? Math.ceil(JSON.stringify(r.messages).length / 4);
  const completion = reply.usage?.completion ?? 5;
  send([], { usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } });
  res.end("data: [DONE]\n\n");
}
