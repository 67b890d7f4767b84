import { sleep } from "./backoff.js";
import { isStatus, type KubeRequester } from "./http.js";
import { RESOURCES, resourcePath } from "./resources.js";

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease {
  apiVersion: "coordination.k8s.io/v1";
  kind: "Lease";
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: LeaseSpec;
}

export interface LeaderOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  log: (msg: string, err?: unknown) => void;
}

const microTime = (d: Date) => d.toISOString().replace(/Z$/, "000Z");

/**
 * Lease-based leader election after client-go's (15 s lease, 10 s renew deadline, 2 s retry). Expiry is
 * judged by when *we* last saw the record change, not by the holder's clock.
 */
export class LeaderElector {
  private leader = false;
  private lastRenew = 0;
  private observed = "";
  private observedAt = 0;
  private readonly abort = new AbortController();

  constructor(
    private readonly http: KubeRequester,
    private readonly options: LeaderOptions,
  ) {}

  get isLeader(): boolean {
    return this.leader;
  }

  /** Healthy unless we lead and have failed to renew for longer than the renew deadline. */
  healthy(now = Date.now()): boolean {
    return !this.leader || now - this.lastRenew <= (this.options.renewDeadlineMs ?? 10_000) + 5_000;
  }

  async run(): Promise<void> {
    const retry = this.options.retryPeriodMs ?? 2000;
    const deadline = this.options.renewDeadlineMs ?? 10_000;
    while (!this.abort.signal.aborted) {
      let ok = false;
      try {
        ok = await this.tryAcquireOrRenew();
      } catch (err) {
        this.options.log("lease update failed", err);
      }
      const now = Date.now();
      if (ok) {
        this.lastRenew = now;
        if (!this.leader) {
          this.leader = true;
          this.options.log(`became leader (lease ${this.options.namespace}/${this.options.name})`);
          this.options.onStartedLeading();
        }
      } else if (this.leader && now - this.lastRenew > deadline) {
        this.leader = false;
        this.options.log("lost leadership: could not renew the lease in time");
        this.options.onStoppedLeading();
        return;
      }
      await sleep(retry, this.abort.signal);
    }
  }

  /** Gives the lease up so a standby takes over at once instead of after the lease expires. */
  async release(): Promise<void> {
    this.abort.abort();
    if (!this.leader) return;
    try {
      const lease = await this.get();
      if (lease?.spec.holderIdentity !== this.options.identity) return;
      lease.spec = {
        ...lease.spec,
        holderIdentity: "",
        leaseDurationSeconds: 1,
        renewTime: microTime(new Date()),
      };
      await this.put(lease);
    } catch (err) {
      this.options.log("could not release the lease", err);
    }
    this.leader = false;
  }

  private path(name?: string): string {
    return resourcePath(RESOURCES.lease, this.options.namespace, name);
  }

  private async get(): Promise<Lease | undefined> {
    try {
      return await this.http.request<Lease>({ method: "GET", path: this.path(this.options.name) });
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
  }

  private async put(lease: Lease): Promise<void> {
    await this.http.request({ method: "PUT", path: this.path(lease.metadata.name), body: lease });
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    const duration = this.options.leaseDurationSeconds ?? 15;
    const me = this.options.identity;
    const lease = await this.get();
    if (!lease) {
      const fresh: Lease = {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: this.options.name, namespace: this.options.namespace },
        spec: {
          holderIdentity: me,
          leaseDurationSeconds: duration,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: 0,
        },
      };
      try {
        await this.http.request({ method: "POST", path: this.path(), body: fresh });
        return true;
      } catch (err) {
        if (isStatus(err, 409)) return false;
        throw err;
      }
    }
    const record = `${lease.spec.holderIdentity ?? ""}@${lease.spec.renewTime ?? ""}`;
    if (record !== this.observed) {
      this.observed = record;
      this.observedAt = now.getTime();
    }
    const holder = lease.spec.holderIdentity ?? "";
    const heldByOther = holder !== "" && holder !== me;
    const leaseMs = (lease.spec.leaseDurationSeconds ?? duration) * 1000;
    if (heldByOther && this.observedAt + leaseMs > now.getTime()) return false;
    lease.spec = {
      holderIdentity: me,
      leaseDurationSeconds: duration,
      acquireTime: holder === me && lease.spec.acquireTime ? lease.spec.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: (lease.spec.leaseTransitions ?? 0) + (holder === me ? 0 : 1),
    };
    try {
      await this.put(lease);
      return true;
    } catch (err) {
      if (isStatus(err, 409)) return false;
      throw err;
    }
  }
}
