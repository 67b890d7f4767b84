import { describe, expect, it } from "vitest";
import { generateLicenseKeyPair, issueLicense, verifyLicense } from "../../../runtime/license/index.js";
import { sampleTracardi } from "../../testing/fixtures.js";
import { diagnoseLicense } from "./license.js";
import { diagnoseWorkflow } from "./workflow.js";

const pair = generateLicenseKeyPair();
const now = new Date("2026-06-01T00:00:00Z");
const inDays = (n: number) => new Date(now.getTime() + n * 86_400_000);
const check = (key: string, publicKey = pair.publicKey) => verifyLicense(key, publicKey, now);
const key = (days: number) =>
  issueLicense({ owner: "Acme", expires: inDays(days), issued: now }, pair.privateKey);

describe("diagnoseLicense", () => {
  it("valid → True/Valid with expiry and days remaining in status", () => {
    const d = diagnoseLicense({ state: "checked", check: check(key(90)) });
    expect(d.condition).toMatchObject({ type: "LicenseValid", status: "True", reason: "Valid" });
    expect(d.status).toEqual({
      status: "Valid",
      owner: "Acme",
      expires: "2026-08-30T00:00:00Z",
      daysRemaining: 90,
      features: [],
    });
    expect(d.warn).toBe(false);
  });

  it("expiring → still True, reason ExpiringSoon, warns", () => {
    const d = diagnoseLicense({ state: "checked", check: check(key(3)) });
    expect(d.condition).toMatchObject({ status: "True", reason: "ExpiringSoon" });
    expect(d.condition.message).toContain("3 days remaining");
    expect(d.warn).toBe(true);
  });

  it("expired → False/Expired and says data is still accepted", () => {
    const d = diagnoseLicense({ state: "checked", check: check(key(-1)) });
    expect(d.condition).toMatchObject({ status: "False", reason: "Expired" });
    expect(d.condition.message).toContain("keep accepting");
    expect(d.status.daysRemaining).toBe(-1);
  });

  it("invalid → False/Invalid", () => {
    const d = diagnoseLicense({
      state: "checked",
      check: check(key(90), generateLicenseKeyPair().publicKey),
    });
    expect(d.condition).toMatchObject({ status: "False", reason: "Invalid" });
    expect(diagnoseLicense({ state: "checked", check: check("garbage") }).condition.reason).toBe("Invalid");
  });

  it("missing → False/Missing with the finder's message", () => {
    const d = diagnoseLicense({ state: "missing", message: "Secret shop/lic not found" });
    expect(d.condition).toMatchObject({
      status: "False",
      reason: "Missing",
      message: "Secret shop/lic not found",
    });
    expect(d.status).toEqual({ status: "Missing" });
  });

  it("no public key → Unknown", () => {
    expect(diagnoseLicense({ state: "noPublicKey" }).condition).toMatchObject({
      status: "Unknown",
      reason: "NoPublicKey",
    });
  });
});

describe("diagnoseWorkflow", () => {
  it("is False/Disabled with the seed's message by default", () => {
    expect(diagnoseWorkflow(sampleTracardi().spec)).toEqual({
      type: "WorkflowsEnabled",
      status: "False",
      reason: "Disabled",
      message:
        "Workflows are disabled: no workflow will be triggered until spec.workers.workflow.enabled is true",
    });
  });

  it("is True/Enabled when the workflow worker is on", () => {
    const spec = sampleTracardi((s) => (s.workers.workflow.enabled = true)).spec;
    expect(diagnoseWorkflow(spec)).toMatchObject({ status: "True", reason: "Enabled" });
  });
});
