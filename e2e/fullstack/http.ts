// The two APIs of a deployed Tracardi, reached through their Services (ClusterIP, kube-proxy), with
// the admin token from the Secret the operator generated.
import {
  BROWSER_UA,
  eventually,
  type HttpResult,
  request,
  type StoredEvent,
  type TrackBody,
} from "../../runtime/test/harness.js";
import { waitFor } from "../lib/kubectl.js";
import { adminToken, serviceUrl } from "./deployment.js";

export interface ApiClient {
  publicUrl: string;
  privateUrl: string;
  track: (payload: unknown) => Promise<HttpResult<TrackBody>>;
  admin: <T = unknown>(method: string, path: string, body?: unknown) => Promise<HttpResult<T>>;
  createSource: (id: string) => Promise<void>;
  events: (query: string) => Promise<HttpResult<{ total: number; items: StoredEvent[] }>>;
  profile: (id: string) => Promise<HttpResult<Record<string, unknown> & { id: string }>>;
  /** How many profiles the store holds (merged-away ones included). */
  profileCount: () => Promise<number>;
  /** Until every queued message has been processed and stored (the private API's /api/v1/status). */
  drained: (timeoutMs: number) => Promise<void>;
}

/**
 * The client once both Services answer /readyz: kube-proxy programs a Service's rules a moment after
 * its pods turn Ready, and until then this machine refuses the ClusterIP (TRE2E-OUTPUT).
 */
export async function apiClient(ns: string, name: string): Promise<ApiClient> {
  const publicUrl = await serviceUrl(ns, `${name}-public-api`);
  const privateUrl = await serviceUrl(ns, `${name}-private-api`);
  for (const url of [publicUrl, privateUrl]) {
    await waitFor(
      `${url}/readyz through the Service`,
      async () => (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) })).status === 200,
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  }
  const token = await adminToken(ns, name);
  const timeout = () => AbortSignal.timeout(15_000);

  const admin = <T = unknown>(method: string, path: string, body?: unknown) =>
    request<T>(`${privateUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: timeout(),
    });

  return {
    publicUrl,
    privateUrl,
    admin,
    track: (payload) =>
      request<TrackBody>(`${publicUrl}/track`, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": BROWSER_UA },
        body: JSON.stringify(payload),
        signal: timeout(),
      }),
    createSource: async (id) => {
      const result = await admin("POST", "/api/v1/event-sources", { id, name: id, type: "rest" });
      if (result.status !== 201) throw new Error(`source not created: ${JSON.stringify(result.body)}`);
    },
    events: (query) => admin("GET", `/api/v1/events?${query}`),
    profile: (id) => admin("GET", `/api/v1/profiles/${id}`),
    profileCount: async () => {
      const page = await admin<{ total: number }>("GET", "/api/v1/profiles?limit=1");
      if (page.status !== 200) throw new Error(`profiles: ${page.status} ${JSON.stringify(page.body)}`);
      return page.body.total;
    },
    drained: (timeoutMs) =>
      eventually(async () => {
        const status = await admin<{
          queue: { backlog: Record<string, number> };
          pendingStateDocuments: number;
        }>("GET", "/api/v1/status");
        const topics = Object.entries(status.body.queue.backlog).filter(([, n]) => n !== 0);
        const waiting = topics.reduce((sum, [, n]) => sum + n, 0);
        if (waiting !== 0 || status.body.pendingStateDocuments !== 0) {
          const where = topics.map(([topic, n]) => `${topic} ${n}`).join(", ");
          throw new Error(
            `${waiting} messages waiting${where ? ` (${where})` : ""}, ${status.body.pendingStateDocuments} pending`,
          );
        }
      }, timeoutMs),
  };
}
