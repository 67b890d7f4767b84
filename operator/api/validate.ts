import { pulsarAddressProblem } from "../../runtime/pulsar-url/index.js";
import type { TracardiSpec } from "./types.js";

/** CEL messages of the CRD (schema.ts), repeated here for objects stored before the rules. */
export const PULSAR_REQUIRED =
  "spec.pulsar is required when the collector or background worker is enabled: workers in separate pods share the queue through Pulsar";
export const BACKGROUND_REQUIRED =
  "spec.workers.background.enabled must be true when spec.pulsar is set: only the background worker stores events and dispatches them";

/**
 * What the runtime would refuse in a spec, by the runtime's own rules. The CRD checks the same at
 * admission; this catches objects stored before a rule existed (the API server does not re-check
 * them), so the operator reports InvalidSpec instead of rolling out pods that crash-loop.
 */
export function specProblems(spec: TracardiSpec): string[] {
  const problems: string[] = [];
  if (spec.pulsar) {
    const pulsar = pulsarAddressProblem(spec.pulsar, {
      url: "spec.pulsar.url",
      webUrl: "spec.pulsar.webUrl",
    });
    if (pulsar) problems.push(pulsar);
    if (!spec.workers.background.enabled) problems.push(BACKGROUND_REQUIRED);
  } else if (spec.workers.collector.enabled || spec.workers.background.enabled) {
    problems.push(PULSAR_REQUIRED);
  }
  return problems;
}
