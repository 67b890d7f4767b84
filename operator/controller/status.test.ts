import { describe, expect, it } from "vitest";
import type { CheckResult } from "./diagnose/types.js";
import { eventsFromTransitions } from "./events.js";
import { buildStatus, readyFrom, sameStatus, toCondition } from "./status.js";

const ok = (type: string, reason = "Fine"): CheckResult => ({
  type,
  status: "True",
  reason,
  message: `${type} ok`,
});
const bad = (type: string, reason: string, message = `${type} bad`): CheckResult => ({
  type,
  status: "False",
  reason,
  message,
});
const t0 = new Date("2026-06-01T10:00:00Z");
const t1 = new Date("2026-06-01T10:05:00Z");

const healthyChecks = [
  ok("Reconciled", "Applied"),
  ok("LicenseValid", "Valid"),
  ok("ComponentsHealthy", "AllReady"),
  bad("WorkflowsEnabled", "Disabled"),
  ok("BackendsReachable", "NoneReported"),
  ok("PipelineFlowing", "Flowing"),
];

describe("readyFrom", () => {
  it("is True when every check in the chain passes; WorkflowsEnabled=False does not block", () => {
    expect(readyFrom(healthyChecks)).toMatchObject({ status: "True", reason: "Ready" });
  });

  it("counts PipelineFlowing=False after the other checks, and its Unknown (Pulsar's admin API unread) not at all", () => {
    const others = healthyChecks.filter((c) => c.type !== "PipelineFlowing");
    const stalled = bad("PipelineFlowing", "Stalled", "stage storage: 12 messages wait …");
    expect(readyFrom([...others, stalled])).toEqual({
      type: "Ready",
      status: "False",
      reason: "Stalled",
      message: "stage storage: 12 messages wait …",
    });
    expect(
      readyFrom([
        ...others.filter((c) => c.type !== "ComponentsHealthy"),
        bad("ComponentsHealthy", "OOMKilled"),
        stalled,
      ]).reason,
    ).toBe("OOMKilled");
    const unknown: CheckResult = {
      type: "PipelineFlowing",
      status: "Unknown",
      reason: "PulsarAdminUnavailable",
      message: "…",
    };
    expect(readyFrom([...others, unknown])).toMatchObject({ status: "True", reason: "Ready" });
  });

  it("takes the first failing check's reason and message, in chain order", () => {
    const checks = [
      ok("Reconciled"),
      bad("LicenseValid", "Expired", "expired"),
      bad("BackendsReachable", "ConnectionLost", "MySQL at db:3306 does not answer"),
      bad("ComponentsHealthy", "NotReady"),
    ];
    expect(readyFrom(checks)).toEqual({
      type: "Ready",
      status: "False",
      reason: "Expired",
      message: "expired",
    });
    expect(readyFrom([bad("Reconciled", "ApplyFailed"), ...checks.slice(1)]).reason).toBe("ApplyFailed");
    expect(readyFrom([ok("Reconciled"), ok("LicenseValid"), ...checks.slice(2)]).reason).toBe(
      "ConnectionLost",
    );
    expect(
      readyFrom([
        ok("Reconciled"),
        ok("LicenseValid"),
        ok("BackendsReachable"),
        bad("ComponentsHealthy", "OOMKilled"),
      ]).reason,
    ).toBe("OOMKilled");
  });

  it("treats ExpiringSoon (True) as passing and Unknown as Unknown", () => {
    expect(
      readyFrom([
        ok("Reconciled"),
        ok("LicenseValid", "ExpiringSoon"),
        ok("BackendsReachable"),
        ok("ComponentsHealthy"),
        ok("PipelineFlowing"),
      ]).status,
    ).toBe("True");
    const unknown: CheckResult = {
      type: "LicenseValid",
      status: "Unknown",
      reason: "NoPublicKey",
      message: "?",
    };
    expect(readyFrom([ok("Reconciled"), unknown, ok("ComponentsHealthy")])).toMatchObject({
      status: "Unknown",
      reason: "NoPublicKey",
    });
  });
});

describe("toCondition", () => {
  it("keeps lastTransitionTime while status is unchanged, even if reason changes", () => {
    const first = toCondition(bad("ComponentsHealthy", "NotReady"), undefined, 1, t0);
    expect(first.lastTransitionTime).toBe("2026-06-01T10:00:00Z");
    const second = toCondition(bad("ComponentsHealthy", "OOMKilled"), [first], 2, t1);
    expect(second.lastTransitionTime).toBe("2026-06-01T10:00:00Z");
    expect(second.observedGeneration).toBe(2);
    const third = toCondition(ok("ComponentsHealthy"), [second], 2, t1);
    expect(third.lastTransitionTime).toBe("2026-06-01T10:05:00Z");
  });
});

describe("buildStatus", () => {
  const components = [
    { name: "public-api" as const, desired: 2, ready: 1, restarts: 0, oomKillsLastHour: 0 },
    { name: "private-api" as const, desired: 1, ready: 1, restarts: 0, oomKillsLastHour: 0 },
    { name: "wk-pl-background" as const, desired: 1, ready: 1, restarts: 4, oomKillsLastHour: 0 },
    { name: "wk-apm" as const, desired: 1, ready: 0, restarts: 0, oomKillsLastHour: 0 },
  ];
  const input = {
    previous: undefined,
    generation: 4,
    now: t0,
    checks: healthyChecks,
    components,
    license: { status: "Valid" as const, expires: "2027-01-01T00:00:00Z", daysRemaining: 214 },
  };

  it("writes Ready first, observedGeneration, and ready/desired summaries for the printer columns", () => {
    const s = buildStatus(input);
    expect(s.conditions?.map((c) => c.type)).toEqual([
      "Ready",
      "Reconciled",
      "LicenseValid",
      "BackendsReachable",
      "ComponentsHealthy",
      "PipelineFlowing",
      "WorkflowsEnabled",
    ]);
    expect(s.observedGeneration).toBe(4);
    expect(s.conditions?.every((c) => c.observedGeneration === 4)).toBe(true);
    expect(s.publicApi).toBe("1/2");
    expect(s.workers).toBe("1/2");
    expect(s.license?.daysRemaining).toBe(214);
  });

  it("is unchanged on a resync with the same observations (no status write)", () => {
    const s1 = buildStatus(input);
    const s2 = buildStatus({ ...input, previous: s1, now: t1 });
    expect(sameStatus(s1, s2)).toBe(true);
    const s3 = buildStatus({
      ...input,
      previous: s1,
      now: t1,
      checks: [
        ...healthyChecks.slice(0, 2),
        bad("ComponentsHealthy", "NotReady"),
        healthyChecks[4],
      ] as CheckResult[],
    });
    expect(sameStatus(s1, s3)).toBe(false);
  });
});

describe("eventsFromTransitions", () => {
  const conds = (checks: CheckResult[], prev?: ReturnType<typeof buildStatus>) =>
    buildStatus({
      previous: prev,
      generation: 1,
      now: t0,
      checks,
      components: [],
      license: { status: "Valid" },
    });

  it("emits a Warning when a problem appears, nothing on resync, Normal on recovery", () => {
    const healthy = conds(healthyChecks);
    const oom = [
      healthyChecks[0],
      healthyChecks[1],
      bad("ComponentsHealthy", "OOMKilled", "wk-apm OOM"),
      healthyChecks[3],
    ] as CheckResult[];
    const sick = conds(oom, healthy);
    expect(eventsFromTransitions(healthy.conditions, sick.conditions ?? [])).toEqual([
      { type: "Warning", reason: "OOMKilled", note: "wk-apm OOM" },
    ]);
    expect(eventsFromTransitions(sick.conditions, conds(oom, sick).conditions ?? [])).toEqual([]);
    const back = conds(healthyChecks, sick);
    expect(eventsFromTransitions(sick.conditions, back.conditions ?? [])).toEqual([
      { type: "Normal", reason: "ComponentsHealthyRecovered", note: "ComponentsHealthy ok" },
      { type: "Normal", reason: "Ready", note: "Tracardi is running and licensed" },
    ]);
  });

  it("PipelineFlowing: a Warning Failing when a stage starts failing, one on Failing → Stalled, Normal on recovery", () => {
    const pipeline = (check: CheckResult) => [...healthyChecks.slice(0, 5), check];
    const flowing = conds(healthyChecks);
    const failing = conds(
      pipeline(bad("PipelineFlowing", "Failing", "stage storage: 500 messages wait …")),
      flowing,
    );
    expect(eventsFromTransitions(flowing.conditions, failing.conditions ?? [])).toEqual([
      { type: "Warning", reason: "Failing", note: "stage storage: 500 messages wait …" },
    ]);
    const stalled = conds(pipeline(bad("PipelineFlowing", "Stalled", "stage storage: 500 …")), failing);
    expect(eventsFromTransitions(failing.conditions, stalled.conditions ?? [])).toEqual([
      { type: "Warning", reason: "Stalled", note: "stage storage: 500 …" },
    ]);
    const back = conds(healthyChecks, failing);
    expect(eventsFromTransitions(failing.conditions, back.conditions ?? [])).toEqual([
      { type: "Normal", reason: "PipelineFlowingRecovered", note: "PipelineFlowing ok" },
      { type: "Normal", reason: "Ready", note: "Tracardi is running and licensed" },
    ]);
  });

  it("warns when the licence enters ExpiringSoon although the condition stays True", () => {
    const valid = conds(healthyChecks);
    const soon = conds(
      [
        healthyChecks[0],
        ok("LicenseValid", "ExpiringSoon"),
        healthyChecks[2],
        healthyChecks[3],
        healthyChecks[4],
      ] as CheckResult[],
      valid,
    );
    expect(eventsFromTransitions(valid.conditions, soon.conditions ?? [])).toEqual([
      { type: "Warning", reason: "ExpiringSoon", note: "LicenseValid ok" },
    ]);
  });

  it("on the first reconcile, only reports problems and readiness, not every healthy condition", () => {
    const first = conds(healthyChecks);
    expect(eventsFromTransitions(undefined, first.conditions ?? [])).toEqual([
      { type: "Normal", reason: "Ready", note: "Tracardi is running and licensed" },
    ]);
    const firstBad = conds([bad("Reconciled", "ApplyFailed", "forbidden"), ...healthyChecks.slice(1)]);
    expect(eventsFromTransitions(undefined, firstBad.conditions ?? [])).toEqual([
      { type: "Warning", reason: "ApplyFailed", note: "forbidden" },
    ]);
  });

  it("announces turning workflows on and off", () => {
    const off = conds(healthyChecks);
    const on = conds(
      [...healthyChecks.slice(0, 3), ok("WorkflowsEnabled", "Enabled"), healthyChecks[4]] as CheckResult[],
      off,
    );
    expect(eventsFromTransitions(off.conditions, on.conditions ?? [])).toEqual([
      { type: "Normal", reason: "WorkflowsEnabled", note: "WorkflowsEnabled ok" },
    ]);
  });

  it("stays quiet about NotReady, the transient state of every rollout", () => {
    const rolling = conds([
      healthyChecks[0],
      healthyChecks[1],
      bad("ComponentsHealthy", "NotReady"),
      healthyChecks[3],
      healthyChecks[4],
    ] as CheckResult[]);
    expect(eventsFromTransitions(undefined, rolling.conditions ?? [])).toEqual([]);
    const done = conds(healthyChecks, rolling);
    expect(eventsFromTransitions(rolling.conditions, done.conditions ?? [])).toEqual([
      { type: "Normal", reason: "Ready", note: "Tracardi is running and licensed" },
    ]);
  });

  it("truncates long notes to 1 KiB", () => {
    const long = conds([
      healthyChecks[0],
      healthyChecks[1],
      bad("ComponentsHealthy", "OOMKilled", "x".repeat(5000)),
      healthyChecks[3],
      healthyChecks[4],
    ] as CheckResult[]);
    const [event] = eventsFromTransitions(undefined, long.conditions ?? []);
    expect(event?.note.length).toBe(1024);
  });
});

describe("the runtime's own view in Ready and Events", () => {
  const withDisk = (status: "True" | "False" | "Unknown", reason: string): CheckResult[] => [
    ...healthyChecks,
    { type: "SearchDiskPressure", status, reason, message: `disk ${reason}` },
    bad("AutoMerging", "Inactive"),
    bad("APIsHealthy", "ServerErrors"),
  ];

  it("makes Ready False on FloodStage only; HighWatermark, AutoMerging and APIsHealthy do not block", () => {
    expect(readyFrom(withDisk("True", "FloodStage"))).toEqual({
      type: "Ready",
      status: "False",
      reason: "FloodStage",
      message: "disk FloodStage",
    });
    expect(readyFrom(withDisk("True", "HighWatermark")).status).toBe("True");
    expect(readyFrom(withDisk("False", "BelowWatermarks")).status).toBe("True");
    // A failing backend comes first.
    const lost = withDisk("True", "FloodStage").map((c) =>
      c.type === "BackendsReachable" ? bad("BackendsReachable", "DiskWatermark") : c,
    );
    expect(readyFrom(lost).reason).toBe("DiskWatermark");
  });

  it("orders the new conditions after the Ready chain", () => {
    const status = buildStatus({
      previous: undefined,
      generation: 1,
      now: t0,
      checks: withDisk("False", "BelowWatermarks"),
      components: [],
      license: { status: "Valid" },
    });
    expect(status.conditions?.map((c) => c.type)).toEqual([
      "Ready",
      "Reconciled",
      "LicenseValid",
      "BackendsReachable",
      "ComponentsHealthy",
      "PipelineFlowing",
      "SearchDiskPressure",
      "APIsHealthy",
      "AutoMerging",
      "WorkflowsEnabled",
    ]);
  });

  const conditions = (checks: CheckResult[], at = t0) =>
    buildStatus({
      previous: undefined,
      generation: 1,
      now: at,
      checks,
      components: [],
      license: { status: "Valid" },
    }).conditions ?? [];
  const base = [...healthyChecks];
  const disk = (status: "True" | "False" | "Unknown", reason: string) =>
    conditions([...base, { type: "SearchDiskPressure", status, reason, message: `disk ${reason}` }]);

  it("warns when SearchDiskPressure turns True (True is bad) and announces its recovery", () => {
    const below = disk("False", "BelowWatermarks");
    const high = disk("True", "HighWatermark");
    expect(eventsFromTransitions(below, high)).toEqual([
      { type: "Warning", reason: "HighWatermark", note: "disk HighWatermark" },
    ]);
    expect(eventsFromTransitions(high, disk("True", "FloodStage")).map((e) => e.reason)).toContain(
      "FloodStage",
    );
    expect(eventsFromTransitions(high, below)).toEqual([
      { type: "Normal", reason: "SearchDiskPressureRecovered", note: "disk BelowWatermarks" },
    ]);
    // BelowWatermarks on the first look is no news.
    expect(eventsFromTransitions(undefined, below).filter((e) => e.reason !== "Ready")).toEqual([]);
  });

  it("says nothing when the runtime cannot be asked: neither a problem nor a recovery", () => {
    const high = disk("True", "HighWatermark");
    const unknown = disk("Unknown", "StatusUnavailable");
    expect(eventsFromTransitions(high, unknown)).toEqual([]);
    expect(eventsFromTransitions(undefined, unknown).filter((e) => e.reason !== "Ready")).toEqual([]);
  });

  it("warns on Inactive merging and on server errors, and stays quiet about merging switched off", () => {
    const before = conditions([...base, ok("AutoMerging", "Active"), ok("APIsHealthy", "NoServerErrors")]);
    const after = conditions(
      [...base, bad("AutoMerging", "Inactive"), bad("APIsHealthy", "ServerErrors")],
      t1,
    );
    expect(eventsFromTransitions(before, after).map((e) => `${e.type}/${e.reason}`)).toEqual([
      "Warning/ServerErrors",
      "Warning/Inactive",
    ]);
    const off = conditions([...base, bad("AutoMerging", "Disabled")], t1);
    expect(eventsFromTransitions(before, off)).toEqual([]);
  });
});
