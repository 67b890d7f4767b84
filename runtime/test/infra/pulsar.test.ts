import { randomBytes } from "node:crypto";
import { beforeAll } from "vitest";
import { PulsarQueue } from "../../adapters/pulsar/queue.js";
import { describeQueueContract, type QueueFixture } from "../contract/queue.js";
import { ensureServer, type ServerInfo } from "./servers.js";

// The Pulsar queue against a real Pulsar standalone (infra/pulsar.sh); every queue gets fresh topics.
interface PulsarInfo extends ServerInfo {
  webUrl: string;
  wsUrl: string;
}

let server: PulsarInfo;
beforeAll(async () => {
  // The first run on a machine assembles Pulsar from Maven Central.
  server = await ensureServer<PulsarInfo>("pulsar");
}, 15 * 60_000);

describeQueueContract("Pulsar", async () => {
  const prefix = `test-${randomBytes(4).toString("hex")}-`;
  const openQueue = () =>
    new PulsarQueue({ webUrl: server.webUrl, naming: { prefix }, retryBaseMs: 50, idleWaitMs: 100 });
  const fixture: QueueFixture = {
    queue: openQueue(),
    reopen: async () => {
      await fixture.queue.close();
      fixture.queue = openQueue();
      return fixture.queue;
    },
    close: () => fixture.queue.close(),
  };
  return fixture;
});
