import type { V1Deployment } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { sampleTracardi } from "../testing/fixtures.js";
import { fakePipelineReader } from "../testing/pipeline.js";
import { diagnosePipeline } from "./diagnose/pipeline.js";
import { PipelineWatch, stageConsumers } from "./observe-pipeline.js";

const none = () => undefined;
const t = (seconds: number) => new Date(Date.parse("2026-12-02T10:00:00Z") + seconds * 1000);
const token = async () => "tok";

describe("stageConsumers (the table process → stages)", () => {
  it("collector worker on: collector in wk-pl-collector, storage and dispatch in wk-pl-background", () => {
    const owner = sampleTracardi((s) => {
      s.workers.collector.enabled = true;
      s.workers.collector.replicas = 2;
      s.workers.background.autoscaling = {
        enabled: true,
        minReplicas: 1,
        maxReplicas: 6,
        targetBacklogPerReplica: 100,
        scaleUpStabilizationSeconds: 0,
        scaleDownStabilizationSeconds: 300,
      };
    });
    const live = { spec: { replicas: 3 } } as V1Deployment;
    const consumers = stageConsumers(owner, (name) => (name === "demo-wk-pl-background" ? live : undefined));
    expect(Object.fromEntries(consumers)).toEqual({
      collector: {
        deployment: "demo-wk-pl-collector",
        component: "wk-pl-collector",
        specPath: "spec.workers.collector",
        replicas: 2,
      },
      storage: {
        deployment: "demo-wk-pl-background",
        component: "wk-pl-background",
        specPath: "spec.workers.background",
        replicas: 3,
        maxReplicas: 6,
      },
      dispatch: expect.objectContaining({ deployment: "demo-wk-pl-background" }),
    });
  });

  it("collector worker off: the public API runs the collector stage inline; no workflow stage", () => {
    const consumers = stageConsumers(sampleTracardi(), none);
    expect(consumers.get("collector")).toMatchObject({
      deployment: "demo-public-api",
      specPath: "spec.api.public",
    });
    expect(consumers.has("workflow")).toBe(false);
  });
});

describe("PipelineWatch", () => {
  it("reads once per interval and keeps the last observation in between", async () => {
    const reader = fakePipelineReader({ collector: { backlog: 5 } });
    const watch = new PipelineWatch({ reader: () => reader, intervalMs: 15_000 });
    const owner = sampleTracardi();
    const first = await watch.observe(owner, none, t(0), token);
    expect(first.requeueAfterMs).toBe(15_000);
    const between = await watch.observe(owner, none, t(10), token);
    expect(between.observation).toBe(first.observation);
    expect(between.requeueAfterMs).toBe(5_000);
    expect(reader.reads).toBe(1);
    await watch.observe(owner, none, t(15), token);
    expect(reader.reads).toBe(2);
  });

  it("keeps each stage's history across reads (stall clock) and forgets it with the resource", async () => {
    const reader = fakePipelineReader({ storage: { backlog: 5, consumers: 1, lastAckedTimestamp: 7 } });
    const watch = new PipelineWatch({ reader: () => reader, intervalMs: 1000 });
    const owner = sampleTracardi();
    await watch.observe(owner, none, t(0), token);
    const later = await watch.observe(owner, none, t(200), token);
    if (later.observation.kind !== "read") throw new Error("not read");
    expect(later.observation.stages.find((s) => s.read.stage === "storage")?.history.stuckSince).toBe(
      t(0).getTime(),
    );
    watch.forget("shop/demo");
    const fresh = await watch.observe(owner, none, t(300), token);
    if (fresh.observation.kind !== "read") throw new Error("not read");
    expect(fresh.observation.stages.find((s) => s.read.stage === "storage")?.history.stuckSince).toBe(
      t(300).getTime(),
    );
  });

  it("a stage acknowledging only into its retry and dead-letter topics is Failing after stallSeconds, with the dead-letter rate counted", async () => {
    const failing = { backlog: 50, retryBacklog: 40, consumers: 2, ackRate: 4, retryRateIn: 1 };
    const reader = fakePipelineReader({
      storage: { ...failing, deadLetterRateIn: 3, lastAckedTimestamp: 1, deadLetters: 9 },
    });
    const watch = new PipelineWatch({ reader: () => reader, intervalMs: 1000 });
    const owner = sampleTracardi();
    await watch.observe(owner, none, t(0), token);
    (reader.table.storage as { lastAckedTimestamp: number }).lastAckedTimestamp = 2;
    const later = await watch.observe(owner, none, t(120), token);
    if (later.observation.kind !== "read") throw new Error("not read");
    const storage = later.observation.stages.find((s) => s.read.stage === "storage");
    expect(storage?.read.deadLetterRateIn).toBe(3);
    expect(storage?.history.failingSince).toBe(t(0).getTime());
    expect(diagnosePipeline(later.observation, "shop").reason).toBe("Failing");
    // Without the dead letters' rate, 3 of 4 acknowledged per second would have been passed on.
    reader.table.storage = { ...failing, lastAckedTimestamp: 3 };
    const passing = await watch.observe(owner, none, t(135), token);
    expect(diagnosePipeline(passing.observation, "shop").reason).toBe("Flowing");
  });

  it("reads the newest dead letter's reason only when the count changes", async () => {
    const reader = fakePipelineReader({ dispatch: { deadLetters: 2, lastDeadLetterReason: "410 Gone" } });
    let reasonReads = 0;
    const counting = {
      ...reader,
      stages: reader.stages,
      deadLetters: reader.deadLetters,
      lastDeadLetterReason: async (stage: "dispatch") => {
        reasonReads++;
        return await reader.lastDeadLetterReason(stage);
      },
    };
    const watch = new PipelineWatch({ reader: () => counting, intervalMs: 1000 });
    const owner = sampleTracardi();
    const a = await watch.observe(owner, none, t(0), token);
    await watch.observe(owner, none, t(1), token);
    reader.table.dispatch = { deadLetters: 3, lastDeadLetterReason: "timeout" };
    const c = await watch.observe(owner, none, t(2), token);
    expect(reasonReads).toBe(2);
    if (a.observation.kind !== "read" || c.observation.kind !== "read") throw new Error("not read");
    expect(a.observation.deadLetters.find((d) => d.read.stage === "dispatch")?.read.lastReason).toBe(
      "410 Gone",
    );
    expect(c.observation.deadLetters.find((d) => d.read.stage === "dispatch")?.read).toMatchObject({
      count: 3,
      lastReason: "timeout",
    });
    expect(c.observation.replay).toEqual({
      namespace: "shop",
      service: "demo-private-api",
      port: 8687,
      tokenSecret: "demo-admin-token",
    });
  });

  it("unreadable with the reason when Pulsar or the token Secret fails; embedded without spec.pulsar", async () => {
    const failing = fakePipelineReader();
    failing.stages = async () => {
      throw new Error("Pulsar admin API at http://pulsar:8080/… does not answer: ECONNREFUSED");
    };
    const watch = new PipelineWatch({ reader: () => failing, intervalMs: 1000 });
    expect((await watch.observe(sampleTracardi(), none, t(0), token)).observation).toEqual({
      kind: "unreadable",
      message: "Pulsar admin API at http://pulsar:8080/… does not answer: ECONNREFUSED",
    });
    const noSecret = async () => {
      throw new Error("Secret shop/pulsar-token (spec.pulsar.tokenSecretRef) does not exist");
    };
    const other = sampleTracardi((s) => {
      s.api.public.replicas = 2;
    });
    other.metadata.name = "other";
    expect((await watch.observe(other, none, t(0), noSecret)).observation).toMatchObject({
      kind: "unreadable",
      message: expect.stringContaining("does not exist"),
    });
    const embedded = sampleTracardi((s) => {
      delete s.pulsar;
    });
    embedded.metadata.name = "embedded";
    expect(await watch.observe(embedded, none, t(0), token)).toEqual({ observation: { kind: "embedded" } });
  });
});
