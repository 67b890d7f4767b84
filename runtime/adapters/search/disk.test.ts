import { describe, expect, it } from "vitest";
import { effectiveWatermark, flatSettings } from "./disk.js";

const W = "cluster.routing.allocation.disk.watermark.";

describe("effectiveWatermark", () => {
  it("takes transient over persistent over the defaults", () => {
    const settings = {
      transient: { [`${W}high`]: "70%" },
      persistent: { [`${W}high`]: "80%", [`${W}low`]: "60%" },
      defaults: { [`${W}high`]: "90%", [`${W}low`]: "85%", [`${W}flood_stage`]: "95%" },
    };
    expect(effectiveWatermark(settings, "high")).toEqual({ value: "70%" });
    expect(effectiveWatermark(settings, "low")).toEqual({ value: "60%" });
    expect(effectiveWatermark(settings, "flood_stage")).toEqual({ value: "95%" });
  });

  it("applies a default max headroom only while the watermark is not set (Elasticsearch 8+)", () => {
    const defaults = { [`${W}high`]: "90%", [`${W}high.max_headroom`]: "150gb" };
    expect(effectiveWatermark({ defaults }, "high")).toEqual({ value: "90%", maxHeadroom: "150gb" });
    expect(effectiveWatermark({ defaults, persistent: { [`${W}high`]: "80%" } }, "high")).toEqual({
      value: "80%",
    });
    expect(
      effectiveWatermark(
        { defaults, persistent: { [`${W}high`]: "80%", [`${W}high.max_headroom`]: "20gb" } },
        "high",
      ),
    ).toEqual({ value: "80%", maxHeadroom: "20gb" });
    expect(
      effectiveWatermark({ defaults: { ...defaults, [`${W}high.max_headroom`]: "-1" } }, "high"),
    ).toEqual({
      value: "90%",
    });
  });

  it("falls back to the engines' defaults when the cluster reports nothing (OpenSearch 1, Elasticsearch 7)", () => {
    expect(effectiveWatermark({}, "flood_stage")).toEqual({ value: "95%" });
  });
});

describe("flatSettings", () => {
  it("flattens the nested settings answer into dotted keys", () => {
    const answer = {
      persistent: { cluster: { routing: { allocation: { disk: { watermark: { high: "1%" } } } } } },
      defaults: { cluster: { routing: { allocation: { disk: { threshold_enabled: "true" } } } } },
    };
    expect(flatSettings(answer)).toEqual({
      persistent: { [`${W}high`]: "1%" },
      defaults: { "cluster.routing.allocation.disk.threshold_enabled": "true" },
    });
  });
});
