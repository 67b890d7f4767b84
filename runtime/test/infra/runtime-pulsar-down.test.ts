import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, RuntimeProcess } from "../harness.js";
import { FaultyProxy } from "./faulty-proxy.js";
import { ensureServer, type ServerInfo } from "./servers.js";

// Issue 10, case 8 over Pulsar: the queue out of reach makes /track answer 503 with Retry-After, and
// 200 again once it is back. The runtime reaches Pulsar's web port (admin REST and WebSocket) through
// a TCP proxy of this test, which refuses connections.
interface PulsarInfo extends ServerInfo {
  serviceUrl: string;
  webUrl: string;
}

let proxy: FaultyProxy;
let rt: RuntimeProcess;

beforeAll(async () => {
  const pulsar = await ensureServer<PulsarInfo>("pulsar");
  const web = new URL(pulsar.webUrl);
  proxy = new FaultyProxy(web.hostname, Number(web.port));
  await proxy.listen();
  rt = await RuntimeProcess.start({
    TRACARDI_QUEUE: "pulsar",
    TRACARDI_PULSAR_URL: pulsar.serviceUrl,
    TRACARDI_PULSAR_WEB_URL: `http://127.0.0.1:${proxy.port}`,
    TRACARDI_PULSAR_TOPIC_PREFIX: `down-${randomBytes(5).toString("hex")}-`,
  });
  await rt.createSource("pulsar-down-site");
}, 10 * 60_000);

afterAll(async () => {
  await rt?.stop();
  await proxy?.close();
});

const visit = () =>
  rt.track<{ detail: string }>({
    source: { id: "pulsar-down-site" },
    session: { id: randomBytes(8).toString("hex") },
    events: [{ type: "page-view" }],
  });

describe("/track with Pulsar out of reach", () => {
  it("answers 503 with Retry-After while Pulsar refuses connections, and 200 once it is back", async () => {
    await eventually(async () => expect((await visit()).status).toBe(200), 30_000);
    await proxy.refuse();
    try {
      const refused = await visit();
      expect(refused.status).toBe(503);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(refused.body.detail).toMatch(/^Not accepted, try again later: /);
    } finally {
      await proxy.listen();
    }
    await eventually(async () => expect((await visit()).status).toBe(200), 30_000);
  });
});
