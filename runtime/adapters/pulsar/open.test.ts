import { describe, expect, it } from "vitest";
import { openPulsarQueue } from "./open.js";

describe("openPulsarQueue", () => {
  it("takes a pulsar:// URL on default ports, a web URL, or both", async () => {
    for (const connection of [
      { url: "pulsar://pulsar:6650" },
      { url: "http://pulsar:8080" },
      { url: "pulsar://127.0.0.1:16650", webUrl: "http://127.0.0.1:18080" },
    ]) {
      const queue = openPulsarQueue(connection);
      await queue.close();
    }
    expect(() => openPulsarQueue({ url: "pulsar://127.0.0.1:16650" })).toThrow(/web URL/);
  });
});
