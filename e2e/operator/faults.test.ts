import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
  tracardi,
  tracardiObject,
  waitFor,
  waitForCondition,
} from "./helpers.js";

let ns = "";
let operator: OperatorProcess;
const kit = licenseKit();

beforeAll(async () => {
  await ensureCrd();
  ns = await createNamespace("e2e-op-fault");
  operator = startOperator({ namespace: ns, publicKey: kit.publicKey });
});

afterAll(async () => {
  await operator?.stop();
  if (ns) await deleteNamespace(ns);
});

// The local control plane's kwok stages fail pods labelled e2e.tracardi.io/fault=oom like a kubelet would.
describe.skipIf(IN_CLUSTER)("OOM kills", () => {
  const NAME = "oom";

  it("a pod with fault oom → ComponentsHealthy=False/OOMKilled naming the spec field, and a Warning Event", async () => {
    await putLicenseSecret(ns, kit.key(365));
    await applyJson(tracardiObject(ns, NAME, sampleSpec()), ns);
    await waitForCondition(ns, NAME, "Ready", { status: "True" }, 90_000);

    const injectedAt = Date.now();
    await kubectl([
      "-n",
      ns,
      "patch",
      "tracardi",
      NAME,
      "--type=merge",
      "-p",
      JSON.stringify({
        spec: {
          workers: {
            background: {
              podLabels: { "e2e.tracardi.io/fault": "oom" },
              resources: { limits: { memory: "512Mi" } },
            },
          },
        },
      }),
    ]);
    const c = await waitForCondition(
      ns,
      NAME,
      "ComponentsHealthy",
      { status: "False", reason: "OOMKilled" },
      90_000,
    );
    const detectedMs = Date.now() - injectedAt;
    expect(c.message).toMatch(
      /^wk-pl-background: container wk-pl-background in pod oom-wk-pl-background-\S+ was OOMKilled/,
    );
    expect(c.message).toContain("memory limit 512Mi");
    expect(c.message).toMatch(/\d+ times? in the last hour/);
    expect(c.message).toContain("raise spec.workers.background.resources.limits.memory");
    const ready = await waitForCondition(ns, NAME, "Ready", { status: "False", reason: "OOMKilled" }, 10_000);
    expect(ready.message).toBe(c.message);

    const t = await tracardi(ns, NAME);
    const bg = t.status?.components?.find((x) => x.name === "wk-pl-background");
    expect(bg?.oomKillsLastHour).toBeGreaterThanOrEqual(1);
    expect(bg?.lastOOMKill).toMatchObject({ container: "wk-pl-background", memoryLimit: "512Mi" });

    const described = await waitFor(
      "Warning OOMKilled in describe",
      async () => {
        const d = await kubectl(["-n", ns, "describe", "tracardi", NAME]);
        return /Warning\s+OOMKilled/.test(d) ? d : undefined;
      },
      15_000,
    );
    expect(described).toContain("raise spec.workers.background.resources.limits.memory");
    console.log(`[measure] OOM label applied → ComponentsHealthy=OOMKilled in ${detectedMs} ms`);
  });

  it("resyncs do not repeat the Event", async () => {
    const count = async () =>
      (
        await kubectl([
          "-n",
          ns,
          "get",
          "events.events.k8s.io",
          "--field-selector",
          "reason=OOMKilled",
          "-o",
          "name",
        ])
      )
        .trim()
        .split("\n")
        .filter((l) => l.includes("oom")).length;
    const before = await count();
    await new Promise((r) => setTimeout(r, 8000));
    expect(await count()).toBe(before);
  });

  it("clears when the pod recovers", async () => {
    await kubectl([
      "-n",
      ns,
      "patch",
      "tracardi",
      NAME,
      "--type=json",
      "-p",
      JSON.stringify([{ op: "remove", path: "/spec/workers/background/podLabels" }]),
    ]);
    await waitForCondition(ns, NAME, "ComponentsHealthy", { status: "True" }, 90_000);
    await waitForCondition(ns, NAME, "Ready", { status: "True" }, 10_000);
    const d = await kubectl(["-n", ns, "describe", "tracardi", NAME]);
    expect(d).toMatch(/Normal\s+ComponentsHealthyRecovered/);
  });
});

describe("licence", () => {
  it("an expired licence Secret → LicenseValid=False/Expired and Ready=False/Expired", async () => {
    await putLicenseSecret(ns, kit.key(-2), "expired-license");
    await applyJson(
      tracardiObject(ns, "expired", sampleSpec({ license: { secretRef: { name: "expired-license" } } })),
      ns,
    );
    const c = await waitForCondition(
      ns,
      "expired",
      "LicenseValid",
      { status: "False", reason: "Expired" },
      60_000,
    );
    expect(c.message).toContain("expired on");
    await waitForCondition(ns, "expired", "Ready", { status: "False", reason: "Expired" }, 30_000);
    const t = await tracardi(ns, "expired");
    expect(t.status?.license).toMatchObject({ status: "Expired", daysRemaining: -2 });
    const d = await kubectl(["-n", ns, "describe", "tracardi", "expired"]);
    expect(d).toMatch(/Warning\s+Expired/);
  });

  it("replacing the Secret with a valid key is noticed without waiting for a resync", async () => {
    await putLicenseSecret(ns, kit.key(200), "expired-license");
    await waitForCondition(ns, "expired", "LicenseValid", { status: "True", reason: "Valid" }, 15_000);
  });

  it("a licence inside the warning window → True/ExpiringSoon with a Warning Event", async () => {
    await putLicenseSecret(ns, kit.key(5), "soon-license");
    await applyJson(
      tracardiObject(ns, "soon", sampleSpec({ license: { secretRef: { name: "soon-license" } } })),
      ns,
    );
    const c = await waitForCondition(
      ns,
      "soon",
      "LicenseValid",
      { status: "True", reason: "ExpiringSoon" },
      60_000,
    );
    expect(c.message).toMatch(/\d days remaining/);
    await waitFor(
      "ExpiringSoon event",
      async () => /Warning\s+ExpiringSoon/.test(await kubectl(["-n", ns, "describe", "tracardi", "soon"])),
      15_000,
    );
  });

  it("a missing Secret → Missing; a forged key → Invalid", async () => {
    await applyJson(
      tracardiObject(ns, "nolicence", sampleSpec({ license: { secretRef: { name: "nope" } } })),
      ns,
    );
    const missing = await waitForCondition(
      ns,
      "nolicence",
      "LicenseValid",
      { status: "False", reason: "Missing" },
      60_000,
    );
    expect(missing.message).toContain("nope");
    const forged = licenseKit().key(365);
    await putLicenseSecret(ns, forged, "nope");
    await waitForCondition(ns, "nolicence", "LicenseValid", { status: "False", reason: "Invalid" }, 15_000);
  });
});
