import type { V1EnvVar } from "@kubernetes/client-node";
import type { SecretKeyRef, TracardiSpec } from "../../api/types.js";

function fromSecret(name: string, ref: SecretKeyRef, optional = false): V1EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key, optional } } };
}

/** Every credential reaches the runtime as a Secret-ref env var; the operator never reads these values. */
export function secretEnv(spec: TracardiSpec): V1EnvVar[] {
  // Optional so a missing licence Secret does not block pods: the runtime then reports it, and so does LicenseValid.
  const env: V1EnvVar[] = [fromSecret("TRACARDI_LICENSE", spec.license.secretRef, true)];
  if (spec.adminToken) env.push(fromSecret("TRACARDI_ADMIN_TOKEN", spec.adminToken.secretRef));
  const mysql = spec.mysql.credentialsSecretRef;
  if (mysql) {
    env.push(fromSecret("TRACARDI_MYSQL_USER", { name: mysql.name, key: mysql.usernameKey }));
    env.push(fromSecret("TRACARDI_MYSQL_PASSWORD", { name: mysql.name, key: mysql.passwordKey }));
  }
  const search = spec.search.credentialsSecretRef;
  if (search) {
    env.push(fromSecret("TRACARDI_SEARCH_USER", { name: search.name, key: search.usernameKey }));
    env.push(fromSecret("TRACARDI_SEARCH_PASSWORD", { name: search.name, key: search.passwordKey }));
  }
  if (spec.pulsar?.tokenSecretRef) env.push(fromSecret("TRACARDI_PULSAR_TOKEN", spec.pulsar.tokenSecretRef));
  return env;
}
