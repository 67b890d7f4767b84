import { PatchStrategy, type V1Deployment } from "@kubernetes/client-node";
import { FIELD_MANAGER } from "../controller/desired/labels.js";
import { isStatus, type KubeRequester } from "./http.js";
import { RESOURCES, resourcePath } from "./resources.js";

/** The field manager that keeps `spec.replicas` while the operator lets go of it. */
export const HANDOVER_MANAGER = `${FIELD_MANAGER}-replicas-handover`;

/**
 * Before the operator applies a Deployment without `spec.replicas` (an autoscaler sets them), the
 * current value is applied under a second field manager, so the field keeps an owner and its value:
 * a field its only manager stops applying is removed, and the Deployment would drop to 1 replica
 * (the handover the Kubernetes server-side apply docs describe). Without force: if the autoscaler
 * changed the value meanwhile, it owns the field already and the conflict (409) is the answer.
 */
export async function handOverReplicas(http: KubeRequester, live: V1Deployment | undefined): Promise<void> {
  const replicas = live?.spec?.replicas;
  const name = live?.metadata?.name;
  if (replicas === undefined || !name) return;
  try {
    await http.request({
      method: "PATCH",
      path: resourcePath(RESOURCES.deployment, live?.metadata?.namespace, name),
      query: { fieldManager: HANDOVER_MANAGER },
      body: {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace: live?.metadata?.namespace },
        spec: { replicas },
      },
      contentType: PatchStrategy.ServerSideApply,
    });
  } catch (err) {
    if (!isStatus(err, 409)) throw err;
  }
}
