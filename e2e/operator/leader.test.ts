import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applyJson,
  createNamespace,
  deleteNamespace,
  ensureCrd,
  getJson,
  IN_CLUSTER,
  kubectl,
  licenseKit,
  metricValue,
  type OperatorProcess,
  putLicenseSecret,
  sampleSpec,
  startOperator,
  tracardi,
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

const namespaces: string[] = [];

afterAll(async () => {
  for (const op of ops) {
    op.child?.kill("SIGCONT");
    await op.stop("SIGKILL");
  }
  if (ns) await deleteNamespace(ns);
  for (const n of namespaces) await deleteNamespace(n);
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

/** Two operators on one lease in a namespace of their own; resolves with the leader first. */
async function pair(
  lease: string,
): Promise<{ ns: string; leader: OperatorProcess; standby: OperatorProcess; ids: [string, string] }> {
  const own = await createNamespace(`e2e-op-${lease}`);
  namespaces.push(own);
  await putLicenseSecret(own, kit.key(365));
  const started = ["a", "b"].map((suffix) => {
    const op = startOperator({
      namespace: own,
      publicKey: kit.publicKey,
      leaderElect: true,
      identity: `${lease}-${suffix}`,
      leaseName: lease,
      // debug: every reconcile is logged ("reconciling ns/name"), so a test can tell who acted when.
      extraArgs: ["--log-level", "debug"],
    });
    ops.push(op);
    return op;
  });
  const holder = await waitFor(
    "a lease holder",
    async () => (await getJson<LeaseJson>(["-n", own, "get", "lease", lease])).spec.holderIdentity,
    30_000,
  );
  const leaderIndex = holder === `${lease}-a` ? 0 : 1;
  return {
    ns: own,
    leader: started[leaderIndex] as OperatorProcess,
    standby: started[1 - leaderIndex] as OperatorProcess,
    ids: [holder, leaderIndex === 0 ? `${lease}-b` : `${lease}-a`],
  };
}

const holderOf = async (ns: string, lease: string) =>
  (await getJson<LeaseJson>(["-n", ns, "get", "lease", lease])).spec.holderIdentity;

const exited = (op: OperatorProcess) => op.child?.exitCode !== null || op.child?.signalCode !== null;

describe.skipIf(IN_CLUSTER)("leader election when the leader cannot step aside cleanly", () => {
  it("a frozen leader (SIGSTOP) is replaced after the lease expires and, resumed, steps down before any reconcile", async () => {
    const { ns: own, leader, standby, ids } = await pair("frozen");
    const [leaderId, standbyId] = ids;
    await applyJson(tracardiObject(own, "t", sampleSpec()), own);
    await waitForCondition(own, "t", "Reconciled", { status: "True" }, 30_000);

    leader.child?.kill("SIGSTOP");
    const frozenAt = Date.now();
    await waitFor(
      "the standby takes the lease",
      async () => (await holderOf(own, "frozen")) === standbyId,
      60_000,
    );
    await waitFor("the standby leads", async () => (await leaderFlag(standby)) === 1, 30_000);
    console.log(`[measure] take-over from a frozen leader: ${Date.now() - frozenAt} ms`);

    // Work for whoever leads: the new leader reconciles it while the old one is still frozen.
    await kubectl([
      "-n",
      own,
      "patch",
      "tracardi",
      "t",
      "--type=merge",
      "-p",
      '{"spec":{"api":{"public":{"replicas":2}}}}',
    ]);
    await waitFor(
      "the new leader reconciles generation 2",
      async () => (await tracardi(own, "t")).status?.observedGeneration === 2,
      30_000,
    );

    const mark = leader.logs.join("").length;
    leader.child?.kill("SIGCONT");
    await waitFor("the resumed leader exits", async () => exited(leader), 30_000);
    expect(leader.child?.exitCode).toBe(1);
    const resumed = leader.logs
      .join("")
      .slice(mark)
      .split("\n")
      .filter((l) => l.trim() !== "");
    const stepDown = resumed.findIndex((l) => l.includes("stepping down"));
    expect(stepDown).toBeGreaterThanOrEqual(0);
    expect(resumed.filter((l) => l.includes("reconciling ") || l.includes("became leader"))).toEqual([]);
    expect(resumed[stepDown]).toContain("renew deadline");
    expect(await holderOf(own, "frozen")).toBe(standbyId);
    expect(leaderId).not.toBe(standbyId);
  });

  it("a killed leader (SIGKILL) is replaced after the lease expires", async () => {
    const { ns: own, leader, standby, ids } = await pair("killed");
    const [, standbyId] = ids;
    await applyJson(tracardiObject(own, "t", sampleSpec()), own);
    await waitForCondition(own, "t", "Reconciled", { status: "True" }, 30_000);
    expect(standby.logs.join("")).not.toContain("reconciling ");

    const killedAt = Date.now();
    await leader.stop("SIGKILL");
    await waitFor(
      "the standby takes the lease",
      async () => (await holderOf(own, "killed")) === standbyId,
      60_000,
    );
    await waitFor("the standby leads", async () => (await leaderFlag(standby)) === 1, 30_000);
    console.log(`[measure] take-over from a killed leader: ${Date.now() - killedAt} ms`);
    await kubectl([
      "-n",
      own,
      "patch",
      "tracardi",
      "t",
      "--type=merge",
      "-p",
      '{"spec":{"api":{"public":{"replicas":2}}}}',
    ]);
    await waitFor(
      "the new leader reconciles generation 2",
      async () => (await tracardi(own, "t")).status?.observedGeneration === 2,
      30_000,
    );
    expect(standby.logs.join("")).toContain(`reconciling ${own}/t`);
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
