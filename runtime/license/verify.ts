import { createPublicKey, type KeyObject, verify } from "node:crypto";
import { decodeKey, LicenseFormatError } from "./format.js";

export type LicenseStatus = "Valid" | "ExpiringSoon" | "Expired" | "Invalid";

/** Days before expiry in which a licence counts as ExpiringSoon. */
export const DEFAULT_WARNING_DAYS = 14;

const DAY_MS = 86_400_000;

export interface LicenseCheck {
  status: LicenseStatus;
  /** Human-readable reason, safe to log (never contains the key). */
  message: string;
  owner?: string;
  expires?: Date;
  issued?: Date;
  features?: string[];
  /** Whole days left (towards zero); negative once expired. */
  daysRemaining?: number;
}

export interface VerifyOptions {
  warningDays?: number;
}

export function verifyLicense(
  key: string,
  publicKey: string | KeyObject,
  now: Date,
  options: VerifyOptions = {},
): LicenseCheck {
  let decoded: ReturnType<typeof decodeKey>;
  try {
    decoded = decodeKey(key);
  } catch (err) {
    if (err instanceof LicenseFormatError) return { status: "Invalid", message: err.message };
    throw err;
  }
  let keyObject: KeyObject;
  try {
    keyObject = typeof publicKey === "string" ? createPublicKey(publicKey) : publicKey;
  } catch {
    return { status: "Invalid", message: "the configured licence public key is not a valid PEM public key" };
  }
  if (keyObject.asymmetricKeyType !== "ed25519") {
    return { status: "Invalid", message: "the configured licence public key is not an Ed25519 key" };
  }
  if (!verify(null, decoded.signedBytes, keyObject, decoded.signature)) {
    return { status: "Invalid", message: "licence signature does not match the configured public key" };
  }
  const { owner, features } = decoded.body;
  const expires = new Date(decoded.body.expires);
  const issued = new Date(decoded.body.issued);
  const remainingMs = expires.getTime() - now.getTime();
  // Whole days, towards zero: "expired 2 days ago" is -2 whatever the hour.
  const daysRemaining = Math.trunc(remainingMs / DAY_MS) || 0;
  const base = { owner, features, expires, issued, daysRemaining };
  if (remainingMs <= 0) {
    return {
      ...base,
      status: "Expired",
      message: `licence for ${owner} expired on ${expires.toISOString()}`,
    };
  }
  const warningDays = options.warningDays ?? DEFAULT_WARNING_DAYS;
  if (remainingMs <= warningDays * DAY_MS) {
    return {
      ...base,
      status: "ExpiringSoon",
      message: `licence for ${owner} expires on ${expires.toISOString()} (${daysRemaining} days remaining)`,
    };
  }
  return { ...base, status: "Valid", message: `licence for ${owner} valid until ${expires.toISOString()}` };
}

/** When the licence status changes next (start of the warning window, then expiry); undefined if never. */
export function nextLicenseTransition(
  check: LicenseCheck,
  now: Date,
  options: VerifyOptions = {},
): Date | undefined {
  if (!check.expires) return undefined;
  const warningStart = new Date(
    check.expires.getTime() - (options.warningDays ?? DEFAULT_WARNING_DAYS) * DAY_MS,
  );
  if (warningStart.getTime() > now.getTime()) return warningStart;
  if (check.expires.getTime() > now.getTime()) return check.expires;
  return undefined;
}
