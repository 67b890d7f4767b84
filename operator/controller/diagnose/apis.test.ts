import { describe, expect, it } from "vitest";
import { diagnoseApis } from "./apis.js";
import {
  addSample,
  parseRequestMetrics,
  type RequestSample,
  routeCounts,
  type TimedSample,
} from "./request-metrics.js";

const MIN = 60_000;
const T0 = Date.parse("2026-12-02T10:00:00Z");

/** A runtime's /metrics text as prom-client writes it. */
function metricsText(
  pod: string,
  startedAt: number,
  counts: Record<string, number>,
  errors: Record<string, number> = {},
) {
  const lines = [
    "# HELP tracardi_runtime_start_time_seconds x",
    "# TYPE tracardi_runtime_start_time_seconds gauge",
    `tracardi_runtime_start_time_seconds{pod="${pod}"} ${startedAt}`,
    "# TYPE tracardi_http_requests_total counter",
  ];
  for (const [key, n] of Object.entries(counts)) {
    const [api, method, route, code] = key.split(" ");
    lines.push(
      `tracardi_http_requests_total{api="${api}",method="${method}",route="${route}",code="${code}"} ${n}`,
    );
  }
  for (const [key, n] of Object.entries(errors)) {
    const [api, method, route, ...error] = key.split(" ");
    lines.push(
      `tracardi_http_server_errors_total{api="${api}",method="${method}",route="${route}",error="${error.join(" ").replace(/"/g, '\\"')}"} ${n}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

const sample = (...args: Parameters<typeof metricsText>): RequestSample => {
  const s = parseRequestMetrics(metricsText(...args));
  if (!s) throw new Error("no sample");
  return s;
};
const STARTED = T0 / 1000 - 3600;

describe("request metrics", () => {
  it("parses counters by route and code, errors with escaped quotes, and the replica", () => {
    const s = sample(
      "pub-1",
      STARTED,
      { "public POST /track 2xx": 10, "public POST /track 5xx": 2 },
      {
        'public POST /track Error: bad "x"': 2,
      },
    );
    expect(s.pod).toBe("pub-1");
    expect(s.startedAt).toBe(STARTED);
    expect(s.requests.get("public POST /track")).toEqual(
      new Map([
        ["2xx", 10],
        ["5xx", 2],
      ]),
    );
    expect(s.errors.get("public POST /track")).toEqual(new Map([['Error: bad "x"', 2]]));
    expect(parseRequestMetrics("tracardi_http_requests_total 3\n")).toBeNull();
  });

  it("counts the window per replica (newest minus the baseline) and sums the replicas", () => {
    let history: TimedSample[] = [];
    history = addSample(history, { at: T0, sample: sample("a", STARTED, { "public POST /track 2xx": 100 }) });
    history = addSample(history, {
      at: T0 + MIN,
      sample: sample("b", STARTED, { "public POST /track 2xx": 50 }),
    });
    history = addSample(history, {
      at: T0 + 2 * MIN,
      sample: sample("a", STARTED, { "public POST /track 2xx": 160 }),
    });
    history = addSample(history, {
      at: T0 + 3 * MIN,
      sample: sample("b", STARTED, { "public POST /track 2xx": 90, "public POST /track 5xx": 4 }),
    });
    const counts = routeCounts(history, T0 + 3 * MIN);
    expect(counts.get("public POST /track")).toMatchObject({ total: 60 + 44, serverErrors: 4 });
  });

  it("forgets what the window no longer needs but keeps one baseline per replica", () => {
    let history: TimedSample[] = [];
    for (let i = 0; i <= 10; i++) {
      history = addSample(history, {
        at: T0 + i * MIN,
        sample: sample("a", STARTED, { "public POST /track 2xx": i * 10 }),
      });
    }
    expect(history.map((s) => (s.at - T0) / MIN)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(routeCounts(history, T0 + 10 * MIN).get("public POST /track")?.total).toBe(50);
    // A replica not seen for two windows is forgotten.
    history = addSample(history, { at: T0 + 21 * MIN, sample: sample("b", STARTED, {}) });
    expect(history.map((s) => s.sample.pod)).toEqual(["b"]);
  });

  it("counts a replica that started within the window from zero, and a restart as a new series", () => {
    const started = (T0 + MIN) / 1000;
    const history = [
      { at: T0, sample: sample("a", STARTED, { "public POST /track 2xx": 1000 }) },
      {
        at: T0 + 2 * MIN,
        sample: sample("a", started, { "public POST /track 5xx": 3, "public POST /track 2xx": 7 }),
      },
    ];
    expect(routeCounts(history, T0 + 2 * MIN).get("public POST /track")).toMatchObject({
      total: 10,
      serverErrors: 3,
    });
  });
});

describe("APIsHealthy", () => {
  const twoLooks = (before: RequestSample, after: RequestSample): TimedSample[] => [
    { at: T0, sample: before },
    { at: T0 + 4 * MIN, sample: after },
  ];

  it("is True/NoServerErrors at 1 % 5xx or less", () => {
    const history = twoLooks(
      sample("a", STARTED, { "public POST /track 2xx": 0 }),
      sample("a", STARTED, { "public POST /track 2xx": 99, "public POST /track 5xx": 1 }),
    );
    expect(diagnoseApis({ history, unread: [], asked: 2 }, new Date(T0 + 4 * MIN))).toEqual({
      type: "APIsHealthy",
      status: "True",
      reason: "NoServerErrors",
      message: "no API route answered more than 1.0 % 5xx in the last 5 minutes",
    });
  });

  it("is False/ServerErrors above 1 %, naming the route and its most frequent error, worst route first", () => {
    const history = twoLooks(
      sample("a", STARTED, { "public POST /track 2xx": 0, "private GET /api/v1/profiles/:id 2xx": 0 }),
      sample(
        "a",
        STARTED,
        {
          "public POST /track 2xx": 98,
          "public POST /track 5xx": 2,
          "private GET /api/v1/profiles/:id 2xx": 5,
          "private GET /api/v1/profiles/:id 5xx": 5,
        },
        {
          "public POST /track Error: search refused": 2,
          "private GET /api/v1/profiles/:id TypeError: x is undefined": 4,
          "private GET /api/v1/profiles/:id Error: timeout": 1,
        },
      ),
    );
    const c = diagnoseApis({ history, unread: [], asked: 2 }, new Date(T0 + 4 * MIN));
    expect(c).toMatchObject({ status: "False", reason: "ServerErrors" });
    expect(c.message).toBe(
      "private API GET /api/v1/profiles/:id: 5 of 10 requests (50 %) answered 5xx, most often TypeError: x is undefined (4); public API POST /track: 2 of 100 requests (2.0 %) answered 5xx, most often Error: search refused (2) in the last 5 minutes; the pods log each failed request with its stack (kubectl logs -l app.kubernetes.io/component=private-api, kubectl logs -l app.kubernetes.io/component=public-api)",
    );
  });

  it("forgets errors older than 5 minutes", () => {
    const history = [
      { at: T0, sample: sample("a", STARTED, { "public POST /track 5xx": 0 }) },
      { at: T0 + MIN, sample: sample("a", STARTED, { "public POST /track 5xx": 50 }) },
      {
        at: T0 + 7 * MIN,
        sample: sample("a", STARTED, { "public POST /track 5xx": 50, "public POST /track 2xx": 10 }),
      },
    ];
    expect(diagnoseApis({ history, unread: [], asked: 2 }, new Date(T0 + 7 * MIN)).status).toBe("True");
  });

  it("is Unknown/MetricsUnavailable when no API could be read, and judges the ones read otherwise", () => {
    expect(
      diagnoseApis({ history: [], unread: ["public-api: x", "private-api: y"], asked: 2 }, new Date(T0)),
    ).toEqual({
      type: "APIsHealthy",
      status: "Unknown",
      reason: "MetricsUnavailable",
      message: "could not read the APIs' metrics: public-api: x; private-api: y",
    });
    expect(diagnoseApis({ history: [], unread: ["public-api: x"], asked: 2 }, new Date(T0)).status).toBe(
      "True",
    );
  });
});
