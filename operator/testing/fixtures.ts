import {
  API_DEFAULTS,
  DEFAULT_API_AUTOSCALING,
  DEFAULT_DISRUPTION_BUDGET,
  DEFAULT_IMAGE,
  WORKER_DEFAULTS,
} from "../api/defaults.js";
import type { Tracardi, TracardiSpec } from "../api/types.js";

/** A Tracardi as the API server returns it after defaulting (test fixture). */
export function sampleTracardi(mutate: (spec: TracardiSpec) => void = () => {}): Tracardi {
  const spec: TracardiSpec = {
    image: DEFAULT_IMAGE,
    imagePullPolicy: "IfNotPresent",
    license: { secretRef: { name: "tracardi-license", key: "license-key" } },
    search: { flavor: "elasticsearch", url: "http://elasticsearch:9200" },
    mysql: { host: "mysql", port: 3306, database: "tracardi" },
    pulsar: { url: "pulsar://pulsar:6650" },
    api: {
      public: {
        replicas: API_DEFAULTS.public.replicas,
        resources: structuredClone(API_DEFAULTS.public.resources),
        service: { type: "ClusterIP", port: 8686 },
        podDisruptionBudget: { ...DEFAULT_DISRUPTION_BUDGET },
        autoscaling: { ...DEFAULT_API_AUTOSCALING },
      },
      private: {
        replicas: API_DEFAULTS.private.replicas,
        resources: structuredClone(API_DEFAULTS.private.resources),
        service: { type: "ClusterIP", port: 8687 },
        podDisruptionBudget: { ...DEFAULT_DISRUPTION_BUDGET },
      },
    },
    workers: structuredClone(WORKER_DEFAULTS),
  };
  mutate(spec);
  return {
    apiVersion: "tracardi.io/v1alpha1",
    kind: "Tracardi",
    metadata: { name: "demo", namespace: "shop", uid: "uid-1", generation: 3 },
    spec,
  };
}
