import type { V1Secret } from "@kubernetes/client-node";
import { verifyLicense } from "../../runtime/license/index.js";
import type { Tracardi } from "../api/types.js";
import { isStatus, type KubeRequester } from "../kube/http.js";
import { RESOURCES, resourcePath } from "../kube/resources.js";
import type { LicenseObservation } from "./diagnose/license.js";

export interface LicenseSettings {
  publicKey?: string;
  warningDays: number;
}

export type LicenseKeyRead =
  | { found: false; message: string }
  | { found: true; value: string; resourceVersion: string };

/** Reads the key from the referenced Secret. The value stays in memory; it is never logged or written. */
export async function readLicenseKey(http: KubeRequester, owner: Tracardi): Promise<LicenseKeyRead> {
  const { name, key } = owner.spec.license.secretRef;
  const ns = owner.metadata.namespace;
  let secret: V1Secret;
  try {
    secret = await http.request<V1Secret>({ method: "GET", path: resourcePath(RESOURCES.secret, ns, name) });
  } catch (err) {
    if (isStatus(err, 404)) {
      return { found: false, message: `Secret ${ns}/${name} (spec.license.secretRef) does not exist` };
    }
    throw err;
  }
  const encoded = secret.data?.[key];
  if (!encoded) {
    return { found: false, message: `Secret ${ns}/${name} has no key ${key} (spec.license.secretRef.key)` };
  }
  return {
    found: true,
    value: Buffer.from(encoded, "base64").toString("utf8").trim(),
    resourceVersion: secret.metadata?.resourceVersion ?? "",
  };
}

export function checkLicense(read: LicenseKeyRead, settings: LicenseSettings, now: Date): LicenseObservation {
  if (!read.found) return { state: "missing", message: read.message };
  if (!settings.publicKey) return { state: "noPublicKey" };
  return {
    state: "checked",
    check: verifyLicense(read.value, settings.publicKey, now, { warningDays: settings.warningDays }),
  };
}
