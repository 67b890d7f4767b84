import { networkInterfaces } from "node:os";
import { describe, expect, it } from "vitest";
import { addressPolicy } from "./address-policy.js";

const policy = addressPolicy({ KUBERNETES_SERVICE_HOST: "10.96.0.1" });

describe("addressPolicy", () => {
  it.each([
    ["127.0.0.1", /loopback/],
    ["127.8.9.10", /loopback/],
    ["::1", /loopback/],
    ["::ffff:127.0.0.1", /loopback/],
    ["::ffff:7f00:1", /loopback/],
    ["169.254.169.254", /link-local/],
    ["::ffff:a9fe:a9fe", /link-local/],
    ["fe80::1", /link-local/],
    ["0.0.0.0", /unspecified/],
    ["::", /unspecified/],
    ["10.96.0.1", /Kubernetes API server/],
  ])("refuses %s", (address, reason) => {
    expect(policy.addressProblem(address)).toMatch(reason);
    expect(policy.hostProblem(address.includes(":") ? `[${address}]` : address)).toMatch(reason);
  });

  it("refuses this host's own interface addresses", () => {
    const own = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && !i.internal && i.family === "IPv4");
    if (own) expect(policy.addressProblem(own.address)).toMatch(/this host/);
  });

  it.each([
    "localhost",
    "app.localhost",
    "kubernetes.default",
    "kubernetes.default.svc",
    "tracardi-private.tracardi.svc",
    "tracardi-private.tracardi.svc.cluster.local.",
    "db.cluster.local",
    "KUBERNETES.DEFAULT.SVC.CLUSTER.LOCAL",
  ])("refuses the cluster and loopback name %s", (host) => {
    expect(policy.hostProblem(host)).toBeDefined();
  });

  it("lets public names and addresses through", () => {
    for (const address of ["93.184.216.34", "192.0.2.10", "2606:2800:220:1::1", "::ffff:93.184.216.34"]) {
      expect(policy.addressProblem(address), address).toBeUndefined();
    }
    for (const host of ["example.com", "api.partner.example", "svc.example.com", "localhost.example.com"]) {
      expect(policy.hostProblem(host), host).toBeUndefined();
    }
  });
});
