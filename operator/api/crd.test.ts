import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { indexNames } from "../../runtime/adapters/search/indices.js";
import {
  PULSAR_DERIVABLE_URL_PATTERN,
  PULSAR_SERVICE_URL_PATTERN,
  PULSAR_WEB_URL_PATTERN,
} from "../../runtime/pulsar-url/index.js";
import { applyDefaults } from "../testing/defaulting.js";
import { AUTOSCALED_WORKERS, COMPONENTS, WORKER_KINDS } from "./components.js";
import { tracardiCrd } from "./crd.js";
import { API_DEFAULTS, DEFAULT_IMAGE, DEFAULT_WORKER_AUTOSCALING, WORKER_DEFAULTS } from "./defaults.js";
import { CRD_PATH, renderCrd } from "./generate-crd.js";
import type { Schema } from "./schema.js";
import {
  PULL_POLICIES,
  SEARCH_FLAVORS,
  TAINT_EFFECTS,
  TOLERATION_OPERATORS,
  type TracardiSpec,
} from "./types.js";

const schema = tracardiCrd().spec.versions[0]?.schema.openAPIV3Schema as Schema;
const specSchema = schema.properties?.spec as Schema;
const at = (s: Schema, ...path: string[]): Schema =>
  path.reduce((acc, p) => {
    const next = acc.properties?.[p];
    if (!next) throw new Error(`no schema at ${path.join(".")}`);
    return next;
  }, s);

describe("CRD", () => {
  it("the committed YAML is what the generator produces (run: node dist/operator/api/generate-crd.js)", () => {
    expect(readFileSync(CRD_PATH, "utf8")).toBe(renderCrd());
    expect(renderCrd()).not.toMatch(/[&*]a\d/);
  });

  it("crds/ holds only CustomResourceDefinitions where kubectl apply -f crds/ looks", () => {
    const manifests = readdirSync("crds").filter((f) => /\.(ya?ml|json)$/.test(f));
    expect(manifests).toEqual(["tracardi.io_tracardis.yaml"]);
    for (const file of manifests) {
      const kinds = parseAllDocuments(readFileSync(join("crds", file), "utf8")).map((d) => d.get("kind"));
      expect(kinds).toEqual(["CustomResourceDefinition"]);
    }
  });

  it("names the resource as the issue asks", () => {
    const crd = tracardiCrd();
    expect(crd.metadata.name).toBe("tracardis.tracardi.io");
    expect(crd.spec.names).toMatchObject({ kind: "Tracardi", shortNames: ["trc"] });
    expect(crd.spec.versions[0]?.name).toBe("v1alpha1");
    expect(crd.spec.versions[0]?.subresources).toEqual({ status: {} });
    expect(crd.spec.versions[0]?.additionalPrinterColumns.map((c) => c.name)).toEqual([
      "Ready",
      "Reason",
      "Public API",
      "Workers",
      "Backlog",
      "License Expiry",
      "Age",
      "Generation",
      "Observed",
    ]);
  });

  it("defaults a minimal spec to a full TracardiSpec matching the TypeScript defaults", () => {
    const minimal = {
      license: { secretRef: { name: "lic" } },
      search: { url: "http://es:9200" },
      mysql: { host: "mysql" },
      pulsar: { url: "pulsar://pulsar:6650" },
    };
    const spec = applyDefaults(specSchema, minimal) as TracardiSpec;
    expect(spec.image).toBe(DEFAULT_IMAGE);
    expect(spec.imagePullPolicy).toBe("IfNotPresent");
    expect(spec.license.secretRef.key).toBe("license-key");
    expect(spec.search.flavor).toBe("elasticsearch");
    expect(spec.mysql).toEqual({ host: "mysql", port: 3306, database: "tracardi" });
    for (const kind of WORKER_KINDS) {
      expect(spec.workers[kind]).toEqual(WORKER_DEFAULTS[kind]);
    }
    expect(spec.workers.collector.enabled).toBe(false);
    expect(spec.workers.workflow.enabled).toBe(false);
    expect(spec.workers.background.enabled).toBe(true);
    expect(spec.workers.apm.enabled).toBe(true);
    expect(spec.api.public).toEqual({
      replicas: 1,
      resources: API_DEFAULTS.public.resources,
      service: { type: "ClusterIP", port: 8686 },
      podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
      autoscaling: { enabled: false, minReplicas: 1, maxReplicas: 10, targetCPUUtilizationPercentage: 80 },
    });
    expect(spec.api.private.service.port).toBe(8687);
    expect(spec.api.private).not.toHaveProperty("autoscaling");
  });

  it("keeps enum lists in step with the types", () => {
    expect(at(specSchema, "imagePullPolicy").enum).toEqual(PULL_POLICIES);
    expect(at(specSchema, "search", "flavor").enum).toEqual(SEARCH_FLAVORS);
  });

  it("offers the same scheduling block globally and on every component, with typed tolerations", () => {
    const global = at(specSchema, "scheduling");
    expect(Object.keys(global.properties ?? {})).toEqual([
      "nodeSelector",
      "tolerations",
      "affinity",
      "topologySpreadConstraints",
      "priorityClassName",
    ]);
    for (const c of COMPONENTS) {
      const own = at(specSchema, ...c.specPath.split(".").slice(1), "scheduling");
      expect(own.properties).toEqual(global.properties);
      expect(own.description).toContain("replaces the same field of spec.scheduling whole");
    }
    const toleration = at(global, "tolerations").items as Schema;
    expect(at(toleration, "operator").enum).toEqual(TOLERATION_OPERATORS);
    expect(at(toleration, "effect").enum).toEqual(TAINT_EFFECTS);
    expect(at(global, "nodeSelector").additionalProperties).toMatchObject({ type: "string" });
    const spread = at(global, "topologySpreadConstraints").items as Schema;
    expect(spread.required).toEqual(["maxSkew", "topologyKey", "whenUnsatisfiable"]);
    expect(spread["x-kubernetes-preserve-unknown-fields"]).toBe(true);
  });

  it("gives each API, and no worker, a PodDisruptionBudget block", () => {
    for (const c of COMPONENTS) {
      const block = at(specSchema, ...c.specPath.split(".").slice(1)).properties?.podDisruptionBudget;
      expect(block !== undefined).toBe(c.ref.kind === "api");
    }
  });

  it("has a schema block for every component's spec path", () => {
    for (const c of COMPONENTS) {
      const path = c.specPath.split(".").slice(1);
      expect(at(specSchema, ...path).properties?.resources?.description).toContain("OOMKilled");
    }
  });

  it("describes every spec field (kubectl explain is useful)", () => {
    const missing: string[] = [];
    const walk = (s: Schema, path: string) => {
      if (!s.description) missing.push(path);
      for (const [k, p] of Object.entries(s.properties ?? {})) walk(p, `${path}.${k}`);
      if (s.items) walk(s.items, `${path}[]`);
    };
    walk(specSchema, "spec");
    expect(missing).toEqual([]);
  });

  it("checks Pulsar addresses by the runtime's own rule (runtime/pulsar-url)", () => {
    const pulsar = at(specSchema, "pulsar");
    expect(at(pulsar, "url").pattern).toBe(PULSAR_SERVICE_URL_PATTERN);
    expect(at(pulsar, "webUrl").pattern).toBe(PULSAR_WEB_URL_PATTERN);
    expect(pulsar["x-kubernetes-validations"]?.[0]?.rule).toBe(
      `has(self.webUrl) || self.url.matches(r'${PULSAR_DERIVABLE_URL_PATTERN}')`,
    );
  });

  it("accepts exactly the index prefixes the runtime accepts (spec.search.indexPrefix)", () => {
    const pattern = new RegExp(at(specSchema, "search", "indexPrefix").pattern ?? "");
    const runtimeAccepts = (prefix: string) => {
      try {
        indexNames(prefix);
        return true;
      } catch {
        return false;
      }
    };
    for (const prefix of ["", "shop-", "a.b_c-1", "Shop-", "-shop", "_x", "a b", "shop/"]) {
      expect(pattern.test(prefix), prefix).toBe(runtimeAccepts(prefix));
    }
  });

  it("has a cross-field CEL rule requiring Pulsar for queue workers", () => {
    const rules = specSchema["x-kubernetes-validations"] ?? [];
    expect(rules.some((r) => r.rule.includes("has(self.pulsar)"))).toBe(true);
    // Storage and dispatch run only in the background worker: it cannot be off over Pulsar.
    expect(rules.map((r) => r.rule)).toContain("!has(self.pulsar) || self.workers.background.enabled");
    expect(at(specSchema, "workers", "collector")["x-kubernetes-validations"]?.[0]?.rule).toContain(
      "replicas",
    );
  });

  it("offers autoscaling on the collector and background workers only, defaulted as the types say", () => {
    for (const kind of WORKER_KINDS) {
      const block = at(specSchema, "workers", kind).properties?.autoscaling;
      expect(block !== undefined, kind).toBe((AUTOSCALED_WORKERS as string[]).includes(kind));
    }
    expect(AUTOSCALED_WORKERS).toEqual(["collector", "background"]);
    const spec = applyDefaults(specSchema, {
      license: { secretRef: { name: "lic" } },
      search: { url: "http://es:9200" },
      mysql: { host: "mysql" },
      workers: { collector: { autoscaling: { enabled: true } } },
    }) as TracardiSpec;
    expect(spec.workers.collector.autoscaling).toEqual({ ...DEFAULT_WORKER_AUTOSCALING, enabled: true });
    expect(DEFAULT_WORKER_AUTOSCALING).toMatchObject({
      scaleUpStabilizationSeconds: 0,
      scaleDownStabilizationSeconds: 300,
    });
    // Without a block, nothing is added: autoscaling is opt-in.
    expect(spec.workers.background.autoscaling).toBeUndefined();
    const autoscaling = at(specSchema, "workers", "collector", "autoscaling");
    expect(at(autoscaling, "minReplicas").minimum).toBe(0);
    expect(at(autoscaling, "maxReplicas").minimum).toBe(1);
    expect(at(autoscaling, "targetBacklogPerReplica").minimum).toBe(1);
    expect(autoscaling["x-kubernetes-validations"]?.[0]?.rule).toBe("self.minReplicas <= self.maxReplicas");
  });
});
