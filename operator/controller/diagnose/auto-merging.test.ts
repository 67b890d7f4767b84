import { describe, expect, it } from "vitest";
import { diagnoseAutoMerging } from "./auto-merging.js";
import type { MergingStatus, RuntimeStatusView } from "./runtime-view.js";

const NOW = new Date("2026-12-02T10:00:00Z");
const merging = (m: Partial<MergingStatus>): MergingStatus => ({
  enabled: true,
  intervalSeconds: 5,
  lastPassAt: "2026-12-02T09:59:58.000Z",
  lastPassQueued: 0,
  lastPassBy: "shop-wk-apm-7d9-abc",
  lastError: null,
  waiting: 0,
  waitingLimit: 1000,
  ...m,
});
const read = (m: Partial<MergingStatus>): RuntimeStatusView => ({
  state: "read",
  merging: { value: merging(m) },
  searchDisk: { value: null },
});

describe("AutoMerging", () => {
  it("is True/Active while passes run on time, with a message that does not change between looks", () => {
    const a = diagnoseAutoMerging(true, read({ waiting: 3 }), NOW);
    const b = diagnoseAutoMerging(true, read({ waiting: 7, lastPassAt: "2026-12-02T09:59:59.000Z" }), NOW);
    expect(a).toMatchObject({ type: "AutoMerging", status: "True", reason: "Active" });
    expect(b).toEqual(a);
  });

  it("is True when the last pass is old but nothing waits", () => {
    expect(diagnoseAutoMerging(true, read({ lastPassAt: "2026-12-01T00:00:00.000Z" }), NOW).status).toBe(
      "True",
    );
  });

  it("is False/Inactive when the last pass is older than three intervals while profiles wait", () => {
    // 16 s ago > 3 × 5 s.
    const c = diagnoseAutoMerging(true, read({ waiting: 12, lastPassAt: "2026-12-02T09:59:44.000Z" }), NOW);
    expect(c).toMatchObject({ status: "False", reason: "Inactive" });
    expect(c.message).toBe(
      "12 profiles wait to be merged and the last merge pass ran at 2026-12-02T09:59:44.000Z (pod shop-wk-apm-7d9-abc), more than 3 intervals of 5 s ago; check the wk-apm pods (kubectl logs -l app.kubernetes.io/component=wk-apm) and the configuration store",
    );
    // 14 s ago is still within three intervals.
    expect(
      diagnoseAutoMerging(true, read({ waiting: 12, lastPassAt: "2026-12-02T09:59:46.000Z" }), NOW).status,
    ).toBe("True");
  });

  it("is False/Inactive when no pass ever ran while profiles wait, with the last failure and a capped count", () => {
    const c = diagnoseAutoMerging(
      true,
      read({
        waiting: 1000,
        lastPassAt: null,
        lastError: { message: "MySQL gone", at: "2026-12-02T09:59:50.000Z" },
      }),
      NOW,
    );
    expect(c).toMatchObject({ status: "False", reason: "Inactive" });
    expect(c.message).toContain("1000 or more profiles wait to be merged and no merge pass has run yet");
    expect(c.message).toContain("the last pass failed at 2026-12-02T09:59:50.000Z: MySQL gone");
  });

  it("is False/Inactive when the APM worker is off, naming the field and the waiting profiles", () => {
    const c = diagnoseAutoMerging(false, read({ waiting: 1 }), NOW);
    expect(c).toEqual({
      type: "AutoMerging",
      status: "False",
      reason: "Inactive",
      message:
        "the APM worker (wk-apm) is off: profiles marked for merging are never merged; 1 profile waits to be merged; set spec.workers.apm.enabled to true",
    });
    // Even when the runtime cannot be asked.
    expect(diagnoseAutoMerging(false, { state: "unavailable", message: "x" }, NOW).reason).toBe("Inactive");
  });

  it("says when the merge loop is switched off by its interval", () => {
    const c = diagnoseAutoMerging(true, read({ waiting: 2, intervalSeconds: 0, lastPassAt: null }), NOW);
    expect(c.message).toContain("the merge loop is switched off (TRACARDI_MERGE_INTERVAL_MS=0)");
  });

  it("is False/Disabled when merging is switched off in the runtime", () => {
    expect(diagnoseAutoMerging(true, read({ enabled: false }), NOW)).toMatchObject({
      status: "False",
      reason: "Disabled",
    });
  });

  it("is Unknown/StatusUnavailable when the runtime cannot be asked or cannot say", () => {
    expect(
      diagnoseAutoMerging(true, { state: "unavailable", message: "no private-api pod is ready" }, NOW),
    ).toEqual({
      type: "AutoMerging",
      status: "Unknown",
      reason: "StatusUnavailable",
      message: "no private-api pod is ready",
    });
    const c = diagnoseAutoMerging(
      true,
      { state: "read", merging: { error: "MySQL at db:3306 does not answer" }, searchDisk: { value: null } },
      NOW,
    );
    expect(c).toMatchObject({ status: "Unknown", reason: "StatusUnavailable" });
    expect(c.message).toContain("MySQL at db:3306 does not answer");
  });
});
