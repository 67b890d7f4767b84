import type { V1OwnerReference } from "@kubernetes/client-node";
import { API_VERSION, KIND, type Tracardi } from "../../api/types.js";

export function controllerRef(owner: Tracardi): V1OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}
