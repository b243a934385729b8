// Responses of the remote MCP endpoint that the SDK's transport does not make itself.

/** The SDK transport's error codes: a session that does not exist, and any other refusal. */
export const SESSION_NOT_FOUND = -32001;
export const SERVER_ERROR = -32000;

/** A JSON-RPC error with no request id, as MCP clients expect from the HTTP layer. */
export function rpcError(
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

/**
 * The same response, calling `done` once its body has been read to the end or cancelled (the
 * client went away): an SSE answer or notification stream stays open long after `handleRequest`.
 */
export function whenDone(response: Response, done: () => void): Response {
  let called = false;
  const finish = () => {
    if (called) return;
    called = true;
    done();
  };
  if (!response.body) {
    finish();
    return response;
  }
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const chunk = await reader.read();
        if (chunk.done) {
          controller.close();
          finish();
        } else controller.enqueue(chunk.value);
      } catch (error) {
        finish();
        controller.error(error);
      }
    },
    cancel(reason) {
      finish();
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
