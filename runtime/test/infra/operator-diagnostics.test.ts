import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diagnoseApis } from "../../../operator/controller/diagnose/apis.js";
import { diagnoseAutoMerging } from "../../../operator/controller/diagnose/auto-merging.js";
import {
  parseRequestMetrics,
  type TimedSample,
} from "../../../operator/controller/diagnose/request-metrics.js";
import type { RuntimeStatusView } from "../../../operator/controller/diagnose/runtime-view.js";
import { diagnoseSearchDisk } from "../../../operator/controller/diagnose/search-disk.js";
import { plainHttp, readMetrics, readRuntimeStatus } from "../../../operator/controller/observe-runtime.js";
import { eventually, RuntimeProcess } from "../harness.js";

// The operator's SearchDiskPressure, AutoMerging and APIsHealthy against a real runtime and a REAL
// OpenSearch node with its disk watermarks set low on purpose: read the way the operator reads them
// (observe-runtime.ts over HTTP, with the admin token), judged by its pure diagnoses. The node is this
// suite's own (infra/opensearch.sh with TRACARDI_OPENSEARCH_PORT): cluster settings are never changed
// on the shared one.
const ROOT = resolve(import.meta.dirname, "../../..");
const PORT = 19250;
const NODE = `http://127.0.0.1:${PORT}`;
const PREFIX = `diag${randomBytes(4).toString("hex")}-`;
const W = "cluster.routing.allocation.disk.";

function ownNode(command: "start" | "stop"): Promise<string> {
  return new Promise((done, fail) =>
    execFile(
      "bash",
      [join(ROOT, "infra/opensearch.sh"), command],
      { env: { ...process.env, TRACARDI_OPENSEARCH_PORT: String(PORT) }, timeout: 20 * 60_000 },
      (error, out, err) => (error ? fail(new Error(`${command}: ${err || error.message}`)) : done(out)),
    ),
  );
}

async function settings(persistent: Record<string, string | null>): Promise<void> {
  const answer = await fetch(`${NODE}/_cluster/settings`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ persistent }),
  });
  expect(answer.status, await answer.text()).toBe(200);
}

let startedNow = false;
let rt: RuntimeProcess;
const target = () => ({ url: rt.privateUrl, service: "test-private-api" });
const view = (): Promise<RuntimeStatusView> => readRuntimeStatus(plainHttp, target(), { value: rt.token });

beforeAll(async () => {
  const out = await ownNode("start");
  startedNow =
    (JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as { startedNow?: boolean }).startedNow === true;
  // The embedded node switches the thresholds off; the monitor looks every 10 s (its least) instead of 30.
  await settings({ [`${W}threshold_enabled`]: "true", "cluster.info.update.interval": "10s" });
  rt = await RuntimeProcess.start({
    TRACARDI_STORE: "opensearch",
    TRACARDI_SEARCH_URL: NODE,
    TRACARDI_SEARCH_INDEX_PREFIX: PREFIX,
    TRACARDI_MERGE_INTERVAL_MS: "0",
  });
}, 20 * 60_000);

afterAll(async () => {
  await rt?.stop();
  if (startedNow) await ownNode("stop");
  else {
    // A node found running gets its settings back.
    await fetch(`${NODE}/${PREFIX}*`, { method: "DELETE" }).catch(() => undefined);
    await settings({
      [`${W}watermark.low`]: null,
      [`${W}watermark.high`]: null,
      [`${W}watermark.flood_stage`]: null,
      [`${W}threshold_enabled`]: null,
      "cluster.info.update.interval": null,
    }).catch(() => undefined);
  }
}, 120_000);

describe("SearchDiskPressure against a real OpenSearch node", () => {
  it("is False/BelowWatermarks with watermarks above the disk's use", async () => {
    await settings({
      [`${W}watermark.low`]: "99%",
      [`${W}watermark.high`]: "99.5%",
      [`${W}watermark.flood_stage`]: "99.9%",
    });
    const c = diagnoseSearchDisk(await view());
    expect(c).toEqual({
      type: "SearchDiskPressure",
      status: "False",
      reason: "BelowWatermarks",
      message: `every data node at ${NODE} is below the high disk watermark (99.5%)`,
    });
  });

  it("is True/HighWatermark once the high watermark is below the disk's use, naming node, use, watermarks and settings", async () => {
    await settings({
      [`${W}watermark.low`]: "1%",
      [`${W}watermark.high`]: "2%",
      [`${W}watermark.flood_stage`]: "99.9%",
    });
    const c = diagnoseSearchDisk(await view());
    expect(c).toMatchObject({ status: "True", reason: "HighWatermark" });
    expect(c.message).toMatch(
      /^data node \S+ uses \d+\.\d % of its disk \(\d+\.\d GiB of \d+\.\d GiB\) at http:\/\/127\.0\.0\.1:19250/,
    );
    expect(c.message).toContain("watermarks low 1%, high 2%, flood stage 99.9%");
    expect(c.message).toContain("cluster.routing.allocation.disk.watermark.low/high/flood_stage");
  });

  it("is True/FloodStage when the flood stage made this runtime's index read-only", async () => {
    // Indices exist once the runtime has written.
    await rt.createSource("web");
    await rt.track({ source: { id: "web" }, session: { id: "s-1" }, events: [{ type: "page-view" }] });
    await rt.drained();
    await settings({
      [`${W}watermark.low`]: "1%",
      [`${W}watermark.high`]: "2%",
      [`${W}watermark.flood_stage`]: "3%",
    });
    const c = await eventually(async () => {
      const d = diagnoseSearchDisk(await view());
      expect(d.reason).toBe("FloodStage");
      return d;
    }, 60_000);
    expect(c.status).toBe("True");
    expect(c.message).toMatch(new RegExp(`index .*${PREFIX}tracardi-\\S+ at ${NODE} is read-only`));
    expect(c.message).toContain("watermarks low 1%, high 2%, flood stage 3%");
    // Below the high watermark again, the block is lifted and the condition clears.
    await settings({
      [`${W}watermark.low`]: "99%",
      [`${W}watermark.high`]: "99.5%",
      [`${W}watermark.flood_stage`]: "99.9%",
    });
    await eventually(
      async () => expect(diagnoseSearchDisk(await view()).reason).toBe("BelowWatermarks"),
      90_000,
    );
  });
});

describe("AutoMerging and APIsHealthy against the real runtime", () => {
  it("AutoMerging is False/Inactive while profiles wait and no merge loop runs", async () => {
    const email = `${randomBytes(4).toString("hex")}@example.com`;
    for (const [session, type] of [
      ["m-1", "sign-in"],
      ["m-2", "sign-up"],
    ]) {
      await rt.track({
        source: { id: "web" },
        session: { id: session },
        events: [{ type, properties: { email: { main: email } } }],
      });
    }
    await rt.drained();
    const c = await eventually(async () => {
      const d = diagnoseAutoMerging(true, await view(), new Date());
      expect(d.reason).toBe("Inactive");
      return d;
    });
    expect(c.message).toContain(
      "profiles wait to be merged and the merge loop is switched off (TRACARDI_MERGE_INTERVAL_MS=0)",
    );
  });

  it("APIsHealthy is False/ServerErrors naming the route when the search node is gone", async () => {
    const history: TimedSample[] = [];
    const look = async () => {
      const m = await readMetrics(plainHttp, target());
      if ("error" in m) throw new Error(m.error);
      const sample = parseRequestMetrics(m.text);
      if (!sample) throw new Error("no request counters");
      history.push({ at: Date.now(), sample });
    };
    await look();
    expect(diagnoseApis({ history, unread: [], asked: 1 }, new Date()).status).toBe("True");
    await ownNode("stop");
    startedNow = true; // stopped: afterAll must not restore settings on it
    for (let i = 0; i < 3; i++) await rt.admin("GET", "/api/v1/profiles/some-profile");
    await look();
    const c = diagnoseApis({ history, unread: [], asked: 1 }, new Date());
    expect(c).toMatchObject({ status: "False", reason: "ServerErrors" });
    expect(c.message).toMatch(
      /^private API GET \/api\/v1\/profiles\/:id: 3 of 3 requests \(100 %\) answered 5xx, most often /,
    );
  }, 120_000);
});
