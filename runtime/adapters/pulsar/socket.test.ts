import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { openSocket } from "./socket.js";

describe("openSocket", () => {
  it("does not ask for permessage-deflate, even from a server that offers it", async () => {
    const server = new WebSocketServer({ port: 0, host: "127.0.0.1", perMessageDeflate: true });
    await new Promise((resolve) => server.once("listening", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const socket = await openSocket(`ws://127.0.0.1:${port}/ws/v2/producer`, 5000);
      expect(socket.extensions).toBe("");
      socket.close();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
