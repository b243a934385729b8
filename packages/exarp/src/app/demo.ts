import type { Priority, Status } from "../task/task.ts";
import type { Exarp } from "./exarp.ts";

type DemoTask = {
  key: string;
  title: string;
  priority?: Priority;
  tags: string[];
  estimate?: number;
  after?: string[];
  status?: Status;
  description?: string;
};

/** A small but realistic plan: a billing service, part done, part in flight, part waiting. */
const PLAN: DemoTask[] = [
  { key: "schema", title: "Design the invoices schema", priority: "high", tags: ["db"], estimate: 60, status: "done" },
  {
    key: "migrate",
    title: "Write migrations for invoices and line items",
    tags: ["db"],
    estimate: 45,
    after: ["schema"],
    status: "done",
  },
  {
    key: "model",
    title: "Invoice domain model and totals",
    priority: "high",
    tags: ["api"],
    estimate: 90,
    after: ["schema"],
    status: "review",
  },
  {
    key: "stripe",
    title: "Stripe webhook receiver",
    priority: "critical",
    tags: ["api", "payments"],
    estimate: 120,
    after: ["migrate"],
    status: "in_progress",
  },
  {
    key: "idem",
    title: "Idempotency keys for webhook events",
    priority: "high",
    tags: ["api", "payments"],
    estimate: 60,
    after: ["stripe"],
  },
  { key: "pdf", title: "Render invoice PDFs", tags: ["api"], estimate: 120, after: ["model"] },
  { key: "email", title: "Email invoices to customers", tags: ["api", "email"], estimate: 45, after: ["pdf"] },
  { key: "list-ui", title: "Invoice list page", tags: ["ui"], estimate: 90, after: ["migrate"] },
  {
    key: "detail-ui",
    title: "Invoice detail page with download",
    tags: ["ui"],
    estimate: 60,
    after: ["list-ui", "pdf"],
  },
  { key: "metrics", title: "Dashboards for failed payments", priority: "low", tags: ["ops"], estimate: 30 },
  {
    key: "runbook",
    title: "On-call runbook for billing incidents",
    priority: "low",
    tags: ["docs", "ops"],
    estimate: 30,
  },
  {
    key: "load",
    title: "Load test webhook receiver at 200 rps",
    tags: ["ops", "payments"],
    estimate: 60,
    after: ["idem"],
  },
  {
    key: "tax",
    title: "Tax rates per country",
    tags: ["api"],
    estimate: 90,
    status: "blocked",
    description: "Waiting for finance to confirm the list of countries.",
  },
  {
    key: "launch",
    title: "Launch checklist sign-off",
    priority: "critical",
    tags: ["docs"],
    estimate: 15,
    after: ["email", "detail-ui", "load", "runbook"],
  },
];

/** Seeds the demo plan, acting as a person and two agents; returns task ids by key. */
export function seedDemo(exarp: Exarp): Map<string, string> {
  const ana = exarp.as({ name: "user:ana", session: null });
  const build = exarp.as({ name: "agent:build", session: "ses_demo1" });
  const ids = new Map<string, string>();
  for (const t of PLAN) {
    const created = ana.tasks.create({
      title: t.title,
      priority: t.priority,
      tags: t.tags,
      estimate: t.estimate,
      description: t.description,
      dependsOn: (t.after ?? []).map((k) => ids.get(k) as string),
    });
    ids.set(t.key, created.id);
  }
  // The agent claims work (a lease) and hands it to review; the person approves, or blocks a task.
  for (const t of PLAN) {
    const id = ids.get(t.key) as string;
    const status: Status = t.status ?? "todo";
    if (status === "blocked")
      ana.tasks.setStatus({ id, to: "blocked", reason: "finance has not confirmed the countries" });
    if (status === "in_progress" || status === "review" || status === "done") build.leases.claim({ taskId: id });
    if (status === "review" || status === "done") build.tasks.setStatus({ id, to: "review" });
    if (status === "done") ana.approvals.approve({ taskId: id, note: "looks good" });
  }
  build.tasks.comment({
    taskId: ids.get("model") as string,
    body: "Totals use integer cents; rounding happens once, per invoice.",
  });
  build.tasks.comment({ taskId: ids.get("stripe") as string, body: "Signature check done; retries next." });
  ana.tasks.comment({
    taskId: ids.get("schema") as string,
    body: "Approved: one table per invoice, line items separate.",
  });
  return ids;
}
