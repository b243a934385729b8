// The session's task summary, shown to the primary model as a synthetic part first in the session's
// first user message, through `experimental.chat.messages.transform`. That hook runs once per
// agent-loop step (never for title requests), and what it changes is not stored: the summary reaches
// the model on every step, yet never the title model, the stored session, or a later transcript.

/** A message as `experimental.chat.messages.transform` hands it over (only the fields read here). */
export type LoopMessage = {
  info: { id: string; sessionID: string; role: string };
  parts: readonly { id?: string; type: string }[];
};

/** Where the session's first user message is in the step's messages, or -1. */
export function firstUserIndex(messages: readonly LoopMessage[]): number {
  return messages.findIndex((m) => m.info.role === "user");
}

/**
 * Puts `text` first in `messages[index]` as a synthetic text part. The message object and its parts
 * array are shared with OpenCode's own state, including the title request that runs concurrently on
 * the first step, so neither is mutated: the array slot gets a new message with a new parts array.
 */
export function addPrimer<M extends LoopMessage>(messages: M[], index: number, text: string): void {
  const message = messages[index];
  if (!message) return;
  const first = message.parts[0];
  const part = {
    ...(first?.id && /^prt_[0-9a-f]{12}/.test(first.id) ? { id: partIdBefore(first.id) } : {}),
    sessionID: message.info.sessionID,
    messageID: message.info.id,
    type: "text",
    synthetic: true,
    text,
  };
  messages[index] = { ...message, parts: [part, ...message.parts] };
}

/** A part id that sorts just before `id` (parts are ordered by id; OpenCode ids are `prt_` + 12 hex + 14 base62). */
export function partIdBefore(id: string): string {
  const hex = (BigInt(`0x${id.slice(4, 16)}`) - 1n).toString(16).padStart(12, "0");
  return `prt_${hex}exarpSynthetic`;
}
