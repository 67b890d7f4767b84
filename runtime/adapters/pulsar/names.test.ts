import { describe, expect, it } from "vitest";
import {
  DEFAULT_NAMING,
  subscriptionName,
  topicPath,
  webUrlFromServiceUrl,
  wsUrlFromWebUrl,
} from "./names.js";

describe("Pulsar names", () => {
  it("names topics, retry and dead-letter topics and subscriptions from tenant, namespace and prefix", () => {
    expect(topicPath(DEFAULT_NAMING, "collector")).toBe("public/default/tracardi-collector");
    expect(topicPath({ tenant: "t", namespace: "ns", prefix: "x-" }, "storage", "dead-letters")).toBe(
      "t/ns/x-storage-dead-letters",
    );
    expect(topicPath(DEFAULT_NAMING, "dispatch", "retry")).toBe("public/default/tracardi-dispatch-retry");
    expect(subscriptionName(DEFAULT_NAMING, "dispatch", "retry")).toBe("tracardi-dispatch-retry");
    expect(subscriptionName(DEFAULT_NAMING, "dispatch")).toBe("tracardi-dispatch");
  });

  it("derives the web URL from a service URL on Pulsar's default ports only", () => {
    expect(webUrlFromServiceUrl("pulsar://pulsar.ns.svc:6650")).toBe("http://pulsar.ns.svc:8080");
    expect(webUrlFromServiceUrl("pulsar://pulsar")).toBe("http://pulsar:8080");
    expect(webUrlFromServiceUrl("pulsar+ssl://pulsar:6651")).toBe("https://pulsar:8443");
    expect(() => webUrlFromServiceUrl("pulsar://127.0.0.1:16650")).toThrow(/configure/);
    expect(() => webUrlFromServiceUrl("http://pulsar:8080")).toThrow(/pulsar/);
  });

  it("turns an http(s) base URL into a ws(s) one", () => {
    expect(wsUrlFromWebUrl("http://h:8080/")).toBe("ws://h:8080");
    expect(wsUrlFromWebUrl("https://h:8443")).toBe("wss://h:8443");
  });
});
