import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RuntimeProcess } from "../harness.js";
import { logsEventually, orderDestination, refusingReceiver, trackOrder } from "../monitoring-rig.js";
import { ensureServer, type ServerInfo } from "./servers.js";

// Issue 15: with the data in OpenSearch, the monitoring log is an index every process writes to, so
// the private API lists what another process recorded.
interface SearchInfo extends ServerInfo {
  url: string;
}

const PREFIX = `log${randomBytes(5).toString("hex")}-`;
let server: SearchInfo;
let receiver: Server;
const running: RuntimeProcess[] = [];

beforeAll(async () => {
  server = await ensureServer<SearchInfo>("opensearch");
  receiver = (await refusingReceiver()).server;
}, 15 * 60_000);

afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
  receiver?.close();
  if (!server) return;
  for (const kind of ["profile", "session", "event", "log"]) {
    await fetch(`${server.url}/${PREFIX}tracardi-${kind}`, { method: "DELETE" });
  }
});

it("lists at one process's private API what another process recorded", async () => {
  const env = {
    TRACARDI_STORE: "opensearch",
    TRACARDI_SEARCH_URL: server.url,
    TRACARDI_SEARCH_INDEX_PREFIX: PREFIX,
  };
  const address = receiver.address();
  const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/orders`;
  const worker = await RuntimeProcess.start({ ...env, TRACARDI_HTTP_ALLOW_PRIVATE: "true" });
  running.push(worker);
  const reader = RuntimeProcess.create(env);
  running.push(reader);
  await reader.launch(["api", "--role", "private"]);

  await orderDestination(worker, url);
  await trackOrder(worker, 1);
  const page = await logsEventually(reader, "kind=dead-letter");
  expect(page.total).toBe(1);
  expect(page.result[0]).toMatchObject({
    level: "warning",
    kind: "dead-letter",
    details: { stage: "dispatch", topic: "dispatch", attempts: 1 },
  });
  expect(page.result[0]?.process).toMatch(/ standalone \(processing thread\)$/);
  const index = await (await fetch(`${server.url}/${PREFIX}tracardi-log/_count`)).json();
  expect(index).toMatchObject({ count: 1 });
});
