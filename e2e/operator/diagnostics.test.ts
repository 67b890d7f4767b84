// The runtime-view conditions on the local cluster. kwok's pods serve nothing, so this suite shows
// what the cluster can: AutoMerging=False/Inactive (with a Warning Event) when the APM worker is off,
// which needs no answer from the runtime; and, with it on, the operator asking the private-api Service
// and saying why it got no answer (Unknown/StatusUnavailable, APIsHealthy Unknown/MetricsUnavailable)
// without holding up Ready. The answers themselves (a stalled merge loop, 5xx, disk watermarks) are
// shown on the real node by e2e/fullstack/diagnostics.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applyJson,
  condition,
  createNamespace,
  deleteNamespace,
  ensureCrd,
  kubectl,
  licenseKit,
  type OperatorProcess,
  putLicenseSecret,
  sampleSpec,
  startOperator,
  tracardi,
  tracardiObject,
  waitForCondition,
} from "./helpers.js";

const NAME = "diag";
let ns = "";
let operator: OperatorProcess;
const kit = licenseKit();

beforeAll(async () => {
  await ensureCrd();
  ns = await createNamespace("e2e-op-diag");
  await putLicenseSecret(ns, kit.key(365));
  // Looks every 2 s, so the suite need not wait 30 s for the second look.
  operator = startOperator({
    namespace: ns,
    publicKey: kit.publicKey,
    extraArgs: ["--diagnostics-seconds", "2"],
  });
});

afterAll(async () => {
  await operator?.stop();
  if (ns) await deleteNamespace(ns);
});

describe("runtime-view conditions on kwok", () => {
  it("AutoMerging=False/Inactive with a Warning Event while the APM worker is off; Ready stays True", async () => {
    await applyJson(tracardiObject(ns, NAME, sampleSpec({ workers: { apm: { enabled: false } } })), ns);
    const c = await waitForCondition(ns, NAME, "AutoMerging", { status: "False", reason: "Inactive" });
    expect(c.message).toContain("the APM worker (wk-apm) is off");
    expect(c.message).toContain("set spec.workers.apm.enabled to true");
    await waitForCondition(ns, NAME, "Ready", { status: "True" });
    const described = await kubectl(["-n", ns, "describe", "tracardi", NAME]);
    expect(described).toMatch(/Warning\s+Inactive/);
  });

  it("with the APM worker on, says why the runtime could not be asked, neither warning nor claiming a recovery", async () => {
    await applyJson(tracardiObject(ns, NAME, sampleSpec()), ns);
    const merging = await waitForCondition(ns, NAME, "AutoMerging", {
      status: "Unknown",
      reason: "StatusUnavailable",
    });
    // kwok pods are Ready but nothing listens behind the Service.
    expect(merging.message).toMatch(
      new RegExp(
        `Service ${NAME}-private-api \\(http://[0-9.]+:8687/api/v1/status\\) does not answer|no private-api pod is ready`,
      ),
    );
    const t = await tracardi(ns, NAME);
    expect(condition(t, "APIsHealthy")).toMatchObject({ status: "Unknown", reason: "MetricsUnavailable" });
    expect(condition(t, "SearchDiskPressure")).toMatchObject({
      status: "Unknown",
      reason: "StatusUnavailable",
    });
    // Not part of Ready (the wk-apm pod it brings is waited for).
    await waitForCondition(ns, NAME, "Ready", { status: "True" });
    // Not knowing is no news: no Warning, and no recovery claimed either.
    const events = (await kubectl(["-n", ns, "describe", "tracardi", NAME])).split("Events:")[1] ?? "";
    expect(events).toMatch(/Warning\s+Inactive/);
    expect(events).not.toMatch(/StatusUnavailable|MetricsUnavailable|AutoMergingRecovered/);
  });
});
