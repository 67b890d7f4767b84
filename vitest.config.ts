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
            "e2e/image/**/*.test.ts",
            "console/src/**/*.test.ts",
          ],
          exclude: ["runtime/test/**", "node_modules/**"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["runtime/test/**/*.test.ts"],
          exclude: ["runtime/test/browser/**", "node_modules/**"],
          // Real servers (infra/*.sh) that integration tests start are stopped after the run.
          globalSetup: ["runtime/test/infra/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          // Headless Chromium (infra/chromium.sh) against the real runtime: the console (dist/console,
          // built by vite) and the tracker script.
          name: "browser",
          include: ["console/test/**/*.test.ts", "runtime/test/browser/**/*.test.ts"],
          globalSetup: ["runtime/test/infra/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 10 * 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
