import type { CliCommand } from "../command.ts";

export const serve: CliCommand = {
  name: "serve",
  summary: "Serve the dashboard, the JSON API, the event stream and remote MCP over HTTP (127.0.0.1:4477)",
  usage: "",
  arity: [0, 0],
  options: {
    port: { type: "string", value: "N", help: "port to listen on (default 4477; 0 picks a free one)" },
    host: {
      type: "string",
      value: "HOST",
      help: "address to listen on (default 127.0.0.1); any other is reachable from elsewhere, and warned about",
    },
    "no-notify": {
      type: "boolean",
      help: "no desktop notification when a task waits for review (on by default when served locally from a terminal; setting notify.enabled)",
    },
  },
  examples: [
    "exarp serve                    # prints `exarp serve: http://127.0.0.1:4477/`; log in with an owner token",
    "exarp serve --port 0           # any free port; the line on stdout names it",
    "exarp token create --scope owner   # a token to log in with (the first start makes one in a terminal)",
    "# exit 2 (bad usage) when the port is in use or the address is not this machine's; SIGINT or SIGTERM: exit 0",
  ],
  load: async () => (await import("../commands/serve.ts")).serve,
};
