import { describe, expect, it } from "vitest";
import { pipelineVerdict } from "./health";
import type { Status, Throughput } from "./types";

const status = (change: Partial<Status> = {}): Status => ({
  stages: ["collector", "storage"],
  processing: {},
  stageProgress: [],
  stalls: [],
  workflow: { enabled: true },
  queue: { backlog: { collector: 0 }, deadLetters: 0 },
  pendingStateDocuments: 0,
  backends: { queue: "embedded", store: "embedded", config: "mysql", problems: [] },
  license: { status: "None", message: "open source", processing: "running" },
  ...change,
});

const minutes = (counts: [number | null, number][]): Throughput => ({
  counted: counts.some(([a]) => a === null) ? "store" : "process",
  minutes: counts.map(([accepted, stored], i) => ({ time: `2026-12-02T01:0${i}:00Z`, accepted, stored })),
  deliveries: [],
});

describe("pipelineVerdict", () => {
  it("says data flows when events were stored in the last minutes", () => {
    const verdict = pipelineVerdict(
      status(),
      minutes([
        [0, 0],
        [3, 5],
      ]),
    );
    expect(verdict).toMatchObject({ tone: "ok", headline: "Data is flowing" });
    expect(verdict.reasons[0]).toBe("3 accepted, 5 stored in the last 5 minutes");
  });

  it("says it does not flow, and why, when a backend has a problem or a stage stalls", () => {
    const verdict = pipelineVerdict(
      status({
        backends: {
          queue: "pulsar",
          store: "opensearch",
          config: "mysql",
          problems: ["MySQL at db:3306: refused"],
        },
        stalls: [{ stage: "storage" }],
      }),
      minutes([[3, 5]]),
    );
    expect(verdict.tone).toBe("bad");
    expect(verdict.reasons).toEqual(["MySQL at db:3306: refused", "stage storage is stalled"]);
  });

  it("waits quietly when nothing arrived, and warns about dead letters", () => {
    expect(pipelineVerdict(status(), minutes([[0, 0]])).tone).toBe("neutral");
    const verdict = pipelineVerdict(status({ queue: { backlog: {}, deadLetters: 2 } }), minutes([[0, 0]]));
    expect(verdict.tone).toBe("warn");
    expect(verdict.reasons).toContain("2 dead letter(s) wait for a replay");
  });

  it("counts stored events only when the private API cannot see what was accepted", () => {
    const verdict = pipelineVerdict(status(), minutes([[null, 4]]));
    expect(verdict.reasons[0]).toBe("4 stored in the last 5 minutes");
  });
});
