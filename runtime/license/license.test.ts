import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decodeKey, LicenseFormatError, parseExpiry } from "./format.js";
import { generateLicenseKeyPair, issueLicense } from "./issue.js";
import { nextLicenseTransition, verifyLicense } from "./verify.js";

const pair = generateLicenseKeyPair();
const other = generateLicenseKeyPair();
const now = new Date("2026-06-01T12:00:00Z");
const days = (n: number) => new Date(now.getTime() + n * 86_400_000);

function key(expires: Date, features: string[] = ["multi-tenant"]): string {
  return issueLicense({ owner: "Acme", expires, features, issued: now }, pair.privateKey);
}

describe("licence keys", () => {
  it("round-trips the body through the key format", () => {
    const decoded = decodeKey(key(days(100)));
    expect(decoded.body).toEqual({
      owner: "Acme",
      expires: days(100).toISOString(),
      features: ["multi-tenant"],
      issued: now.toISOString(),
    });
    expect(key(days(100)).startsWith("TRC1.")).toBe(true);
  });

  it("is Valid well before expiry", () => {
    const check = verifyLicense(key(days(100)), pair.publicKey, now);
    expect(check.status).toBe("Valid");
    expect(check.daysRemaining).toBe(100);
    expect(check.owner).toBe("Acme");
    expect(check.features).toEqual(["multi-tenant"]);
  });

  it("is ExpiringSoon inside the warning window", () => {
    const check = verifyLicense(key(days(5)), pair.publicKey, now);
    expect(check.status).toBe("ExpiringSoon");
    expect(check.daysRemaining).toBe(5);
    expect(verifyLicense(key(days(20)), pair.publicKey, now, { warningDays: 30 }).status).toBe(
      "ExpiringSoon",
    );
  });

  it("is Expired at and after expiry", () => {
    expect(verifyLicense(key(now), pair.publicKey, now).status).toBe("Expired");
    const check = verifyLicense(key(days(-3)), pair.publicKey, now);
    expect(check.status).toBe("Expired");
    expect(check.daysRemaining).toBe(-3);
    expect(check.message).toContain("expired");
    expect(verifyLicense(key(days(-2.5)), pair.publicKey, now).daysRemaining).toBe(-2);
    expect(verifyLicense(key(days(-0.5)), pair.publicKey, now).daysRemaining).toBe(0);
  });

  it("is Invalid when signed by another key", () => {
    const check = verifyLicense(key(days(100)), other.publicKey, now);
    expect(check.status).toBe("Invalid");
    expect(check.message).toContain("signature");
  });

  it("is Invalid when the body is tampered with", () => {
    const [prefix, , sig] = key(days(1)).split(".");
    const forged = Buffer.from(
      JSON.stringify({
        owner: "Acme",
        expires: days(1000).toISOString(),
        features: [],
        issued: now.toISOString(),
      }),
    ).toString("base64url");
    expect(verifyLicense(`${prefix}.${forged}.${sig}`, pair.publicKey, now).status).toBe("Invalid");
  });

  it("is Invalid for garbage, wrong prefix and non-JSON bodies, without throwing", () => {
    for (const bad of [
      "",
      "hello",
      "TRC2.a.b",
      "TRC1.!!!.abc",
      `TRC1.${Buffer.from("nope").toString("base64url")}.AA`,
    ]) {
      expect(verifyLicense(bad, pair.publicKey, now).status).toBe("Invalid");
    }
  });

  it("is Invalid when the configured public key is unusable", () => {
    expect(verifyLicense(key(days(9)), "not a pem", now).status).toBe("Invalid");
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({
      type: "spki",
      format: "pem",
    });
    expect(verifyLicense(key(days(9)), rsa.toString(), now).message).toContain("Ed25519");
  });

  it("schedules the next re-check at the warning window start, then at expiry", () => {
    const valid = verifyLicense(key(days(100)), pair.publicKey, now);
    expect(nextLicenseTransition(valid, now)?.toISOString()).toBe(days(86).toISOString());
    const soon = verifyLicense(key(days(5)), pair.publicKey, now);
    expect(nextLicenseTransition(soon, now)?.toISOString()).toBe(days(5).toISOString());
    const expired = verifyLicense(key(days(-1)), pair.publicKey, now);
    expect(nextLicenseTransition(expired, now)).toBeUndefined();
  });

  it("parses date-only expiries as the end of that UTC day", () => {
    expect(parseExpiry("2027-03-31").toISOString()).toBe("2027-03-31T23:59:59.000Z");
    expect(parseExpiry("2027-03-31T10:00:00Z").toISOString()).toBe("2027-03-31T10:00:00.000Z");
    expect(() => parseExpiry("someday")).toThrow(LicenseFormatError);
  });
});
