import type {
  V1Affinity,
  V1PodSpec,
  V1Toleration,
  V1TopologySpreadConstraint,
} from "@kubernetes/client-node";
import type { Scheduling } from "../../api/types.js";

const FIELDS = [
  "nodeSelector",
  "tolerations",
  "affinity",
  "topologySpreadConstraints",
  "priorityClassName",
] as const satisfies readonly (keyof Scheduling)[];

/**
 * A component's scheduling: each field it sets replaces the global field whole. Lists and maps are not
 * merged, so what a component says is all it gets (and `[]` or `{}` clears an inherited value).
 */
export function resolveScheduling(global: Scheduling | undefined, own: Scheduling | undefined): Scheduling {
  const out: Scheduling = {};
  for (const field of FIELDS) {
    const value = own?.[field] ?? global?.[field];
    if (value !== undefined) Object.assign(out, { [field]: value });
  }
  return out;
}

type SchedulingFields = Pick<
  V1PodSpec,
  "nodeSelector" | "tolerations" | "affinity" | "topologySpreadConstraints" | "priorityClassName"
>;

/**
 * The PodSpec fields for a resolved scheduling. A spread constraint without a labelSelector counts the
 * component's own pods (its Deployment selector): what one means when spreading "these replicas".
 */
export function podScheduling(scheduling: Scheduling, podSelector: Record<string, string>): SchedulingFields {
  const out: SchedulingFields = {};
  if (scheduling.nodeSelector && Object.keys(scheduling.nodeSelector).length > 0)
    out.nodeSelector = scheduling.nodeSelector;
  if (scheduling.tolerations?.length) out.tolerations = scheduling.tolerations as V1Toleration[];
  // The API server validates the pass-through shapes when the Deployment is applied (→ InvalidSpec).
  if (scheduling.affinity && Object.keys(scheduling.affinity).length > 0)
    out.affinity = scheduling.affinity as V1Affinity;
  if (scheduling.topologySpreadConstraints?.length)
    out.topologySpreadConstraints = scheduling.topologySpreadConstraints.map(
      (c) =>
        ({
          ...c,
          labelSelector: c.labelSelector ?? { matchLabels: podSelector },
        }) as V1TopologySpreadConstraint,
    );
  if (scheduling.priorityClassName) out.priorityClassName = scheduling.priorityClassName;
  return out;
}
