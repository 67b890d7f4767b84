import type { V1Node } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { desiredState } from "../../operator/controller/desired/index.js";
import { sampleTracardi } from "../../operator/testing/fixtures.js";
import {
  allocatable,
  type Demand,
  deploymentsDemand,
  extraNodesFor,
  type Footprint,
  NO_FOOTPRINT,
  quantity,
  schedulable,
  times,
} from "./capacity.js";

const GiB = 2 ** 30;
const kwokNode: Footprint = { pods: 110, cpuMillis: 32_000, memoryBytes: 256 * GiB };
const emptyNodes = (n: number) =>
  Array.from({ length: n }, () => ({ allocatable: kwokNode, used: NO_FOOTPRINT }));
const smallPods = (n: number): Demand => ({
  total: { pods: n, cpuMillis: 100 * n, memoryBytes: 100 * 2 ** 20 * n },
  largestPod: { pods: 1, cpuMillis: 100, memoryBytes: 100 * 2 ** 20 },
});

describe("quantity", () => {
  it("reads CPU, binary and decimal memory, exponents and plain numbers", () => {
    expect(quantity("500m")).toBe(0.5);
    expect(quantity("2")).toBe(2);
    expect(quantity("256Gi")).toBe(256 * GiB);
    expect(quantity("1M")).toBe(1e6);
    expect(quantity("1e3")).toBe(1000);
    expect(quantity(110)).toBe(110);
    expect(quantity(undefined)).toBe(0);
  });
  it("refuses what is not a quantity", () => {
    expect(() => quantity("12 apples")).toThrow(/not a Kubernetes quantity/);
  });
});

describe("deploymentsDemand", () => {
  it("counts the pods and requests of a default Tracardi from the operator's desired state", () => {
    const { deployments } = desiredState(sampleTracardi(), {});
    const demand = deploymentsDemand(deployments);
    // public API, private API, background and APM workers, the console; no collector (off by
    // default), no workflow pod.
    expect(demand.total.pods).toBe(deployments.length);
    expect(demand.total.pods).toBe(5);
    expect(demand.total.cpuMillis).toBe(100 + 100 + 300 + 100 + 50);
    expect(demand.total.memoryBytes).toBe((100 + 100 + 300 + 200 + 64) * 2 ** 20);
    expect(demand.largestPod).toEqual({ pods: 1, cpuMillis: 300, memoryBytes: 300 * 2 ** 20 });
  });
  it("multiplies by replicas", () => {
    const { deployments } = desiredState(
      sampleTracardi((s) => {
        s.api.public.replicas = 3;
      }),
      {},
    );
    expect(deploymentsDemand(deployments).total.pods).toBe(7);
  });
});

describe("extraNodesFor", () => {
  it("adds none when the nodes hold the demand", () => {
    expect(extraNodesFor(smallPods(330), emptyNodes(3), NO_FOOTPRINT, kwokNode)).toBe(0);
  });
  it("adds nodes for the pods that do not fit: 205 Tracardis × 4 pods on three 110-pod nodes", () => {
    expect(extraNodesFor(times(smallPods(4), 205), emptyNodes(3), NO_FOOTPRINT, kwokNode)).toBe(5);
  });
  it("counts pods already on the nodes and pods waiting for one", () => {
    const nodes = [{ allocatable: kwokNode, used: { pods: 100, cpuMillis: 0, memoryBytes: 0 } }];
    expect(extraNodesFor(smallPods(10), nodes, NO_FOOTPRINT, kwokNode)).toBe(0);
    expect(extraNodesFor(smallPods(10), nodes, { pods: 1, cpuMillis: 0, memoryBytes: 0 }, kwokNode)).toBe(1);
  });
  it("sizes by CPU when CPU runs out first, leaving room for the largest pod on each node", () => {
    const demand: Demand = {
      total: { pods: 100, cpuMillis: 100_000, memoryBytes: 0 },
      largestPod: { pods: 1, cpuMillis: 1000, memoryBytes: 0 },
    };
    // 31 CPU usable per 32-CPU node: 3 nodes hold 93 pods of 1 CPU, the 7 left need one more.
    expect(extraNodesFor(demand, emptyNodes(3), NO_FOOTPRINT, kwokNode)).toBe(1);
  });
  it("refuses a template that cannot hold one pod", () => {
    expect(() =>
      extraNodesFor(smallPods(400), emptyNodes(3), NO_FOOTPRINT, { ...kwokNode, pods: 0 }),
    ).toThrow(/no room for one pod/);
  });
});

describe("nodes", () => {
  const node = (extra: Partial<V1Node["spec"]> = {}, ready = "True"): V1Node => ({
    spec: extra,
    status: {
      allocatable: { pods: "110", cpu: "32", memory: "256Gi" },
      conditions: [{ type: "Ready", status: ready }],
    },
  });
  it("schedulable: Ready, not cordoned, not tainted NoSchedule", () => {
    expect(schedulable(node())).toBe(true);
    expect(schedulable(node({}, "False"))).toBe(false);
    expect(schedulable(node({ unschedulable: true }))).toBe(false);
    expect(schedulable(node({ taints: [{ key: "real", effect: "NoSchedule" }] }))).toBe(false);
    expect(schedulable(node({ taints: [{ key: "soft", effect: "PreferNoSchedule" }] }))).toBe(true);
  });
  it("allocatable in pods, millicores and bytes", () => {
    expect(allocatable(node())).toEqual(kwokNode);
  });
});
