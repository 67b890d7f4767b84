import type { V1Secret } from "@kubernetes/client-node";
import { verifyLicense } from "../../runtime/license/index.js";
import type { Tracardi } from "../api/types.js";
import { isStatus, type KubeHttp } from "../kube/http.js";
import { RESOURCES, resourcePath } from "../kube/resources.js";
import type { LicenseObservation } from "./diagnose/license.js";

export interface LicenseSettings {
  publicKey?: string;
  warningDays: number;
}

/** Reads the referenced licence Secret and verifies the key; the key itself never leaves this function. */
export async function observeLicense(
  http: KubeHttp,
  owner: Tracardi,
  settings: LicenseSettings,
  now: Date,
): Promise<LicenseObservation> {
  const { name, key } = owner.spec.license.secretRef;
  const ns = owner.metadata.namespace;
  let secret: V1Secret;
  try {
    secret = await http.request<V1Secret>({ method: "GET", path: resourcePath(RESOURCES.secret, ns, name) });
  } catch (err) {
    if (isStatus(err, 404)) {
      return { state: "missing", message: `Secret ${ns}/${name} (spec.license.secretRef) does not exist` };
    }
    throw err;
  }
  const encoded = secret.data?.[key];
  if (!encoded) {
    return {
      state: "missing",
      message: `Secret ${ns}/${name} has no key ${key} (spec.license.secretRef.key)`,
    };
  }
  if (!settings.publicKey) return { state: "noPublicKey" };
  const licenseKey = Buffer.from(encoded, "base64").toString("utf8").trim();
  return {
    state: "checked",
    check: verifyLicense(licenseKey, settings.publicKey, now, { warningDays: settings.warningDays }),
  };
}
