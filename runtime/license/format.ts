/** The licence key format shared by the runtime and the operator. */

export const KEY_PREFIX = "TRC1";

export interface LicenseBody {
  owner: string;
  /** RFC 3339 instant after which the licence is expired. */
  expires: string;
  features: string[];
  /** RFC 3339 instant the key was issued. */
  issued: string;
}

export interface DecodedKey {
  body: LicenseBody;
  /** The exact bytes the signature covers. */
  signedBytes: Buffer;
  signature: Buffer;
}

export class LicenseFormatError extends Error {}

const B64URL = /^[A-Za-z0-9_-]+$/;

export function encodeKey(bodyBytes: Buffer, signature: Buffer): string {
  return `${KEY_PREFIX}.${bodyBytes.toString("base64url")}.${signature.toString("base64url")}`;
}

export function decodeKey(key: string): DecodedKey {
  const parts = key.trim().split(".");
  if (parts.length !== 3 || parts[0] !== KEY_PREFIX) {
    throw new LicenseFormatError(
      `not a ${KEY_PREFIX} licence key (expected ${KEY_PREFIX}.<body>.<signature>)`,
    );
  }
  const [, bodyPart = "", sigPart = ""] = parts;
  if (!B64URL.test(bodyPart) || !B64URL.test(sigPart)) {
    throw new LicenseFormatError("licence key parts are not base64url");
  }
  const signedBytes = Buffer.from(bodyPart, "base64url");
  let parsed: unknown;
  try {
    parsed = JSON.parse(signedBytes.toString("utf8"));
  } catch {
    throw new LicenseFormatError("licence body is not JSON");
  }
  return { body: parseBody(parsed), signedBytes, signature: Buffer.from(sigPart, "base64url") };
}

function parseBody(value: unknown): LicenseBody {
  if (typeof value !== "object" || value === null)
    throw new LicenseFormatError("licence body is not an object");
  const v = value as Record<string, unknown>;
  if (typeof v.owner !== "string" || v.owner === "") throw new LicenseFormatError("licence body lacks owner");
  if (typeof v.expires !== "string" || Number.isNaN(Date.parse(v.expires))) {
    throw new LicenseFormatError("licence body lacks a valid expires date");
  }
  if (typeof v.issued !== "string" || Number.isNaN(Date.parse(v.issued))) {
    throw new LicenseFormatError("licence body lacks a valid issued date");
  }
  if (!Array.isArray(v.features) || !v.features.every((f) => typeof f === "string")) {
    throw new LicenseFormatError("licence body features must be a list of strings");
  }
  return { owner: v.owner, expires: v.expires, issued: v.issued, features: v.features as string[] };
}

/**
 * A date-only expiry ("2027-03-31") means the licence is good through that whole day (UTC).
 * Anything else must be a full RFC 3339 instant.
 */
export function parseExpiry(input: string): Date {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(input);
  const date = new Date(dateOnly ? `${input}T23:59:59Z` : input);
  if (Number.isNaN(date.getTime())) throw new LicenseFormatError(`invalid date: ${input}`);
  return date;
}
