// Separate vitest configuration of the e2e suites: `npx vitest run --config e2e/vitest.config.ts`
// (what `make test-e2e` runs). The global setup starts the local control plane once, or uses the
// cluster of $KUBECONFIG when it is set.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: fileURLToPath(new URL("..", import.meta.url)),
    include: ["e2e/**/*.test.ts"],
    // e2e/image holds unit tests (no cluster): they run in the unit project.
    exclude: ["**/node_modules/**", "e2e/.cluster/**", "e2e/image/**"],
    globalSetup: ["e2e/setup/global-setup.ts"],
    // One shared cluster on 2 cores: files run one after the other, tests isolate by namespace.
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 120_000,
  },
});
