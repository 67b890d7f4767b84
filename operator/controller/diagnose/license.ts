import type { LicenseCheck } from "../../../runtime/license/index.js";
import type { LicenseStatusBlock } from "../../api/types.js";
import { type CheckResult, CONDITION } from "./types.js";

/** What the reconciler found when it looked for the licence. */
export type LicenseObservation =
  | { state: "missing"; message: string }
  | { state: "noPublicKey" }
  | { state: "checked"; check: LicenseCheck };

export interface LicenseDiagnosis {
  condition: CheckResult;
  status: LicenseStatusBlock;
  /** Whether the state warrants a Warning Event when entered (ExpiringSoon is still True). */
  warn: boolean;
}

export function diagnoseLicense(observed: LicenseObservation): LicenseDiagnosis {
  const type = CONDITION.LicenseValid;
  if (observed.state === "missing") {
    return {
      condition: { type, status: "False", reason: "Missing", message: observed.message },
      status: { status: "Missing" },
      warn: true,
    };
  }
  if (observed.state === "noPublicKey") {
    return {
      condition: {
        type,
        status: "Unknown",
        reason: "NoPublicKey",
        message:
          "The operator has no licence public key configured (--license-public-key), so it cannot verify licences",
      },
      status: { status: "Unknown" },
      warn: true,
    };
  }
  const { check } = observed;
  const status: LicenseStatusBlock = { status: check.status };
  if (check.owner !== undefined) status.owner = check.owner;
  if (check.expires) status.expires = check.expires.toISOString().replace(/\.\d{3}Z$/, "Z");
  if (check.daysRemaining !== undefined) status.daysRemaining = check.daysRemaining;
  if (check.features) status.features = check.features;
  switch (check.status) {
    case "Valid":
      return {
        condition: { type, status: "True", reason: "Valid", message: check.message },
        status,
        warn: false,
      };
    case "ExpiringSoon":
      return {
        condition: { type, status: "True", reason: "ExpiringSoon", message: check.message },
        status,
        warn: true,
      };
    case "Expired":
      return {
        condition: {
          type,
          status: "False",
          reason: "Expired",
          message: `${check.message}; the APIs keep accepting data into the queue but workers pause until a valid licence is installed`,
        },
        status,
        warn: true,
      };
    case "Invalid":
      return {
        condition: { type, status: "False", reason: "Invalid", message: check.message },
        status,
        warn: true,
      };
  }
}
