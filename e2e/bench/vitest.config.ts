// The real-node benchmarks: `npx vitest run --config e2e/bench/vitest.config.ts` (the e2e global
// setup brings the local cluster up with real-0). They print figures and assert nothing about time;
// `make test-e2e` does not run them (they are not *.test.ts).
import { defineConfig } from "vitest/config";
import e2e from "../vitest.config.js";

export default defineConfig({
  ...e2e,
  test: {
    ...e2e.test,
    include: ["e2e/bench/**/*.bench-real.ts"],
    testTimeout: 1_800_000,
    hookTimeout: 600_000,
  },
});
