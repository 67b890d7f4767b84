import { describe, expect, it } from "vitest";
import {
  derivedWebUrl,
  PULSAR_DERIVABLE_URL_PATTERN,
  PULSAR_SERVICE_URL_PATTERN,
  PULSAR_WEB_URL_PATTERN,
  pulsarAddressProblem,
} from "./index.js";

const names = { url: "URL", webUrl: "WEB" };
const problem = (url: string, webUrl?: string) => pulsarAddressProblem({ url, webUrl }, names);

/** [service URL, web URL, accepted] — the table every end of the rule is checked against. */
const PULSAR_ADDRESS_CASES: [string, string | undefined, boolean][] = [
  ["pulsar://pulsar:6650", undefined, true],
  ["pulsar://pulsar", undefined, true],
  ["pulsar://pulsar.data.svc.cluster.local:6650/", undefined, true],
  ["pulsar+ssl://pulsar:6651", undefined, true],
  ["pulsar://[::1]:6650", undefined, true],
  ["pulsar://127.0.0.1:16650", "http://127.0.0.1:18080", true],
  ["pulsar://pulsar:6650", "https://pulsar.example:8443/base", true],
  ["pulsar://127.0.0.1:16650", undefined, false],
  ["http://pulsar:8080", undefined, false],
  ["https://pulsar:8443", undefined, false],
  ["ws://pulsar:8080", undefined, false],
  ["wss://pulsar:8443", undefined, false],
  ["pulsar://user:pw@pulsar:6650", undefined, false],
  ["pulsar://pulsar:6650/tenant", undefined, false],
  ["pulsar:6650", undefined, false],
  ["pulsar://pulsar:6650", "ws://pulsar:8080", false],
  ["pulsar://pulsar:6650", "http://u:p@pulsar:8080", false],
];

describe("the Pulsar address rule", () => {
  it("accepts the broker's pulsar:// URLs and refuses the rest", () => {
    for (const [url, webUrl, ok] of PULSAR_ADDRESS_CASES)
      expect({ url, webUrl, ok: problem(url, webUrl) === null }).toEqual({ url, webUrl, ok });
  });

  it("the CRD's regular expressions say the same as the function", () => {
    const service = new RegExp(PULSAR_SERVICE_URL_PATTERN);
    const web = new RegExp(PULSAR_WEB_URL_PATTERN);
    const derivable = new RegExp(PULSAR_DERIVABLE_URL_PATTERN);
    for (const [url, webUrl, ok] of PULSAR_ADDRESS_CASES) {
      const byPatterns = service.test(url) && (webUrl === undefined ? derivable.test(url) : web.test(webUrl));
      expect({ url, webUrl, ok: byPatterns }).toEqual({ url, webUrl, ok });
    }
  });

  it("says what to do: a web address goes in the web URL setting; another port needs it", () => {
    expect(problem("http://pulsar:8080")).toMatch(
      /URL must be pulsar:\/\/host:6650 or pulsar\+ssl:\/\/host:6651 .*got "http:\/\/pulsar:8080"; http:\/\/ is the broker's web address: give it as WEB/,
    );
    expect(problem("pulsar://p:16650")).toMatch(/not on Pulsar's default port 6650 or 6651.*set WEB/);
    expect(problem("pulsar://p:6650", "ftp://p")).toMatch(/WEB must be http:\/\/host:8080/);
  });

  it("derives the web URL on default ports", () => {
    expect(derivedWebUrl("pulsar://p")).toBe("http://p:8080");
    expect(derivedWebUrl("pulsar+ssl://p:6651")).toBe("https://p:8443");
    expect(() => derivedWebUrl("pulsar://p:16650")).toThrow(/configure/);
  });
});
