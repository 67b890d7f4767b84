import { describe, expect, it } from "vitest";
import { sampleTracardi } from "../testing/fixtures.js";
import { BACKGROUND_REQUIRED, PULSAR_REQUIRED, specProblems } from "./validate.js";

describe("specProblems (objects stored before the CRD's rules)", () => {
  it("accepts the seed's defaults over Pulsar", () => {
    expect(specProblems(sampleTracardi().spec)).toEqual([]);
  });

  it("refuses turning the background worker off over Pulsar: storage and dispatch run nowhere else", () => {
    const spec = sampleTracardi((s) => (s.workers.background.enabled = false)).spec;
    expect(specProblems(spec)).toEqual([BACKGROUND_REQUIRED]);
    expect(BACKGROUND_REQUIRED).toContain("only the background worker stores events and dispatches them");
  });

  it("refuses a collector or background worker without Pulsar, accepts the APIs alone with workflows and APM on", () => {
    const noPulsar = (mutate: (s: ReturnType<typeof sampleTracardi>["spec"]) => void) =>
      specProblems(
        sampleTracardi((s) => {
          delete s.pulsar;
          s.workers.background.enabled = false;
          mutate(s);
        }).spec,
      );
    expect(noPulsar((s) => (s.workers.background.enabled = true))).toEqual([PULSAR_REQUIRED]);
    expect(noPulsar((s) => (s.workers.collector.enabled = true))).toEqual([PULSAR_REQUIRED]);
    expect(
      noPulsar((s) => {
        s.workers.workflow.enabled = true;
        s.workers.apm.enabled = true;
      }),
    ).toEqual([]);
  });
});
