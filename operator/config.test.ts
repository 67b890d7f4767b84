import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "./config.js";

describe("parseConfig", () => {
  it("has production defaults", () => {
    const c = parseConfig([], { POD_NAME: "op-0", POD_NAMESPACE: "tracardi-system" });
    expect(c).toMatchObject({
      httpPort: 8080,
      leaderElect: true,
      leaseNamespace: "tracardi-system",
      leaseName: "tracardi-operator",
      identity: "op-0",
      licenseWarningDays: 14,
      resyncSeconds: 300,
      diagnosticsSeconds: 30,
      autoscaleIntervalSeconds: 15,
      concurrency: 3,
    });
    expect(c.namespaces).toBeUndefined();
    expect(parseConfig([], { DIAGNOSTICS_SECONDS: "0" }).diagnosticsSeconds).toBe(0);
    expect(parseConfig(["--diagnostics-seconds", "10"], {}).diagnosticsSeconds).toBe(10);
    expect(c.licensePublicKey).toBeUndefined();
  });

  it("reads flags, and the public key from a file or the environment", () => {
    const dir = mkdtempSync(join(tmpdir(), "op-"));
    writeFileSync(join(dir, "pub.pem"), "PEM-FILE");
    const c = parseConfig(
      [
        "--namespace",
        "shop",
        "--http-port",
        "9090",
        "--leader-elect",
        "false",
        "--license-public-key",
        join(dir, "pub.pem"),
      ],
      { TRACARDI_LICENSE_PUBLIC_KEY: "PEM-ENV" },
    );
    expect(c).toMatchObject({
      namespaces: ["shop"],
      httpPort: 9090,
      leaderElect: false,
      licensePublicKey: "PEM-FILE",
    });
    expect(parseConfig([], { TRACARDI_LICENSE_PUBLIC_KEY: "PEM-ENV" }).licensePublicKey).toBe("PEM-ENV");
  });

  it("watches a list of namespaces from the flag or the environment", () => {
    expect(parseConfig(["--namespaces", "shop, blog,,shop"], {}).namespaces).toEqual(["shop", "blog"]);
    expect(parseConfig([], { WATCH_NAMESPACES: "a,b" }).namespaces).toEqual(["a", "b"]);
    expect(parseConfig([], { WATCH_NAMESPACE: "a" }).namespaces).toEqual(["a"]);
    expect(parseConfig(["--namespaces", "x"], { WATCH_NAMESPACES: "a,b" }).namespaces).toEqual(["x"]);
    expect(() => parseConfig(["--namespaces", "ok,Not_OK"], {})).toThrow('"Not_OK" is not a valid namespace');
  });

  it("reads the autoscaling interval from the flag or the environment", () => {
    expect(parseConfig(["--autoscale-interval-seconds", "2"], {}).autoscaleIntervalSeconds).toBe(2);
    expect(parseConfig([], { AUTOSCALE_INTERVAL_SECONDS: "5" }).autoscaleIntervalSeconds).toBe(5);
    expect(parseConfig(["--autoscale-interval-seconds", "0"], {}).autoscaleIntervalSeconds).toBe(1);
  });

  it("rejects bad numbers", () => {
    expect(() => parseConfig(["--http-port", "x"], {})).toThrow("--http-port");
  });
});
