import type { V1Pod, V1Secret } from "@kubernetes/client-node";
import { verifyLicense } from "../../runtime/license/index.js";
import type { SecretKeyRef, Tracardi } from "../api/types.js";
import { isStatus, type KubeRequester } from "../kube/http.js";
import { RESOURCES, resourcePath } from "../kube/resources.js";
import { LABEL_COMPONENT } from "./desired/labels.js";
import type { UnreadyPodLog } from "./diagnose/backends.js";
import type { LicenseObservation } from "./diagnose/license.js";

export interface LicenseSettings {
  publicKey?: string;
  warningDays: number;
}

/** One key of a Secret, read: its value and the Secret's resourceVersion (to notice changes), or why not. */
export type SecretRead =
  | { found: false; message: string }
  | { found: true; value: string; resourceVersion: string };
export type LicenseKeyRead = SecretRead;

/**
 * Reads one key of a Secret the spec references (`field` names the reference in messages). The value
 * stays in memory; it is never logged or written.
 */
export async function readSecretValue(
  http: KubeRequester,
  namespace: string,
  ref: SecretKeyRef,
  field: string,
): Promise<SecretRead> {
  let secret: V1Secret;
  try {
    secret = await http.request<V1Secret>({
      method: "GET",
      path: resourcePath(RESOURCES.secret, namespace, ref.name),
    });
  } catch (err) {
    if (isStatus(err, 404)) {
      return { found: false, message: `Secret ${namespace}/${ref.name} (${field}) does not exist` };
    }
    throw err;
  }
  const encoded = secret.data?.[ref.key];
  if (!encoded) {
    return {
      found: false,
      message: `Secret ${namespace}/${ref.name} has no key ${ref.key} (${field}.key)`,
    };
  }
  return {
    found: true,
    value: Buffer.from(encoded, "base64").toString("utf8").trim(),
    resourceVersion: secret.metadata?.resourceVersion ?? "",
  };
}

/** Reads the licence key from the referenced Secret. */
export async function readLicenseKey(http: KubeRequester, owner: Tracardi): Promise<LicenseKeyRead> {
  return await readSecretValue(
    http,
    owner.metadata.namespace,
    owner.spec.license.secretRef,
    "spec.license.secretRef",
  );
}

export function checkLicense(read: LicenseKeyRead, settings: LicenseSettings, now: Date): LicenseObservation {
  if (!read.found) return { state: "missing", message: read.message };
  if (!settings.publicKey) return { state: "noPublicKey" };
  return {
    state: "checked",
    check: verifyLicense(read.value, settings.publicKey, now, { warningDays: settings.warningDays }),
  };
}

/** Log lines read per unready pod, and unready pods read per reconcile (an outage makes them all unready). */
const LOG_TAIL_LINES = 200;
const MAX_LOGS_READ = 5;

/** Running pods whose started containers are not ready: their readiness probe fails. */
export function unreadyPods(pods: readonly V1Pod[]): V1Pod[] {
  return pods.filter(
    (pod) =>
      !pod.metadata?.deletionTimestamp &&
      pod.status?.phase === "Running" &&
      (pod.status.containerStatuses ?? []).some((c) => c.started && !c.ready && c.state?.running),
  );
}

/**
 * The last lines of the runtime container's log of a few unready pods: the runtime logs why it is
 * not ready (`backend problem: …`). Only unready pods are read, so a healthy installation costs no
 * request. A log that cannot be read is left out.
 */
export async function readUnreadyLogs(
  http: KubeRequester,
  pods: readonly V1Pod[],
  log: (msg: string, err?: unknown) => void,
): Promise<UnreadyPodLog[]> {
  const logs: UnreadyPodLog[] = [];
  for (const pod of pods.slice(0, MAX_LOGS_READ)) {
    const name = pod.metadata?.name ?? "";
    try {
      const text = await http.request<string>({
        method: "GET",
        path: resourcePath(RESOURCES.pod, pod.metadata?.namespace, name, "log"),
        query: { container: pod.spec?.containers[0]?.name, tailLines: String(LOG_TAIL_LINES) },
        responseType: "text",
      });
      logs.push({
        component: pod.metadata?.labels?.[LABEL_COMPONENT] ?? "",
        pod: name,
        lines: text.split("\n"),
      });
    } catch (err) {
      log(`cannot read the log of pod ${pod.metadata?.namespace}/${name}`, err);
    }
  }
  return logs;
}
