import { request as httpRequest } from "node:http";
import type { V1Pod, V1Service } from "@kubernetes/client-node";
import { type ApiRole, apiComponentName } from "../api/components.js";
import type { Tracardi } from "../api/types.js";
import { childName, LABEL_COMPONENT } from "./desired/labels.js";
import {
  type MergingStatus,
  partOf,
  type RuntimeStatusView,
  type SearchDiskReport,
} from "./diagnose/runtime-view.js";

/**
 * The operator asks a runtime for its own view (merge loop, 5xx by route, the search cluster's disk)
 * over the component's Service: `/api/v1/status` of the private API with the admin token, `/metrics`
 * of both APIs. Thin I/O only; diagnose/ interprets the answers.
 */

/** One GET; `body` whatever the status. A new connection each time, so the Service picks a replica each time. */
export interface RuntimeHttp {
  get(
    url: string,
    headers: Record<string, string>,
    timeoutMs: number,
  ): Promise<{ status: number; body: string }>;
}

export const plainHttp: RuntimeHttp = {
  get: (url, headers, timeoutMs) =>
    new Promise((resolve, reject) => {
      const req = httpRequest(url, { method: "GET", headers, agent: false, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      });
      req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on("error", reject);
      req.end();
    }),
};

const TIMEOUT_MS = 5000;

function podReady(pod: V1Pod): boolean {
  return (
    !pod.metadata?.deletionTimestamp &&
    (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")
  );
}

/** Where an API's Service answers, or why it cannot be asked (no Service, no ready pod behind it). */
export type ServiceTarget = { url: string; service: string } | { error: string };

export function serviceTarget(
  owner: Tracardi,
  role: ApiRole,
  service: V1Service | undefined,
  pods: readonly V1Pod[],
): ServiceTarget {
  const component = apiComponentName(role);
  const name = childName(owner.metadata.name, component);
  const ip = service?.spec?.clusterIP;
  const port = service?.spec?.ports?.[0]?.port;
  if (!ip || ip === "None" || port === undefined) return { error: `Service ${name} has no cluster IP yet` };
  const ready = pods.filter((p) => p.metadata?.labels?.[LABEL_COMPONENT] === component && podReady(p));
  if (ready.length === 0) return { error: `no ${component} pod is ready behind Service ${name}` };
  const host = ip.includes(":") ? `[${ip}]` : ip;
  return { url: `http://${host}:${port}`, service: name };
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && !error.message.includes(code)
    ? `${error.message} (${code})`
    : error.message;
}

/** The private API's `/api/v1/status`, read with the admin token. */
export async function readRuntimeStatus(
  http: RuntimeHttp,
  target: ServiceTarget,
  token: { value: string } | { error: string },
): Promise<RuntimeStatusView> {
  if ("error" in target) return { state: "unavailable", message: `cannot ask the runtime: ${target.error}` };
  if ("error" in token) return { state: "unavailable", message: `cannot ask the runtime: ${token.error}` };
  const url = `${target.url}/api/v1/status`;
  let answer: { status: number; body: string };
  try {
    answer = await http.get(
      url,
      { authorization: `Bearer ${token.value}`, accept: "application/json" },
      TIMEOUT_MS,
    );
  } catch (err) {
    return {
      state: "unavailable",
      message: `Service ${target.service} (${url}) does not answer: ${describe(err)}`,
    };
  }
  if (answer.status !== 200) {
    const why = answer.status === 401 || answer.status === 403 ? " (the admin token was refused)" : "";
    return {
      state: "unavailable",
      message: `Service ${target.service} answered /api/v1/status with HTTP ${answer.status}${why}`,
    };
  }
  let body: { merging?: unknown; backends?: { searchDisk?: unknown } };
  try {
    body = JSON.parse(answer.body) as typeof body;
  } catch {
    return {
      state: "unavailable",
      message: `Service ${target.service} answered /api/v1/status with no JSON`,
    };
  }
  return {
    state: "read",
    merging: partOf<MergingStatus>(body.merging, "merging"),
    searchDisk: partOf<SearchDiskReport | null>(body.backends?.searchDisk, "the search cluster's disk"),
  };
}

/** An API's `/metrics` (an open route: no token). */
export async function readMetrics(
  http: RuntimeHttp,
  target: ServiceTarget,
): Promise<{ text: string } | { error: string }> {
  if ("error" in target) return { error: target.error };
  try {
    const answer = await http.get(`${target.url}/metrics`, {}, TIMEOUT_MS);
    if (answer.status !== 200)
      return { error: `Service ${target.service} answered /metrics with HTTP ${answer.status}` };
    return { text: answer.body };
  } catch (err) {
    return { error: `Service ${target.service} does not answer /metrics: ${describe(err)}` };
  }
}
