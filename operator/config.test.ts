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
      concurrency: 3,
    });
    expect(c.namespace).toBeUndefined();
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
      namespace: "shop",
      httpPort: 9090,
      leaderElect: false,
      licensePublicKey: "PEM-FILE",
    });
    expect(parseConfig([], { TRACARDI_LICENSE_PUBLIC_KEY: "PEM-ENV" }).licensePublicKey).toBe("PEM-ENV");
  });

  it("rejects bad numbers", () => {
    expect(() => parseConfig(["--http-port", "x"], {})).toThrow("--http-port");
  });
});
