import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts"],
    pool: "forks",
    setupFiles: ["packages/exarp/test/support/provide-zod.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
