import { type KubernetesObject, PatchStrategy } from "@kubernetes/client-node";
import { AUTOSCALER_FIELD_MANAGER, FIELD_MANAGER } from "../controller/desired/labels.js";
import type { KubeRequester } from "./http.js";
import { RESOURCES, type ResourceRef, refForApiVersion, resourcePath } from "./resources.js";

/** Server-side apply under our field manager; force takes fields back from whoever edited them by hand. */
export async function serverSideApply<T extends KubernetesObject>(http: KubeRequester, obj: T): Promise<T> {
  const ref = refForApiVersion(obj.apiVersion ?? "", obj.kind ?? "");
  const name = obj.metadata?.name;
  if (!name) throw new Error(`cannot apply a ${obj.kind} without a name`);
  return await http.request<T>({
    method: "PATCH",
    path: resourcePath(ref, obj.metadata?.namespace, name),
    query: { fieldManager: FIELD_MANAGER, force: "true" },
    body: obj,
    contentType: PatchStrategy.ServerSideApply,
  });
}

/**
 * Sets a Deployment's spec.replicas, and only that, under the autoscaler's field manager (server-side
 * apply, force: the autoscaler takes the field from whoever set it).
 */
export async function applyReplicas<T extends KubernetesObject>(
  http: KubeRequester,
  namespace: string,
  name: string,
  replicas: number,
): Promise<T> {
  return await http.request<T>({
    method: "PATCH",
    path: resourcePath(RESOURCES.deployment, namespace, name),
    query: { fieldManager: AUTOSCALER_FIELD_MANAGER, force: "true" },
    body: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace }, spec: { replicas } },
    contentType: PatchStrategy.ServerSideApply,
  });
}

/** Creates an object; fails with 409 when it exists (so an existing object is never overwritten). */
export async function createObject<T extends KubernetesObject>(http: KubeRequester, obj: T): Promise<T> {
  const ref = refForApiVersion(obj.apiVersion ?? "", obj.kind ?? "");
  return await http.request<T>({
    method: "POST",
    path: resourcePath(ref, obj.metadata?.namespace),
    query: { fieldManager: FIELD_MANAGER },
    body: obj,
  });
}

/** Applies only the status through the status subresource (the spec is the user's). */
export async function applyStatus(
  http: KubeRequester,
  ref: ResourceRef,
  namespace: string,
  name: string,
  status: unknown,
): Promise<void> {
  await http.request({
    method: "PATCH",
    path: resourcePath(ref, namespace, name, "status"),
    query: { fieldManager: FIELD_MANAGER, force: "true" },
    body: {
      apiVersion: ref.group === "" ? ref.version : `${ref.group}/${ref.version}`,
      kind: ref.kind,
      metadata: { name, namespace },
      status,
    },
    contentType: PatchStrategy.ServerSideApply,
  });
}

export async function deleteObject(
  http: KubeRequester,
  ref: ResourceRef,
  namespace: string,
  name: string,
  uid?: string,
): Promise<void> {
  await http.request({
    method: "DELETE",
    path: resourcePath(ref, namespace, name),
    body: {
      apiVersion: "v1",
      kind: "DeleteOptions",
      propagationPolicy: "Background",
      ...(uid ? { preconditions: { uid } } : {}),
    },
  });
}
