import { openAPIV3Schema } from "./schema.js";
import { GROUP, KIND, PLURAL, SHORT_NAMES, SINGULAR, VERSION } from "./types.js";

const readyCondition = '.status.conditions[?(@.type=="Ready")]';

/** The CustomResourceDefinition, generated from the TypeScript schema (see generate-crd.ts). */
export function tracardiCrd() {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${PLURAL}.${GROUP}`,
      labels: { "app.kubernetes.io/name": "tracardi-operator", "app.kubernetes.io/part-of": "tracardi" },
    },
    spec: {
      group: GROUP,
      scope: "Namespaced",
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: SINGULAR,
        shortNames: SHORT_NAMES,
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: "Ready", type: "string", jsonPath: `${readyCondition}.status` },
            { name: "Reason", type: "string", jsonPath: `${readyCondition}.reason` },
            {
              name: "Public API",
              type: "string",
              jsonPath: ".status.publicApi",
              description: "ready/desired",
            },
            { name: "Workers", type: "string", jsonPath: ".status.workers", description: "ready/desired" },
            {
              name: "Backlog",
              type: "integer",
              jsonPath: ".status.backlog",
              description: "messages waiting on the autoscaled workers' subscriptions",
            },
            { name: "License Expiry", type: "string", jsonPath: ".status.license.expires" },
            { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
            { name: "Generation", type: "integer", jsonPath: ".metadata.generation", priority: 1 },
            { name: "Observed", type: "integer", jsonPath: ".status.observedGeneration", priority: 1 },
          ],
          schema: { openAPIV3Schema },
        },
      ],
    },
  };
}
