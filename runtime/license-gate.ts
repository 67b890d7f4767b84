import { type LicenseCheck, nextLicenseTransition, verifyLicense } from "./license/index.js";

export interface LicenseState {
  /** "None": no licence configured (open-source mode, nothing is gated). */
  status: LicenseCheck["status"] | "None";
  message: string;
  owner?: string;
  expires?: string;
  daysRemaining?: number;
  /** Whether the processing stages consume; intake always accepts. */
  processing: "running" | "paused";
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The runtime's view of its licence. Unlike Tracardi, an expired or invalid licence does not stop
 * the process (which crash-loops and loses what was acknowledged): intake keeps accepting into the
 * queue, the processing stages pause, and the status endpoint says why. Re-checked by a timer at the
 * next transition (warning window, expiry), not by polling.
 */
export class LicenseGate {
  private current: LicenseState;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly key: string | null,
    private readonly publicKey: string | null,
    private readonly onChange: (state: LicenseState) => void = () => {},
  ) {
    this.current = this.evaluate();
  }

  get state(): LicenseState {
    return this.current;
  }

  get processingAllowed(): boolean {
    return this.current.processing === "running";
  }

  /** Starts the transition timer. */
  watch(): void {
    this.schedule();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private evaluate(): LicenseState {
    if (this.key === null) {
      return {
        status: "None",
        message: "no licence configured: open-source features",
        processing: "running",
      };
    }
    if (this.publicKey === null) {
      return {
        status: "Invalid",
        message: "a licence is configured but no public key to check it (TRACARDI_LICENSE_PUBLIC_KEY)",
        processing: "paused",
      };
    }
    const check = verifyLicense(this.key, this.publicKey, new Date());
    const ok = check.status === "Valid" || check.status === "ExpiringSoon";
    return {
      status: check.status,
      message: ok ? check.message : `${check.message}; accepting events into the queue, processing paused`,
      ...(check.owner === undefined ? {} : { owner: check.owner }),
      ...(check.expires === undefined ? {} : { expires: check.expires.toISOString() }),
      ...(check.daysRemaining === undefined ? {} : { daysRemaining: check.daysRemaining }),
      processing: ok ? "running" : "paused",
    };
  }

  private schedule(): void {
    if (this.key === null || this.publicKey === null) return;
    const check = verifyLicense(this.key, this.publicKey, new Date());
    const next = nextLicenseTransition(check, new Date());
    if (next === undefined) return;
    const delay = Math.min(Math.max(0, next.getTime() - Date.now()) + 10, MAX_TIMER_MS);
    this.timer = setTimeout(() => {
      const before = this.current.status;
      this.current = this.evaluate();
      if (this.current.status !== before) this.onChange(this.current);
      this.schedule();
    }, delay);
    this.timer.unref();
  }
}
