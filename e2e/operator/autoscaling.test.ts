import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PulsarQueue } from "../../runtime/adapters/pulsar/queue.js";
import { inKeyOrder } from "../../runtime/ports/queue.js";
import { infra } from "../../runtime/test/infra/servers.js";
import {
  applyJson,
  createNamespace,
  deleteNamespace,
  ensureCrd,
  getJson,
  IN_CLUSTER,
  kubectl,
  licenseKit,
  type OperatorProcess,
  putLicenseSecret,
  sampleSpec,
  startOperator,
  tracardiObject,
  waitFor,
  waitForCondition,
} from "./helpers.js";

// Autoscaling of the collector worker from the backlog in the real Pulsar of infra/ (shared, never
// restarted). kwok pods consume nothing, so the backlog the test publishes stays until the test drains
// it with its own consumer on the runtime's subscription. The operator steps every second here
// (--autoscale-interval-seconds 1) with a 4 s scale-down window, so the suite takes seconds.

const NAME = "scaler";
const DEPLOYMENT = `${NAME}-wk-pl-collector`;
const prefix = `e2e-as-${randomBytes(4).toString("hex")}-`;
const kit = licenseKit();
let ns = "";
let operator: OperatorProcess;
let pulsar: { serviceUrl: string; webUrl: string };
let queue: PulsarQueue;

interface AutoscalingStatus {
  currentReplicas: number;
  desiredReplicas: number;
  backlog?: number;
  lastScaleTime?: string;
  reason: string;
}
interface ScalerJson {
  status?: { backlog?: number; autoscaling?: { collector?: AutoscalingStatus } };
}
interface DeploymentJson {
  metadata: { generation: number; managedFields?: { manager: string; fieldsV1?: { "f:spec"?: object } }[] };
  spec: { replicas: number };
  status?: { readyReplicas?: number };
}

const collectorSpec = (extra: Record<string, unknown>) =>
  sampleSpec({
    pulsar: { url: pulsar.serviceUrl, webUrl: pulsar.webUrl, topicPrefix: prefix },
    workers: { collector: { enabled: true, ...extra } },
  });
const apply = (extra: Record<string, unknown>) =>
  applyJson(tracardiObject(ns, NAME, collectorSpec(extra)), ns);
const autoscaling = (a: Record<string, unknown>) => ({
  autoscaling: {
    enabled: true,
    targetBacklogPerReplica: 10,
    scaleUpStabilizationSeconds: 0,
    scaleDownStabilizationSeconds: 4,
    ...a,
  },
});

const deployment = () => getJson<DeploymentJson>(["-n", ns, "get", "deployment", DEPLOYMENT]);
const scaler = () => getJson<ScalerJson>(["-n", ns, "get", "tracardi", NAME]);
const waitForReplicas = (n: number, timeoutMs = 30_000) =>
  waitFor(
    `${DEPLOYMENT} at ${n} replicas`,
    async () => {
      const d = await deployment();
      return d.spec.replicas === n && (d.status?.readyReplicas ?? 0) === n ? d : undefined;
    },
    timeoutMs,
  );

/** The notes of this Tracardi's Events with a reason, oldest first. */
async function notes(reason: string): Promise<string[]> {
  const events = await getJson<{
    items: { reason: string; note?: string; regarding?: { name: string }; eventTime?: string }[];
  }>(["-n", ns, "get", "events.events.k8s.io"]);
  return events.items
    .filter((e) => e.reason === reason && e.regarding?.name === NAME)
    .sort((a, b) => (a.eventTime ?? "").localeCompare(b.eventTime ?? ""))
    .map((e) => e.note ?? "");
}

async function publish(count: number): Promise<void> {
  await queue.publish(
    "collector",
    Array.from({ length: count }, (_, i) => ({ key: `k${i}`, body: { n: i } })),
  );
}

/** Acknowledges everything waiting on the collector stage, as a collector would. */
async function drain(): Promise<void> {
  const subscription = queue.consume(
    "collector",
    inKeyOrder(async () => ({ kind: "ack" })),
    {
      maxBatch: 50,
      maxAttempts: 3,
    },
  );
  try {
    await waitFor("the collector backlog drained", async () => {
      const res = await fetch(`${pulsar.webUrl}/admin/v2/persistent/public/default/${prefix}collector/stats`);
      const stats = (await res.json()) as { subscriptions?: Record<string, { msgBacklog?: number }> };
      return stats.subscriptions?.[`${prefix}collector`]?.msgBacklog === 0;
    });
  } finally {
    await subscription.close();
  }
}

beforeAll(async () => {
  const out = await infra("pulsar", "start");
  pulsar = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as typeof pulsar;
  queue = new PulsarQueue({ webUrl: pulsar.webUrl, naming: { prefix } });
  await ensureCrd();
  ns = await createNamespace("e2e-op-autoscale");
  await putLicenseSecret(ns, kit.key(365));
  operator = startOperator({
    namespace: ns,
    publicKey: kit.publicKey,
    extraArgs: ["--autoscale-interval-seconds", "1"],
  });
});

afterAll(async () => {
  await queue?.close();
  await operator?.stop();
  if (ns) await deleteNamespace(ns);
  if (pulsar) {
    const base = `${pulsar.webUrl}/admin/v2/persistent/public/default`;
    for (const stage of ["collector", "storage", "dispatch", "workflow"])
      await fetch(`${base}/${prefix}${stage}?force=true`, { method: "DELETE" }).catch(() => undefined);
  }
});

// The operator runs on this machine and reaches Pulsar on loopback; in-cluster it could not.
describe.skipIf(IN_CLUSTER)("autoscaling the collector from its Pulsar backlog", () => {
  it("turning autoscaling on keeps the replicas the Deployment has (server-side apply does not reset them to 1)", async () => {
    await apply({ replicas: 3 });
    await waitForCondition(ns, NAME, "Ready", { status: "True" }, 90_000);
    const before = await waitForReplicas(3);

    await apply({ replicas: 3, ...autoscaling({ minReplicas: 3, maxReplicas: 3 }) });
    await waitFor(
      "status.autoscaling.collector",
      async () => (await scaler()).status?.autoscaling?.collector,
    );
    const after = await getJson<DeploymentJson>([
      "-n",
      ns,
      "get",
      "deployment",
      DEPLOYMENT,
      "--show-managed-fields",
    ]);
    expect(after.spec.replicas).toBe(3);
    // Never changed on the way: a reset to 1 and back would have bumped the generation.
    expect(after.metadata.generation).toBe(before.metadata.generation);
    const owners = (after.metadata.managedFields ?? [])
      .filter((m) => JSON.stringify(m.fieldsV1?.["f:spec"] ?? {}).includes('"f:replicas"'))
      .map((m) => m.manager);
    expect(owners).toEqual(["tracardi-operator-autoscaler"]);
    expect(await notes("ScaledUp")).toEqual([]);
  });

  it("scales to minReplicas without a backlog, then up by the formula, doubling per step, to maxReplicas", async () => {
    await apply({ replicas: 3, ...autoscaling({ minReplicas: 1, maxReplicas: 3 }) });
    await waitForReplicas(1);
    expect((await notes("ScaledDown")).at(-1)).toBe(
      `${DEPLOYMENT}: backlog 0 < 10 per replica × 3 → 1 replica (minReplicas 1; the backlog asks for 0)`,
    );

    await publish(35);
    await waitForReplicas(3);
    expect(await notes("ScaledUp")).toEqual([
      `${DEPLOYMENT}: backlog 35 > 10 per replica × 1 → 2 replicas (at most doubling per step; the backlog asks for 4)`,
      `${DEPLOYMENT}: backlog 35 > 10 per replica × 2 → 3 replicas (maxReplicas 3; the backlog asks for 4)`,
    ]);
    const status = await waitFor("status at 3 replicas", async () => {
      const s = (await scaler()).status;
      return s?.autoscaling?.collector?.currentReplicas === 3 ? s : undefined;
    });
    expect(status.backlog).toBe(35);
    expect(status.autoscaling?.collector).toMatchObject({
      currentReplicas: 3,
      desiredReplicas: 3,
      backlog: 35,
    });
    expect(status.autoscaling?.collector?.lastScaleTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const table = await kubectl(["-n", ns, "get", "trc", NAME]);
    expect(table).toMatch(/BACKLOG/);
    expect(table.split("\n")[1]).toMatch(/\s35\s/);
  });

  it("holds the replicas through the scale-down window once drained, then scales down", async () => {
    await drain();
    const held = await waitFor("the scale-down window holding 3 replicas", async () => {
      const c = (await scaler()).status?.autoscaling?.collector;
      return c?.backlog === 0 && c.desiredReplicas === 3 ? c : undefined;
    });
    expect(held.reason).toBe(
      "backlog 0 < 10 per replica × 3 → 3 replicas (scale-down window 4 s: highest recent recommendation 4; the backlog asks for 0)",
    );
    await waitForReplicas(1);
    expect((await notes("ScaledDown")).at(-1)).toBe(
      `${DEPLOYMENT}: backlog 0 < 10 per replica × 3 → 1 replica (minReplicas 1; the backlog asks for 0)`,
    );
    expect((await scaler()).status?.backlog).toBe(0);
  });

  it("scales to zero with minReplicas 0, and a backlog wakes it to 1", async () => {
    await apply({ replicas: 3, ...autoscaling({ minReplicas: 0, maxReplicas: 3 }) });
    await waitForReplicas(0);
    await waitFor("no collector pods", async () => {
      const pods = await kubectl([
        "-n",
        ns,
        "get",
        "pods",
        "-l",
        "app.kubernetes.io/component=wk-pl-collector",
        "-o",
        "name",
      ]);
      return pods.trim() === "";
    });
    await waitForCondition(ns, NAME, "Ready", { status: "True" }, 30_000);

    await publish(5);
    await waitForReplicas(1);
    expect((await notes("ScaledUp")).at(-1)).toBe(
      `${DEPLOYMENT}: backlog 5 > 10 per replica × 0 → 1 replica`,
    );
    await drain();
  });

  it("turning autoscaling off gives spec.replicas back to the spec", async () => {
    await apply({ replicas: 2 });
    await waitForReplicas(2);
    await waitFor("status.autoscaling gone", async () => {
      const s = (await scaler()).status;
      return s && s.autoscaling === undefined && s.backlog === undefined;
    });
  });
});
