import { describe, expect, it } from "vitest";
import { type ProcessKind, processStages } from "./processes.js";

const pulsar = { queue: "pulsar", processInline: false } as const;

describe("processStages (the table process → stages)", () => {
  it.each<[ProcessKind, string[]]>([
    ["standalone", ["collector", "storage", "dispatch", "merge"]],
    ["public-api", []],
    ["private-api", []],
    ["collector", ["collector"]],
    ["background", ["storage", "dispatch"]],
    ["apm", ["merge"]],
  ])("over Pulsar with a collector worker, %s runs %j", (kind, stages) => {
    expect(processStages(kind, pulsar)).toEqual(stages);
  });

  it("without a collector worker the public API runs the collector stage only: storage, dispatch and merge stay in their workers", () => {
    const inline = { ...pulsar, processInline: true };
    expect(processStages("public-api", inline)).toEqual(["collector"]);
    expect(processStages("background", inline)).toEqual(["storage", "dispatch"]);
    expect(processStages("apm", inline)).toEqual(["merge"]);
    expect(processStages("private-api", inline)).toEqual([]);
  });

  it("on the embedded queue (no other process reads it) the public API runs the whole pipeline", () => {
    expect(processStages("public-api", { queue: "embedded", processInline: true })).toEqual([
      "collector",
      "storage",
      "dispatch",
      "merge",
    ]);
    expect(processStages("public-api", { queue: "embedded", processInline: false })).toEqual([]);
  });

  it("standalone runs every stage whatever the settings say", () => {
    expect(processStages("standalone", { queue: "pulsar", processInline: false })).toEqual([
      "collector",
      "storage",
      "dispatch",
      "merge",
    ]);
  });
});
