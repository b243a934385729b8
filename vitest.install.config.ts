import { defineConfig } from "vitest/config";

// `npm run test:install`: the packed packages installed from their tarballs (needs the npm registry).
export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.install.ts"],
    pool: "forks",
    setupFiles: ["packages/exarp/test/support/provide-zod.ts"],
    testTimeout: 120_000,
    hookTimeout: 600_000,
  },
});
