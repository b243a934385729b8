// Asks for approval of a task and waits; prints {outcome, by, reason, at} when it settles.
// Usage: node approval-waiter.mjs ROOT TASK_ID TIMEOUT_MS
import { openProject } from "../../dist/index.js";

const [root, taskId, timeoutMs] = process.argv.slice(2);
const exarp = openProject(root, { actor: { name: "agent:build", session: "ses_waiter" } });
const waiting = exarp.approvals.request({ taskId, timeoutMs: Number(timeoutMs) });
process.stdout.write("waiting\n");
const outcome = await waiting;
process.stdout.write(`${JSON.stringify({ ...outcome, at: Date.now() })}\n`);
exarp.close();
