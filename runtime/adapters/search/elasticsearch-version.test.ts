import { describe, expect, it } from "vitest";
import { mediaTypes, oldestNodeVersion, parseVersion, unsupported } from "./elasticsearch-version.js";

describe("Elasticsearch versions", () => {
  it("asks 9.x and later for compatible-with=9 and everything else for plain JSON", () => {
    expect(mediaTypes(parseVersion("9.5.4")).accept).toBe(
      "application/vnd.elasticsearch+json; compatible-with=9",
    );
    expect(mediaTypes(parseVersion("10.0.0")).ndjson).toBe(
      "application/vnd.elasticsearch+x-ndjson; compatible-with=9",
    );
    for (const version of ["8.19.21", "7.17.29"]) {
      expect(mediaTypes(parseVersion(version))).toEqual({
        json: "application/json",
        ndjson: "application/x-ndjson",
        accept: "application/json",
      });
    }
    expect(mediaTypes(null).json).toBe("application/json");
  });

  it("takes the oldest node of a cluster in a rolling upgrade", () => {
    const body = { nodes: { a: { version: "9.1.0" }, b: { version: "8.19.3" }, c: { version: "8.18.9" } } };
    expect(oldestNodeVersion(body)).toEqual({ number: "8.18.9", major: 8, minor: 18 });
    expect(oldestNodeVersion({ nodes: { a: { version: "9.0.0-SNAPSHOT" } } })?.major).toBe(9);
  });

  it("knows no version from an answer without one", () => {
    expect(oldestNodeVersion({})).toBeNull();
    expect(oldestNodeVersion(null)).toBeNull();
    expect(oldestNodeVersion({ nodes: { a: {}, b: { version: "x" } } })).toBeNull();
  });

  it("supports 7.17 and later, and names an older server and what it needs", () => {
    for (const version of ["7.17.0", "8.0.0", "9.5.4"]) {
      expect(unsupported(parseVersion(version) ?? fail(version), "http://es:9200")).toBeNull();
    }
    expect(unsupported(parseVersion("7.16.3") ?? fail("7.16.3"), "http://es:9200")).toBe(
      "http://es:9200 runs Elasticsearch 7.16.3; the Elasticsearch store needs 7.17, 8.x or 9.x",
    );
    expect(unsupported(parseVersion("6.8.23") ?? fail("6.8.23"), "http://es:9200")).toMatch(/6\.8\.23/);
  });
});

function fail(version: string): never {
  throw new Error(`${version} did not parse`);
}
