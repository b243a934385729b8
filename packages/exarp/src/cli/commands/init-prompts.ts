// `exarp init` at a terminal with no client flags: asks which clients to wire and which models the
// templates name. Loaded only then. Cancelling (Ctrl-C, Esc) changes nothing.
import { cancel, intro, isCancel, multiselect, select, text } from "@clack/prompts";
import { CLIENT_INFO, type Client } from "../../install/artifacts.ts";
import type { InitChoice } from "./init.ts";

type CheckModel = (flag: string, value: string | undefined, clients: readonly Client[]) => string | undefined;

const errorOf = (check: () => unknown) => {
  try {
    check();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
};

export async function askChoice(
  detected: Client[],
  pluginFound: boolean,
  checkModel: CheckModel,
): Promise<InitChoice | undefined> {
  intro("exarp init");
  const picked = await multiselect<"opencode" | "claude-code" | "cursor" | "zed">({
    message: "Wire exarp into which clients? (space to pick, enter to go on; none: just the project)",
    options: [
      { value: "opencode", label: "OpenCode" },
      { value: "claude-code", label: CLIENT_INFO["claude-code"].title },
      { value: "cursor", label: CLIENT_INFO.cursor.title },
      { value: "zed", label: CLIENT_INFO.zed.title },
    ],
    initialValues: detected.map((c) => (c === "opencode-mcp" ? "opencode" : c)) as (
      | "opencode"
      | "claude-code"
      | "cursor"
      | "zed"
    )[],
    required: false,
  });
  if (isCancel(picked)) return cancelled();
  const clients: Client[] = picked.filter((c) => c !== "opencode");
  if (picked.includes("opencode")) {
    const how = await select<Client>({
      message: "How should OpenCode reach exarp?",
      options: [
        {
          value: "opencode",
          label: "the plugin",
          hint: pluginFound
            ? "task context each step, tools, approvals"
            : "needs `npm install --save-dev opencode-exarp` first",
        },
        { value: "opencode-mcp", label: "the MCP server only" },
      ],
      initialValue: pluginFound ? "opencode" : "opencode-mcp",
    });
    if (isCancel(how)) return cancelled();
    clients.unshift(how);
  }
  if (clients.length === 0) return { clients };
  const example = clients.some((c) => c.startsWith("opencode")) ? "anthropic/claude-sonnet-4-5" : "sonnet";
  const ask = async (flag: string, message: string) => {
    const answer = await text({
      message,
      placeholder: `${example} (empty: the client's default)`,
      validate: (value) => errorOf(() => checkModel(flag, value || undefined, clients)),
    });
    return isCancel(answer) ? answer : answer || undefined;
  };
  const model = await ask("model", "Model for the exarp agents and /next");
  if (isCancel(model)) return cancelled();
  const smallModel = await ask("small-model", "Small model for /waves");
  if (isCancel(smallModel)) return cancelled();
  return { clients, ...(model ? { model } : {}), ...(smallModel ? { smallModel } : {}) };
}

function cancelled(): undefined {
  cancel("cancelled; nothing changed");
  return undefined;
}
