import { beforeAll, describe, expect, it } from "vitest";
import { ensureCrd, kubectlRaw, sampleSpec, tracardiObject } from "./helpers.js";

const reject = async (spec: Record<string, unknown>, name = "bad") => {
  const r = await kubectlRaw(
    ["apply", "--dry-run=server", "-f", "-"],
    JSON.stringify(tracardiObject("default", name, spec)),
  );
  return r;
};

beforeAll(async () => {
  await ensureCrd();
});

describe("invalid specs are rejected by the API server with a clear message", () => {
  it("accepts the minimal sample", async () => {
    const r = await reject(sampleSpec(), "good");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("queue workers without Pulsar", async () => {
    const { pulsar: _, ...spec } = sampleSpec();
    const r = await reject(spec);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("spec.pulsar is required when the collector or background worker is enabled");
  });

  it("…but no Pulsar is fine when no queue worker runs (workflows and APM switch stages of the public API then)", async () => {
    const { pulsar: _, ...spec } = sampleSpec();
    const r = await reject(
      { ...spec, workers: { background: { enabled: false }, workflow: { enabled: true } } },
      "nopulsar",
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("the background worker turned off over Pulsar (storage and dispatch run nowhere else)", async () => {
    const r = await reject(sampleSpec({ workers: { background: { enabled: false } } }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      "spec.workers.background.enabled must be true when spec.pulsar is set: only the background worker stores events and dispatches them",
    );
  });

  it("an enabled worker with zero replicas", async () => {
    const r = await reject(sampleSpec({ workers: { apm: { enabled: true, replicas: 0 } } }));
    expect(r.stderr).toContain("an enabled worker needs replicas >= 1");
  });

  it("autoscaling bounds the wrong way round, or out of range", async () => {
    const bounds = await reject(
      sampleSpec({
        workers: { collector: { autoscaling: { enabled: true, minReplicas: 5, maxReplicas: 2 } } },
      }),
    );
    expect(bounds.code).not.toBe(0);
    expect(bounds.stderr).toContain("autoscaling.minReplicas must not exceed autoscaling.maxReplicas");
    const range = await reject(
      sampleSpec({
        workers: { background: { autoscaling: { maxReplicas: 0, targetBacklogPerReplica: 0 } } },
      }),
    );
    expect(range.stderr).toContain("spec.workers.background.autoscaling.maxReplicas");
    expect(range.stderr).toContain("spec.workers.background.autoscaling.targetBacklogPerReplica");
    // Scale to zero is allowed; the defaults fill the rest.
    const zero = await reject(
      sampleSpec({
        workers: { collector: { enabled: true, autoscaling: { enabled: true, minReplicas: 0 } } },
      }),
      "zero",
    );
    expect(zero.stderr).toBe("");
    expect(zero.code).toBe(0);
  });

  it("missing licence, search or MySQL", async () => {
    const r = await reject({ pulsar: { url: "pulsar://p:6650" } });
    expect(r.stderr).toMatch(/spec.license: Required value/);
    expect(r.stderr).toMatch(/spec.search: Required value/);
    expect(r.stderr).toMatch(/spec.mysql: Required value/);
  });

  it("unknown enum values and malformed URLs", async () => {
    const r = await reject(
      sampleSpec({ imagePullPolicy: "Sometimes", search: { url: "elastic:9200", flavor: "solr" } }),
    );
    expect(r.stderr).toContain('spec.imagePullPolicy: Unsupported value: "Sometimes"');
    expect(r.stderr).toContain('spec.search.flavor: Unsupported value: "solr"');
    expect(r.stderr).toContain("spec.search.url");
  });

  it("Pulsar addresses the runtime would refuse", async () => {
    const web = await reject(sampleSpec({ pulsar: { url: "http://pulsar:8080" } }));
    expect(web.code).not.toBe(0);
    expect(web.stderr).toContain("spec.pulsar.url");
    const port = await reject(sampleSpec({ pulsar: { url: "pulsar://pulsar:16650" } }));
    expect(port.stderr).toContain(
      "spec.pulsar.webUrl is required when spec.pulsar.url is not on Pulsar's default port",
    );
    const both = await reject(
      sampleSpec({ pulsar: { url: "pulsar://pulsar:16650", webUrl: "http://pulsar:18080" } }),
      "webok",
    );
    expect(both.stderr).toBe("");
    expect(both.code).toBe(0);
  });

  it("pod labels that would hijack the operator's selector", async () => {
    const r = await reject(sampleSpec({ podLabels: { "app.kubernetes.io/component": "x" } }));
    expect(r.stderr).toContain("podLabels must not set app.kubernetes.io/ labels");
  });

  it("credentials inline instead of by Secret reference are pruned, not stored", async () => {
    const r = await kubectlRaw(
      ["apply", "--dry-run=server", "-o", "json", "-f", "-"],
      JSON.stringify(
        tracardiObject("default", "inline", sampleSpec({ mysql: { host: "mysql", password: "hunter2" } })),
      ),
    );
    expect(r.stdout).not.toContain("hunter2");
  });

  it("names too long for the child Services", async () => {
    const r = await reject(sampleSpec(), "x".repeat(51));
    expect(r.stderr).toContain("metadata.name must be at most 50 characters");
  });
});
