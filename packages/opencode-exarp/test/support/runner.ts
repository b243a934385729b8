// Drives `exarp run` (the built CLI) as a child process and reads its `--json` progress lines.
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { type ChatRequest, lastMessage, type MockModel, textOf } from "./mock-model.ts";
import { EXARP_CLI } from "./opencode.ts";

/** How the runner's first prompt of a task begins. */
export const MARK = "You are working on exarp task ";

/** The task a request works on: the id its first user message names. */
export function taskOf(r: ChatRequest): string | undefined {
  const text = textOf(r.messages.find((m) => m.role === "user"));
  const at = text.indexOf(MARK);
  return at < 0 ? undefined : text.slice(at + MARK.length).split(":")[0];
}

/** Requests that started a task's turn: their last message is the runner's prompt for it. */
export const promptsFor = (mock: MockModel, id: string) =>
  mock.requests.filter((r) => taskOf(r) === id && textOf(lastMessage(r)).includes(MARK + id));

export type Runner = {
  child: ChildProcess;
  lines: { progress: Record<string, unknown> }[];
  stderr: () => string;
  exited: Promise<number | null>;
};

export function startRunner(project: string, env: NodeJS.ProcessEnv, args: string[]): Runner {
  const child = spawn(process.execPath, [EXARP_CLI, "run", "--json", "-C", project, ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Runner["lines"] = [];
  let buffer = "";
  child.stdout?.on("data", (d: Buffer) => {
    buffer += d.toString();
    for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      // Progress lines; the closing summary is printed as one indented object.
      if (line.startsWith('{"progress"')) lines.push(JSON.parse(line));
    }
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      if (code) process.stderr.write(`runner exited ${code}: ${stderr}\n`);
      resolve(code);
    }),
  );
  return { child, lines, stderr: () => stderr, exited };
}

/** The runner's progress lines of one kind (and task). */
export const progressOf = (r: Runner, kind: string, taskId?: string) =>
  r.lines.filter((l) => l.progress.kind === kind && (taskId === undefined || l.progress.taskId === taskId));

/** Every process descending from `root` (this test process by default), from /proc. */
export function descendants(root = process.pid): { pid: number; command: string }[] {
  const parents = new Map<number, number[]>();
  const commands = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
      commands.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ").trim());
    } catch {
      // the process ended while being read
    }
  }
  const out: { pid: number; command: string }[] = [];
  const walk = (pid: number) => {
    for (const child of parents.get(pid) ?? []) {
      out.push({ pid: child, command: commands.get(child) ?? "" });
      walk(child);
    }
  };
  walk(root);
  return out;
}
