import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, RuntimeProcess, type StoredEvent } from "../harness.js";

// Issue 10, case 6: a remote-call in flight does not hold a stopping process for its timeout, and the
// payload it was part of is handled again after the restart, whole, not stored with a half result.
let rt: RuntimeProcess;
let partner: Server;
let partnerUrl = "";
let answering = false;
const waiting: ServerResponse[] = [];
let calls = 0;

beforeAll(async () => {
  partner = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    calls++;
    // Hangs until the test lets the partner answer (after the restart).
    if (!answering) {
      waiting.push(res);
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end('{"tier":"gold"}');
  });
  await new Promise<void>((ok) => partner.listen(0, "127.0.0.1", ok));
  partnerUrl = `http://127.0.0.1:${(partner.address() as AddressInfo).port}`;
  rt = await RuntimeProcess.start({ TRACARDI_HTTP_ALLOW_PRIVATE: "true" });
  await rt.createSource("shop");
});
afterAll(async () => {
  for (const res of waiting) res.destroy();
  await rt?.stop();
  partner?.close();
});

describe("a remote-call in flight when the process stops", () => {
  it("is cut short, and its payload is processed again after the restart, once and whole", async () => {
    const flow = await rt.admin<{ id: string }>("POST", "/api/v1/flows", {
      name: "partner tier",
      nodes: [
        { id: "start", type: "start" },
        // Far longer than the test may take: stopping must not wait for it.
        { id: "call", type: "remote-call", config: { url: `${partnerUrl}/tier`, timeout_ms: 120_000 } },
        { id: "ok", type: "copy-data", config: { from: "payload@body.tier", to: "profile@traits.tier" } },
        { id: "err", type: "copy-data", config: { from: "payload@message", to: "profile@traits.tier" } },
      ],
      edges: [
        { source: "start", sourcePort: "payload", target: "call", targetPort: "payload" },
        { source: "call", sourcePort: "response", target: "ok", targetPort: "payload" },
        { source: "call", sourcePort: "error", target: "err", targetPort: "payload" },
      ],
    });
    expect(flow.status, JSON.stringify(flow.body)).toBe(201);
    const rule = await rt.admin("POST", "/api/v1/rules", {
      name: "partner tier",
      source: { id: "shop" },
      event_type: { id: "purchase" },
      flow: { id: flow.body.id },
      enabled: true,
    });
    expect(rule.status).toBe(201);

    const tracked = rt.track({
      source: { id: "shop" },
      session: { id: "buyer-session" },
      events: [{ type: "purchase", properties: { order: "o-1" } }],
    });
    await eventually(async () => {
      if (calls === 0) throw new Error("remote-call not started yet");
    });
    expect((await tracked).status).toBe(200);

    // Exits by itself (the harness waits for the exit): the call in flight is aborted, not waited out.
    await rt.kill("SIGTERM");
    answering = true;
    await rt.launch();
    await rt.drained(30_000);

    const stored = await rt.admin<{ total: number; items: StoredEvent[] }>(
      "GET",
      "/api/v1/events?session=buyer-session&type=purchase",
    );
    expect(stored.body.total).toBe(1);
    const profileId = stored.body.items[0]?.profile?.id as string;
    const profile = await rt.profile(profileId);
    // The answer of the call made after the restart, not the abort's error message.
    expect((profile.body.traits as Record<string, unknown>).tier).toBe("gold");
    expect(calls).toBe(2);
  });
});
