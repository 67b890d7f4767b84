import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setPodLogs } from "../lib/kubectl.js";
import {
  applyJson,
  createNamespace,
  deleteNamespace,
  ensureCrd,
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

let ns = "";
let operator: OperatorProcess;
const kit = licenseKit();
const NAME = "backends";
const PROBLEM = "MySQL at mysql.data:3306 does not answer: connect ECONNREFUSED 10.96.0.12:3306";

beforeAll(async () => {
  await ensureCrd();
  ns = await createNamespace("e2e-op-backends");
  operator = startOperator({ namespace: ns, publicKey: kit.publicKey });
});

afterAll(async () => {
  await operator?.stop();
  if (ns) await deleteNamespace(ns);
});

/** One pod of the public API, with the name of its container. */
async function publicApiPod(): Promise<{ name: string; container: string }> {
  const out = await kubectl([
    "-n",
    ns,
    "get",
    "pods",
    "-l",
    `app.kubernetes.io/instance=${NAME},app.kubernetes.io/component=public-api`,
    "-o",
    "jsonpath={.items[0].metadata.name} {.items[0].spec.containers[0].name}",
  ]);
  const [name = "", container = ""] = out.trim().split(" ");
  return { name, container };
}

// kwok's fault label `unready` fails the pod's readiness probe; setPodLogs makes it log what the
// runtime logs when a backend goes away (runtime/runtime.ts, watchBackends).
describe.skipIf(IN_CLUSTER)("backend problems reported by unready pods", () => {
  let pod = { name: "", container: "" };

  it("a pod that cannot reach MySQL → BackendsReachable=False/ConnectionLost naming it, and a Warning Event", async () => {
    await putLicenseSecret(ns, kit.key(365));
    await applyJson(tracardiObject(ns, NAME, sampleSpec()), ns);
    await waitForCondition(ns, NAME, "Ready", { status: "True" }, 90_000);
    await waitForCondition(ns, NAME, "BackendsReachable", { status: "True", reason: "NoneReported" }, 10_000);

    pod = await publicApiPod();
    await setPodLogs(ns, pod.name, [
      {
        container: pod.container,
        lines: ["Tracardi runtime (api) listening", `backend problem: ${PROBLEM}`],
      },
    ]);
    await kubectl(["-n", ns, "label", "pod", pod.name, "e2e.tracardi.io/fault=unready"]);

    const c = await waitForCondition(
      ns,
      NAME,
      "BackendsReachable",
      { status: "False", reason: "ConnectionLost" },
      60_000,
    );
    expect(c.message).toBe(`${PROBLEM} (reported by public-api pod ${pod.name})`);
    await waitForCondition(ns, NAME, "Ready", { status: "False", reason: "ConnectionLost" }, 10_000);
    await waitFor(
      "Warning ConnectionLost in describe",
      async () => {
        const d = await kubectl(["-n", ns, "describe", "tracardi", NAME]);
        return /Warning\s+ConnectionLost/.test(d) ? d : undefined;
      },
      15_000,
    );
  });

  it("clears once the pod logs that the backend is back and becomes ready", async () => {
    await setPodLogs(ns, pod.name, [
      {
        container: pod.container,
        lines: [`backend problem: ${PROBLEM}`, `backend recovered: ${PROBLEM}`],
      },
    ]);
    await kubectl(["-n", ns, "label", "pod", pod.name, "e2e.tracardi.io/fault-"]);
    await waitForCondition(ns, NAME, "BackendsReachable", { status: "True" }, 60_000);
    await waitForCondition(ns, NAME, "Ready", { status: "True" }, 30_000);
    const d = await kubectl(["-n", ns, "describe", "tracardi", NAME]);
    expect(d).toMatch(/Normal\s+BackendsReachableRecovered/);
  });
});
