// The part of OpenCode's client the plugin calls (app.log, tui.showToast, session.*), answering as
// OpenCode does and recording what the plugin tells it.
export type Toast = { message: string; variant: string };

export function recordingClient() {
  const logs: string[] = [];
  const toasts: Toast[] = [];
  const ok = async () => ({ data: [], response: { status: 200 } });
  const client = {
    app: {
      log: async ({ body }: { body: { message: string } }) => {
        logs.push(body.message);
        return ok();
      },
      agents: ok,
    },
    tui: {
      showToast: async ({ body }: { body: Toast }) => {
        toasts.push(body);
        return ok();
      },
    },
    session: { prompt: ok, promptAsync: ok, summarize: ok },
  };
  return { client, logs, toasts };
}
