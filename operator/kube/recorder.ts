import type { KubeRequester } from "./http.js";
import { RESOURCES, resourcePath } from "./resources.js";

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
}

export interface RecordedEvent {
  type: "Normal" | "Warning";
  reason: string;
  note: string;
  action: string;
}

export const REPORTING_CONTROLLER = "tracardi.io/operator";

const microTime = (d: Date) => d.toISOString().replace(/Z$/, "000Z");

/** Writes events.k8s.io/v1 Events (shown by kubectl describe). Failures are logged, never fatal. */
export class EventRecorder {
  private seq = 0;

  constructor(
    private readonly http: KubeRequester,
    private readonly instance: string,
    private readonly log: (msg: string, err?: unknown) => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(regarding: ObjectRef, event: RecordedEvent): Promise<void> {
    const now = this.now();
    const body = {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: {
        // client-go's naming: <object>.<hex nanoseconds>; generateName would need a valid DNS prefix.
        name: `${regarding.name}.${(BigInt(now.getTime()) * 1_000_000n + BigInt(this.seq++ % 1_000_000)).toString(16)}`,
        namespace: regarding.namespace,
      },
      eventTime: microTime(now),
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: this.instance.slice(0, 128),
      action: event.action,
      reason: event.reason,
      note: event.note,
      type: event.type,
      regarding: {
        apiVersion: regarding.apiVersion,
        kind: regarding.kind,
        namespace: regarding.namespace,
        name: regarding.name,
        uid: regarding.uid,
      },
    };
    try {
      await this.http.request({
        method: "POST",
        path: resourcePath(RESOURCES.event, regarding.namespace),
        body,
      });
    } catch (err) {
      this.log(`could not record event ${event.reason} on ${regarding.namespace}/${regarding.name}`, err);
    }
  }
}
