import type { V1Deployment } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { Topic } from "../../../runtime/ports/queue.js";
import { DEFAULT_WORKER_AUTOSCALING } from "../../api/defaults.js";
import type { StageStats } from "../../pulsar/stats.js";
import { sampleTracardi } from "../../testing/fixtures.js";
import { Autoscaler, autoscaledTargets } from "./autoscaler.js";

const T0 = Date.parse("2026-12-02T00:00:00Z");

function rig(backlogs: Partial<Record<Topic, number>>) {
  const replicas = new Map<string, number>();
  const reads: Topic[][] = [];
  const scaler = new Autoscaler({
    intervalMs: 10_000,
    pipelineStats: () => ({
      stages: async (stages) => {
        reads.push([...stages]);
        return stages.map(
          (stage): StageStats => ({
            stage,
            topic: `public/default/tracardi-${stage}`,
            subscription: `tracardi-${stage}`,
            exists: true,
            partitions: 0,
            backlog: backlogs[stage] ?? 0,
            msgRateIn: 0,
            msgRateOut: 0,
            consumers: 0,
          }),
        );
      },
    }),
    scale: async (namespace, name, n) => {
      replicas.set(name, n);
      return { metadata: { name, namespace }, spec: { replicas: n } } as V1Deployment;
    },
  });
  const live = (name: string) =>
    ({ metadata: { name }, spec: { replicas: replicas.get(name) ?? 1 } }) as V1Deployment;
  return { scaler, replicas, reads, live, backlogs };
}

const withAutoscaling = (enable: { collector?: boolean; background?: boolean }) =>
  sampleTracardi((s) => {
    s.workers.collector.enabled = true;
    for (const w of ["collector", "background"] as const) {
      if (enable[w])
        s.workers[w].autoscaling = {
          ...DEFAULT_WORKER_AUTOSCALING,
          enabled: true,
          targetBacklogPerReplica: 10,
        };
    }
  });

const noToken = async () => undefined;

describe("Autoscaler", () => {
  it("scales only enabled workers whose autoscaling is on", () => {
    expect(autoscaledTargets(withAutoscaling({ collector: true })).map((t) => t.deployment)).toEqual([
      "demo-wk-pl-collector",
    ]);
    const off = withAutoscaling({ collector: true });
    off.spec.workers.collector.enabled = false;
    expect(autoscaledTargets(off)).toEqual([]);
  });

  it("sums the background worker's stages (storage + dispatch) and takes one step per interval", async () => {
    const { scaler, replicas, reads, live } = rig({ storage: 25, dispatch: 15 });
    const owner = withAutoscaling({ background: true });
    const first = await scaler.step(owner, live, new Date(T0), noToken);
    expect(reads).toEqual([["storage", "dispatch"]]);
    expect(first.status?.background).toMatchObject({ backlog: 40, currentReplicas: 1, desiredReplicas: 2 });
    expect(first.backlog).toBe(40);
    expect(first.events.map((e) => e.reason)).toEqual(["ScaledUp"]);
    expect(first.requeueAfterMs).toBe(10_000);

    // 4 s later (pods started, the Tracardi is reconciled again): the same status, no read.
    const early = await scaler.step(owner, live, new Date(T0 + 4000), noToken);
    expect(reads).toHaveLength(1);
    expect(early.status).toEqual(first.status);
    expect(early.events).toEqual([]);
    expect(early.requeueAfterMs).toBe(6000);

    await scaler.step(owner, live, new Date(T0 + 10_000), noToken);
    expect(replicas.get("demo-wk-pl-background")).toBe(4);
  });

  it("reports a failed scale in the reason and tries again at the next step", async () => {
    const { live } = rig({ collector: 100 });
    const failing = new Autoscaler({
      intervalMs: 1000,
      pipelineStats: () => ({ stages: async () => [] }),
      scale: async () => {
        throw new Error("HTTP 403: forbidden");
      },
    });
    const owner = withAutoscaling({ collector: true });
    owner.spec.workers.collector.autoscaling = {
      ...DEFAULT_WORKER_AUTOSCALING,
      enabled: true,
      minReplicas: 3,
    };
    const out = await failing.step(owner, live, new Date(T0), noToken);
    expect(out.events).toEqual([]);
    expect(out.status?.collector?.reason).toBe(
      "backlog 0 < 1,000 per replica × 1 → 3 replicas (minReplicas 3; the backlog asks for 0); setting the replicas failed: HTTP 403: forbidden",
    );
    expect(out.status?.collector?.lastScaleTime).toBeUndefined();
  });

  it("forgets a worker whose autoscaling was turned off (its status goes away)", async () => {
    const { scaler, live } = rig({ collector: 5 });
    const owner = withAutoscaling({ collector: true, background: true });
    expect(Object.keys((await scaler.step(owner, live, new Date(T0), noToken)).status ?? {})).toEqual([
      "collector",
      "background",
    ]);
    const fewer = withAutoscaling({ collector: true });
    expect(Object.keys((await scaler.step(fewer, live, new Date(T0 + 1), noToken)).status ?? {})).toEqual([
      "collector",
    ]);
    const none = await scaler.step(withAutoscaling({}), live, new Date(T0 + 2), noToken);
    expect(none.status).toBeUndefined();
    expect(none.requeueAfterMs).toBeUndefined();
  });
});
