import type { V1Deployment, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { explain, pendingReason, progressLine, summarise, type TracardiLite } from "./progress.js";

const FULL =
  "0/3 nodes are available: 3 Too many pods. no new claims to deallocate, preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.";
const unschedulable: V1Pod = {
  spec: { containers: [] },
  status: {
    phase: "Pending",
    conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: FULL }],
  },
};
const running: V1Pod = { spec: { containers: [], nodeName: "kwok-node-0" }, status: { phase: "Running" } };
const starting: V1Pod = {
  spec: { containers: [], nodeName: "kwok-node-1" },
  status: {
    phase: "Pending",
    containerStatuses: [
      {
        name: "c",
        image: "i",
        imageID: "",
        ready: false,
        restartCount: 0,
        state: { waiting: { reason: "ContainerCreating" } },
      },
    ],
  },
};
const tracardi = (
  name: string,
  ready?: { status: string; reason: string; message: string },
): TracardiLite => ({
  metadata: { name },
  status: ready ? { conditions: [{ type: "Ready", ...ready }] } : {},
});
const deployment = (replicas: number, readyReplicas?: number): V1Deployment => ({
  spec: { replicas, selector: {}, template: {} },
  status: readyReplicas === undefined ? {} : { readyReplicas },
});

describe("pendingReason", () => {
  it("gives the scheduler's verdict without the preemption postscript", () => {
    expect(pendingReason(unschedulable)).toBe("0/3 nodes are available: 3 Too many pods.");
  });
  it("names the node and what a scheduled pod waits for", () => {
    expect(pendingReason(starting)).toBe("on kwok-node-1, ContainerCreating");
    expect(pendingReason({ spec: { containers: [] }, status: { phase: "Pending" } })).toBe(
      "not scheduled yet",
    );
  });
});

describe("summarise, progressLine, explain", () => {
  const s = summarise(
    [
      tracardi("a", { status: "True", reason: "Ready", message: "" }),
      tracardi("b", { status: "False", reason: "Unschedulable", message: "pods cannot be scheduled" }),
      tracardi("c"),
    ],
    [deployment(1, 1), deployment(1), deployment(0, 0)],
    [running, unschedulable, unschedulable, starting],
  );
  it("counts Ready Tracardis and Deployments, pods by phase and why they are Pending", () => {
    expect(s.ready).toBe(1);
    expect(s.deploymentsReady).toBe(2);
    expect(s.podsByPhase).toEqual(
      new Map([
        ["Running", 1],
        ["Pending", 3],
      ]),
    );
    expect(progressLine(s, 3)).toBe(
      "Ready 1/3 · Deployments Ready 2/3 · pods Running 1, Pending 3 (2 × 0/3 nodes are available: 3 Too many pods.; 1 for other reasons)",
    );
  });
  it("explains what is missing: Pending pods with the scheduler's words, Tracardis not Ready with their reason", () => {
    expect(explain(s)).toBe(
      "3 pods Pending: 2 × 0/3 nodes are available: 3 Too many pods.; 1 × on kwok-node-1, ContainerCreating; " +
        "2 Tracardis not Ready: 1 × Unschedulable; 1 × no Ready condition yet (e.g. b: pods cannot be scheduled | c: ); " +
        "1 Deployments not Ready",
    );
  });
});
