import { describe, expect, it } from "vitest";
import { fingerprint, recordApplied, upToDate } from "./applied.js";

const deployment = (generation: number, labels: Record<string, string> = { a: "1" }, rv = "10") => ({
  metadata: { name: "d", namespace: "n", generation, resourceVersion: rv, labels },
});
const configMap = (rv: string) => ({
  metadata: { name: "c", namespace: "n", resourceVersion: rv, labels: { a: "1" } },
});

describe("upToDate", () => {
  const hash = fingerprint({ spec: 1 });

  it("skips a re-apply when nothing changed, even if status bumped the resourceVersion", () => {
    const record = recordApplied(hash, deployment(3));
    expect(upToDate(record, hash, deployment(3, { a: "1" }, "11"))).toBe(true);
  });

  it("re-applies when the desired state changed", () => {
    expect(upToDate(recordApplied(hash, deployment(3)), fingerprint({ spec: 2 }), deployment(3))).toBe(false);
  });

  it("re-applies after a hand edit of the spec (generation) or of the labels", () => {
    const record = recordApplied(hash, deployment(3));
    expect(upToDate(record, hash, deployment(4))).toBe(false);
    expect(upToDate(record, hash, deployment(3, { a: "2" }))).toBe(false);
  });

  it("uses the resourceVersion for objects without a generation", () => {
    const record = recordApplied(hash, configMap("7"));
    expect(upToDate(record, hash, configMap("7"))).toBe(true);
    expect(upToDate(record, hash, configMap("8"))).toBe(false);
  });

  it("applies when it never applied, or the object is gone", () => {
    expect(upToDate(undefined, hash, deployment(1))).toBe(false);
    expect(upToDate(recordApplied(hash, deployment(1)), hash, undefined)).toBe(false);
  });
});
