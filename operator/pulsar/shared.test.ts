import { describe, expect, it } from "vitest";
import { DEFAULT_NAMING } from "../../runtime/adapters/pulsar/names.js";
import { fakePipelineReader } from "../testing/pipeline.js";
import { SharedPipelineStats } from "./shared.js";

const connection = { webUrl: "http://pulsar:8080", naming: DEFAULT_NAMING, token: "a" };

describe("SharedPipelineStats", () => {
  it("asks Pulsar once per stage for everyone within maxAge, again after it, and not across tokens", async () => {
    let clock = 0;
    const reader = fakePipelineReader({ collector: { backlog: 3 } });
    const shared = new SharedPipelineStats(
      () => clock,
      1000,
      () => reader,
    );
    const [a] = await shared.for(connection).stages(["collector"]);
    const both = await shared.for(connection).stages(["collector", "storage"]);
    expect(a?.backlog).toBe(3);
    expect(both.map((s) => s.stage)).toEqual(["collector", "storage"]);
    expect(reader.reads).toBe(2); // collector once, storage once
    await shared.for({ ...connection, token: "b" }).stages(["collector"]);
    expect(reader.reads).toBe(3);
    reader.table.collector = { backlog: 9 };
    clock = 1500;
    expect((await shared.for(connection).stages(["collector"]))[0]?.backlog).toBe(9);
  });

  it("does not keep a failed read", async () => {
    const reader = fakePipelineReader();
    let fail = true;
    const stages = reader.stages;
    reader.stages = async (s) => {
      if (fail) throw new Error("ECONNREFUSED");
      return await stages(s);
    };
    const shared = new SharedPipelineStats(
      () => 0,
      1000,
      () => reader,
    );
    await expect(shared.for(connection).stages(["collector"])).rejects.toThrow("ECONNREFUSED");
    fail = false;
    expect((await shared.for(connection).stages(["collector"]))[0]?.backlog).toBe(0);
  });
});
