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
  /** Called once, with why; the caller must stop acting as leader at once (main.ts exits). */
  onStoppedLeading: (reason: string) => void;
  log: (msg: string, err?: unknown) => void;
}

const microTime = (d: Date) => d.toISOString().replace(/Z$/, "000Z");

/**
 * Lease-based leader election after client-go's (15 s lease, 10 s renew deadline, 2 s retry). Expiry is
 * judged by when *we* last saw the record change, not by the holder's clock.
 *
 * The leader acts only while its last successful renew is younger than the renew deadline: every renew
 * attempt is aborted when the deadline passes (a request hanging on a half-open connection would otherwise
 * outlive it), and `stillLeading()` — checked before every reconcile and write — steps down as soon as the
 * deadline has passed, e.g. when a frozen (SIGSTOP) process resumes after a standby took the lease over.
 * The deadline is shorter than the lease, so we stop before anyone else may start.
 */
export class LeaderElector {
  private leader = false;
  private steppedDown = false;
  private lastRenew = 0;
  private observed = "";
  private observedAt = 0;
  private readonly abort = new AbortController();
  /** The lease request in flight, aborted with the elector. */
  private attempt: AbortController | undefined;

  constructor(
    private readonly http: KubeRequester,
    private readonly options: LeaderOptions,
  ) {}

  get isLeader(): boolean {
    return this.leader;
  }

  private get deadlineMs(): number {
    return this.options.renewDeadlineMs ?? 10_000;
  }

  /** Healthy unless we lead and have failed to renew for longer than the renew deadline. */
  healthy(now = Date.now()): boolean {
    return !this.leader || now - this.lastRenew <= this.deadlineMs + 5_000;
  }

  /**
   * True while we lead and our last renew is within the renew deadline. Past it, steps down (once) and
   * returns false: the caller must not act.
   */
  stillLeading(now = Date.now()): boolean {
    if (!this.leader) return false;
    if (now - this.lastRenew <= this.deadlineMs) return true;
    this.stepDown(
      `the lease was last renewed ${now - this.lastRenew} ms ago, over the ${this.deadlineMs} ms renew deadline`,
    );
    return false;
  }

  private stepDown(reason: string): void {
    this.leader = false;
    if (this.steppedDown) return;
    this.steppedDown = true;
    this.abort.abort();
    this.attempt?.abort();
    this.options.onStoppedLeading(reason);
  }

  async run(): Promise<void> {
    const retry = this.options.retryPeriodMs ?? 2000;
    while (!this.abort.signal.aborted) {
      // First thing after a pause (a frozen process resumed): past the deadline, step down before trying.
      if (this.leader && !this.stillLeading()) return;
      let ok = false;
      // Counted from before the attempt: the renewTime we write is no older than this.
      const startedAt = Date.now();
      // A leader's attempt may last only until its deadline; a candidate's, one deadline.
      const budget = this.leader ? this.lastRenew + this.deadlineMs - startedAt : this.deadlineMs;
      const attempt = new AbortController();
      this.attempt = attempt;
      const timer = setTimeout(() => attempt.abort(), Math.max(1, budget));
      try {
        ok = await this.tryAcquireOrRenew(attempt.signal);
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.options.log(attempt.signal.aborted ? "lease update timed out" : "lease update failed", err);
      } finally {
        clearTimeout(timer);
      }
      if (this.abort.signal.aborted) return;
      if (ok) {
        this.lastRenew = startedAt;
        if (!this.leader) {
          this.leader = true;
          this.options.log(`became leader (lease ${this.options.namespace}/${this.options.name})`);
          this.options.onStartedLeading();
        }
      } else if (this.leader && !this.stillLeading()) {
        return;
      }
      await sleep(retry, this.abort.signal);
    }
  }

  /** Gives the lease up so a standby takes over at once instead of after the lease expires. */
  async release(): Promise<void> {
    this.abort.abort();
    this.attempt?.abort();
    // Past the deadline the lease may already be someone else's: leave it alone.
    if (!this.leader || Date.now() - this.lastRenew > this.deadlineMs) return;
    const signal = AbortSignal.timeout(5000);
    try {
      const lease = await this.get(signal);
      if (lease?.spec.holderIdentity !== this.options.identity) return;
      lease.spec = {
        ...lease.spec,
        holderIdentity: "",
        leaseDurationSeconds: 1,
        renewTime: microTime(new Date()),
      };
      await this.put(lease, signal);
    } catch (err) {
      this.options.log("could not release the lease", err);
    }
    this.leader = false;
  }

  private path(name?: string): string {
    return resourcePath(RESOURCES.lease, this.options.namespace, name);
  }

  private async get(signal?: AbortSignal): Promise<Lease | undefined> {
    try {
      return await this.http.request<Lease>({
        lane: "lease",
        method: "GET",
        path: this.path(this.options.name),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
  }

  private async put(lease: Lease, signal?: AbortSignal): Promise<void> {
    await this.http.request({
      lane: "lease",
      method: "PUT",
      path: this.path(lease.metadata.name),
      body: lease,
      ...(signal ? { signal } : {}),
    });
  }

  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const now = new Date();
    const duration = this.options.leaseDurationSeconds ?? 15;
    const me = this.options.identity;
    const lease = await this.get(signal);
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
        await this.http.request({ lane: "lease", method: "POST", path: this.path(), body: fresh, signal });
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
      await this.put(lease, signal);
      return true;
    } catch (err) {
      if (isStatus(err, 409)) return false;
      throw err;
    }
  }
}

/**
 * The requester a leader writes through: a write (anything but GET) is refused, and never sent, once the
 * elector is no longer leading by its own clock; `stillLeading()` steps it down on the way.
 */
export function leaderOnlyWrites(
  http: KubeRequester,
  elector: Pick<LeaderElector, "stillLeading">,
): KubeRequester {
  return {
    request: (spec) => {
      if (spec.method !== "GET" && !elector.stillLeading())
        return Promise.reject(new Error(`not the leader: refusing ${spec.method} ${spec.path}`));
      return http.request(spec);
    },
  };
}
