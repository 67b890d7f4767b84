import { describe, expect, it } from "vitest";
import { type FuzzOptions, formatReport, fuzz } from "../fuzz/runner.js";

// Property-based fuzzing of the running runtime over HTTP (runtime/test/fuzz/): hostile payloads on
// the public API and hostile configuration on the private API. After every batch: no 5xx for client
// input, a canary event is stored within 10 s, and every accepted event is stored or dead-lettered.
// In CI: a fixed seed and a random one, bounded; `make fuzz` sets FUZZ_CASES (and FUZZ_SEED) for a
// long run of the same test.
const FIXED_SEED = 20_251_010;
const long = process.env.FUZZ_CASES !== undefined;
const envSeed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

const settings: Omit<FuzzOptions, "cases" | "seed"> = {
  batchSize: 50,
  concurrency: 6,
  canaryTimeoutMs: 10_000,
  settleMs: 15_000,
  minimiseSeconds: Number(process.env.FUZZ_MINIMISE_SECONDS ?? (long ? 600 : 45)),
  log: (line) => console.log(line),
};

async function run(seed: number, cases: number): Promise<void> {
  const report = await fuzz({ ...settings, seed, cases });
  console.log(formatReport(report));
  expect.soft(report.serverErrors, `5xx for client input (seed ${seed})`).toBe(0);
  expect.soft(report.stalls, `stalls (seed ${seed})`).toBe(0);
  expect.soft(report.lostEvents, `lost events (seed ${seed})`).toBe(0);
  expect(report.cases).toBe(cases);
}

describe("fuzzing the running runtime over HTTP", () => {
  if (long) {
    it("survives a long run (make fuzz)", async () => {
      await run(envSeed ?? Math.floor(Math.random() * 2 ** 31), Number(process.env.FUZZ_CASES));
    }, 0);
  } else {
    it("survives the fixed seed", async () => {
      await run(FIXED_SEED, 1_000);
    }, 280_000);
    it("survives a random seed (printed on failure)", async () => {
      await run(envSeed ?? Math.floor(Math.random() * 2 ** 31), 2_000);
    }, 280_000);
  }
});
