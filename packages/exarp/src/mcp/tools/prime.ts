import { ContextRequest } from "../../context/service.ts";
import { lazy } from "../../kernel/zod.ts";
import { As } from "../identity.ts";
import { TOOL_TEXT } from "../prompts.ts";
import { defineTool } from "../tool.ts";

export const primeTool = defineTool({
  name: "prime",
  description: TOOL_TEXT.prime,
  input: lazy(() => ContextRequest.extend({ as: As.optional() })),
  annotations: { readOnlyHint: true },
  run({ as: _, ...request }, services) {
    return { text: services.context.render(request) };
  },
});
