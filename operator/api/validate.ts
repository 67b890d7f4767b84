import { pulsarAddressProblem } from "../../runtime/pulsar-url/index.js";
import type { TracardiSpec } from "./types.js";

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
  }
  return problems;
}
