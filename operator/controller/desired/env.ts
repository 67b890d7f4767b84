import type { V1EnvVar } from "@kubernetes/client-node";
import type { ComponentName } from "../../api/components.js";
import { GUI_PORT } from "../../api/defaults.js";
import type { SecretKeyRef, Tracardi } from "../../api/types.js";
import { adminTokenRef } from "./admin-token.js";
import { childName } from "./labels.js";

function fromSecret(name: string, ref: SecretKeyRef, optional = false): V1EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key, optional } } };
}

/**
 * Every credential reaches the runtime as a Secret-ref env var; the operator never reads these values.
 * Only the private API, which checks it, gets the admin token.
 */
export function secretEnv(owner: Tracardi, component: ComponentName): V1EnvVar[] {
  const spec = owner.spec;
  // Optional so a missing licence Secret does not block pods: the runtime then reports it, and so does LicenseValid.
  const env: V1EnvVar[] = [fromSecret("TRACARDI_LICENSE", spec.license.secretRef, true)];
  if (component === "private-api") env.push(fromSecret("TRACARDI_ADMIN_TOKEN", adminTokenRef(owner)));
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

/**
 * The console's settings: its port and the private API's Service (it proxies `/api/` there). No
 * credentials: the admin token is entered in the browser.
 */
export function guiEnv(owner: Tracardi): V1EnvVar[] {
  const privateApi = childName(owner.metadata.name, "private-api");
  const port = owner.spec.api.private.service.port;
  return [
    { name: "TRACARDI_GUI_PORT", value: String(GUI_PORT) },
    { name: "TRACARDI_GUI_API_URL", value: `http://${privateApi}:${port}` },
  ];
}
