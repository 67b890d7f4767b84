import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applyJson,
  createNamespace,
  deleteNamespace,
  ensureCrd,
  getJson,
  IN_CLUSTER,
  licenseKit,
  metricValue,
  type OperatorProcess,
  putLicenseSecret,
  sampleSpec,
  startOperator,
  tracardiObject,
  waitFor,
  waitForCondition,
} from "./helpers.js";

let ns = "";
const ops: OperatorProcess[] = [];
const kit = licenseKit();

interface LeaseJson {
  spec: { holderIdentity?: string; leaseTransitions?: number };
}

beforeAll(async () => {
  await ensureCrd();
  ns = await createNamespace("e2e-op-lead");
  await putLicenseSecret(ns, kit.key(365));
});

afterAll(async () => {
  for (const op of ops) await op.stop("SIGKILL");
  if (ns) await deleteNamespace(ns);
});

const leaderFlag = async (op: OperatorProcess) =>
  metricValue(await op.metrics(), "tracardi_operator_leader") ?? 0;

describe.skipIf(IN_CLUSTER)("leader election", () => {
  it("two replicas → exactly one leader; the other takes over when it goes away", async () => {
    for (const id of ["op-a", "op-b"]) {
      ops.push(
        startOperator({
          namespace: ns,
          publicKey: kit.publicKey,
          leaderElect: true,
          identity: id,
          leaseName: "e2e-leader",
        }),
      );
    }
    const holder = await waitFor(
      "a lease holder",
      async () => (await getJson<LeaseJson>(["-n", ns, "get", "lease", "e2e-leader"])).spec.holderIdentity,
      30_000,
    );
    expect(["op-a", "op-b"]).toContain(holder);
    await new Promise((r) => setTimeout(r, 3000));
    const flags = await Promise.all(ops.map(leaderFlag));
    expect(flags.sort()).toEqual([0, 1]);

    // Only the leader reconciles.
    await applyJson(tracardiObject(ns, "led", sampleSpec()), ns);
    await waitForCondition(ns, "led", "Reconciled", { status: "True" }, 30_000);
    const reconciles = await Promise.all(
      ops.map(
        async (op) =>
          metricValue(await op.metrics(), 'tracardi_operator_reconcile_total{result="success"}') ?? 0,
      ),
    );
    expect(reconciles.filter((n) => n > 0)).toHaveLength(1);

    const leaderIndex = holder === "op-a" ? 0 : 1;
    const standby = ops[1 - leaderIndex] as OperatorProcess;
    const started = Date.now();
    await ops[leaderIndex]?.stop("SIGTERM");
    await waitFor("standby becomes leader", async () => (await leaderFlag(standby)) === 1, 30_000);
    const lease = await getJson<LeaseJson>(["-n", ns, "get", "lease", "e2e-leader"]);
    expect(lease.spec.holderIdentity).toBe(holder === "op-a" ? "op-b" : "op-a");
    console.log(`[measure] leader hand-over after SIGTERM: ${Date.now() - started} ms`);
  });
});

describe.runIf(IN_CLUSTER)("leader election in the cluster (manifests/: 2 replicas)", () => {
  it("one of the two operator pods holds the Lease", async () => {
    const pods = await getJson<{ items: { metadata: { name: string } }[] }>([
      "-n",
      "tracardi-system",
      "get",
      "pods",
      "-l",
      "app.kubernetes.io/name=tracardi-operator",
    ]);
    expect(pods.items).toHaveLength(2);
    const holder = await waitFor(
      "lease holder",
      async () =>
        (await getJson<LeaseJson>(["-n", "tracardi-system", "get", "lease", "tracardi-operator"])).spec
          .holderIdentity,
      60_000,
    );
    expect(pods.items.map((p) => p.metadata.name)).toContain(holder);
  });
});
