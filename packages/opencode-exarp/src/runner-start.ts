// The one way the plugin starts a runner, shared by the exarp_run tool and the /run command.
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { type CliLaunch, launchRunner, locateCli, type Spawner } from "./runner-launch.ts";
import { launchText } from "./runner-text.ts";

/** Starts a runner on the project's ready tasks (at most `max` sessions at once); answers what happened. */
/** Starts a runner for `reportTo`, the session that asked (told of each finished task). */
export type RunnerStarter = (max?: number, reportTo?: string) => Promise<string>;

export type RunnerStarterDeps = {
  root: string;
  /** This OpenCode server's URL, from the plugin input. */
  serverUrl: URL | undefined;
  cli?: () => CliLaunch | "no-node" | undefined;
  spawn?: Spawner;
  alive?: (pid: number) => boolean;
  /** Whether another process can reach the server (`opencode run` hands plugins a URL nobody listens on). */
  reachable?: (url: string) => Promise<boolean>;
};

/** Any HTTP answer within a second means a server listens there. */
async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
}

const pluginDir = () => {
  try {
    return [dirname(fileURLToPath(import.meta.url))];
  } catch {
    return [];
  }
};

/** The starter over one project: finds the exarp command line beside the project or the plugin. */
export function createRunnerStarter(deps: RunnerStarterDeps): RunnerStarter {
  const cli = deps.cli ?? (() => locateCli({ from: [deps.root, ...pluginDir()], env: process.env }));
  const reachable = deps.reachable ?? answers;
  return async (max, reportTo) => {
    const url = deps.serverUrl ? deps.serverUrl.href.replace(/\/$/, "") : undefined;
    const serverUrl = url && (await reachable(url)) ? url : undefined;
    const r = launchRunner({ root: deps.root, serverUrl, max, reportTo, cli, spawn: deps.spawn, alive: deps.alive });
    switch (r.outcome) {
      case "started":
        return launchText.started(r.pid, r.argv.join(" "), r.log, serverUrl === undefined);
      case "running":
        return launchText.running(r.pid, r.log);
      case "no-cli":
        return launchText.noCli;
      case "no-node":
        return launchText.noNode;
      case "failed":
        return launchText.failed(r.message);
    }
  };
}
