import { describe, expect, it } from "vitest";
import { KubeHttpError, type KubeRequester, type RequestSpec } from "./http.js";
import { LeaderElector, type LeaderOptions, leaderOnlyWrites } from "./leader.js";

interface StoredLease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: { holderIdentity?: string };
}

/** An in-memory Lease API with optimistic concurrency; `hang` makes requests hang until aborted. */
function fakeLeaseApi() {
  let lease: StoredLease | undefined;
  let rv = 0;
  const api = {
    hang: false,
    aborted: 0,
    get holder() {
      return lease?.spec.holderIdentity;
    },
    /** Requests sent without the Lease's own connection lane. */
    offLane: 0,
    requester: {
      request: async <T>(spec: RequestSpec): Promise<T> => {
        if (spec.lane !== "lease") api.offLane += 1;
        if (api.hang) {
          return await new Promise<T>((_, reject) => {
            spec.signal?.addEventListener("abort", () => {
              api.aborted += 1;
              reject(new Error("aborted"));
            });
          });
        }
        const body = spec.body as StoredLease | undefined;
        if (spec.method === "GET") {
          if (!lease) throw new KubeHttpError(404, "{}", spec.method, spec.path);
          return structuredClone(lease) as T;
        }
        if (spec.method === "POST" && lease) throw new KubeHttpError(409, "{}", spec.method, spec.path);
        if (spec.method === "PUT" && body?.metadata.resourceVersion !== lease?.metadata.resourceVersion)
          throw new KubeHttpError(409, "{}", spec.method, spec.path);
        lease = structuredClone(body) as StoredLease;
        lease.metadata.resourceVersion = String(++rv);
        return {} as T;
      },
    } satisfies KubeRequester,
  };
  return api;
}

function elector(api: ReturnType<typeof fakeLeaseApi>, identity: string, events: string[]) {
  const options: LeaderOptions = {
    namespace: "ns",
    name: "lease",
    identity,
    leaseDurationSeconds: 1,
    renewDeadlineMs: 300,
    retryPeriodMs: 20,
    onStartedLeading: () => events.push(`${identity} started`),
    onStoppedLeading: (reason) => events.push(`${identity} stopped: ${reason}`),
    log: () => {},
  };
  return new LeaderElector(api.requester, options);
}

const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe("LeaderElector", () => {
  it("a renew that hangs (half-open connection) is aborted at the renew deadline and the leader steps down", async () => {
    const api = fakeLeaseApi();
    const events: string[] = [];
    const a = elector(api, "a", events);
    const running = a.run();
    await until(() => a.isLeader);
    api.hang = true;
    await running;
    expect(events).toEqual([
      "a started",
      expect.stringMatching(/^a stopped: .*over the 300 ms renew deadline/),
    ]);
    expect(api.aborted).toBeGreaterThanOrEqual(1);
    expect(a.isLeader).toBe(false);
    expect(a.stillLeading()).toBe(false);
  });

  it("a leader resumed after a freeze longer than the deadline steps down before acting, once", async () => {
    const api = fakeLeaseApi();
    const events: string[] = [];
    const a = elector(api, "a", events);
    void a.run();
    await until(() => a.isLeader);
    expect(a.stillLeading()).toBe(true);
    const resumedAt = Date.now() + 60_000;
    expect(a.stillLeading(resumedAt)).toBe(false);
    expect(a.stillLeading(resumedAt)).toBe(false);
    expect(events.filter((e) => e.startsWith("a stopped"))).toHaveLength(1);
    await a.release();
  });

  it("a standby takes the lease over only after the holder stops renewing for a lease duration", async () => {
    const api = fakeLeaseApi();
    const events: string[] = [];
    const a = elector(api, "a", events);
    const b = elector(api, "b", events);
    void a.run();
    await until(() => a.isLeader);
    void b.run();
    await new Promise((r) => setTimeout(r, 200));
    expect(b.isLeader).toBe(false);
    api.hang = true; // a's renews hang: it steps down at its deadline...
    await until(() => events.some((e) => e.startsWith("a stopped")));
    api.hang = false;
    await until(() => b.isLeader, 5000); // ...and b takes over once the lease expires
    expect(api.holder).toBe("b");
    expect(events.indexOf("b started")).toBeGreaterThan(events.findIndex((e) => e.startsWith("a stopped")));
    await b.release();
    expect(api.holder).toBe("");
    // Create, renew, take-over and release all went over the Lease's own connection.
    expect(api.offLane).toBe(0);
  });

  it("leaderOnlyWrites: reads pass, writes are refused unsent once the leader is past its deadline", async () => {
    const sent: string[] = [];
    const http: KubeRequester = {
      request: async <T>(spec: RequestSpec) => {
        sent.push(spec.method);
        return {} as T;
      },
    };
    let leading = true;
    const guarded = leaderOnlyWrites(http, { stillLeading: () => leading });
    await guarded.request({ method: "PATCH", path: "/x" });
    leading = false;
    await guarded.request({ method: "GET", path: "/x" });
    await expect(guarded.request({ method: "PATCH", path: "/x" })).rejects.toThrow(
      "not the leader: refusing PATCH /x",
    );
    await expect(guarded.request({ method: "DELETE", path: "/x" })).rejects.toThrow("not the leader");
    expect(sent).toEqual(["PATCH", "GET"]);
  });
});
