import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: [
            "runtime/**/*.test.ts",
            "operator/**/*.test.ts",
            "bench/**/*.test.ts",
            "e2e/image/**/*.test.ts",
          ],
          exclude: ["runtime/test/**", "node_modules/**"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["runtime/test/**/*.test.ts"],
          // Real servers (infra/*.sh) that integration tests start are stopped after the run.
          globalSetup: ["runtime/test/infra/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
