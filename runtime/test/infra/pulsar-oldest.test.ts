import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { PulsarQueue } from "../../adapters/pulsar/queue.js";
import { consumeUntil } from "../contract/queue.js";
import { ensureServer, type ServerInfo } from "./servers.js";

// When the oldest waiting message was queued, from the real Pulsar's topic stats
// (earliestMsgPublishTimeInBacklog of the topic's subscription): what stall detection reads.
interface PulsarInfo extends ServerInfo {
  webUrl: string;
}

let server: PulsarInfo;
beforeAll(async () => {
  server = await ensureServer<PulsarInfo>("pulsar");
}, 15 * 60_000);

describe("PulsarQueue.oldestWaitingSince", () => {
  it("is null without messages, the publish time of the oldest while it waits, null once acked", async () => {
    const prefix = `test-${randomBytes(4).toString("hex")}-`;
    const queue = new PulsarQueue({ webUrl: server.webUrl, naming: { prefix }, idleWaitMs: 100 });
    try {
      // No topic yet.
      expect(await queue.oldestWaitingSince("collector")).toBeNull();
      const before = Date.now();
      await queue.publish("collector", [{ key: "a", body: { n: 1 } }]);
      const after = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 20));
      await queue.publish("collector", [{ key: "b", body: { n: 2 } }]);
      const since = await queue.oldestWaitingSince("collector");
      // The broker runs on this machine: its clock is ours.
      expect(since).toBeGreaterThanOrEqual(before - 1000);
      expect(since).toBeLessThanOrEqual(after + 1000);
      expect(await queue.oldestWaitingSince("storage")).toBeNull();

      await consumeUntil(queue, "collector", 2, () => ({ kind: "ack" }));
      await expect
        .poll(() => queue.oldestWaitingSince("collector"), { timeout: 15_000, interval: 100 })
        .toBeNull();
    } finally {
      await queue.close();
      await deleteTopics(server.webUrl, prefix);
    }
  });
});

async function deleteTopics(webUrl: string, prefix: string): Promise<void> {
  const base = `${webUrl}/admin/v2/persistent/public/default`;
  const topics = (await (await fetch(base)).json()) as string[];
  const names = topics.map((t) => t.split("/").at(-1) ?? "").filter((name) => name.startsWith(prefix));
  await Promise.all(names.map((name) => fetch(`${base}/${name}?force=true`, { method: "DELETE" })));
}
