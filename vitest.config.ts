import { defineConfig } from "vitest/config";

/**
 * The suites that run on both backends: the same files, once on SQLite and once on PostgreSQL
 * (test/support/exarp.ts reads EXARP_TEST_BACKEND), against the throw-away cluster with-postgres.mjs starts.
 */
const BOTH_BACKENDS = [
  "packages/exarp/src/store/store.test.ts",
  "packages/exarp/src/store/replay.test.ts",
  "packages/exarp/src/store/transaction.test.ts",
  "packages/exarp/src/graph/*.test.ts",
  "packages/exarp/src/bus/bus.test.ts",
  "packages/exarp/src/feed/feed.test.ts",
  "packages/exarp/src/runner/runner.test.ts",
  "packages/exarp/test/sprint.test.ts",
  "packages/exarp/test/serve-runs.test.ts",
  "packages/exarp/src/store/postgres/*.test.ts",
  // Real processes on one project (test/support/processes.ts opens it on the suite's backend).
  "packages/exarp/test/processes.test.ts",
  "packages/exarp/test/coordination.test.ts",
  "packages/exarp/test/chaos.test.ts",
  "packages/exarp/test/undo-lease.test.ts",
  "packages/exarp/test/lock-holder.test.ts",
];

const common = {
  pool: "forks" as const,
  setupFiles: ["packages/exarp/test/support/provide-zod.ts"],
  testTimeout: 60_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...common,
          name: "sqlite",
          include: ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts"],
          exclude: ["packages/exarp/src/store/postgres/**", "**/node_modules/**", "**/dist/**"],
        },
      },
      { test: { ...common, name: "postgres", include: BOTH_BACKENDS, env: { EXARP_TEST_BACKEND: "postgres" } } },
    ],
  },
});
