import { randomBytes } from "node:crypto";
import type { V1Secret } from "@kubernetes/client-node";
import { DEFAULT_TOKEN_KEY } from "../../api/defaults.js";
import type { SecretKeyRef, Tracardi } from "../../api/types.js";
import { instanceLabels } from "./labels.js";
import { controllerRef } from "./owner.js";

export function generatedAdminTokenName(instance: string): string {
  return `${instance}-admin-token`;
}

/**
 * Where every private-api replica reads TRACARDI_ADMIN_TOKEN: the Secret the spec names, else the
 * `<name>-admin-token` Secret the operator generates (so all replicas agree and restarts keep it).
 */
export function adminTokenRef(owner: Tracardi): SecretKeyRef {
  return (
    owner.spec.adminToken?.secretRef ?? {
      name: generatedAdminTokenName(owner.metadata.name),
      key: DEFAULT_TOKEN_KEY,
    }
  );
}

/** A fresh token: 32 random bytes, URL-safe (it goes into an Authorization header). */
export function newAdminToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * The generated Secret, owned by the Tracardi so deleting it removes the Secret too. Created once and
 * never applied again: its token must survive every later reconcile. Null when the spec names one.
 */
export function generatedAdminTokenSecret(owner: Tracardi, token: string): V1Secret | null {
  if (owner.spec.adminToken) return null;
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: generatedAdminTokenName(owner.metadata.name),
      namespace: owner.metadata.namespace,
      labels: instanceLabels(owner.metadata.name),
      ownerReferences: [controllerRef(owner)],
    },
    type: "Opaque",
    data: { [DEFAULT_TOKEN_KEY]: Buffer.from(token, "utf8").toString("base64") },
  };
}
