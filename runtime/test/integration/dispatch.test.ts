import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, RuntimeProcess } from "../harness.js";

// Destinations against a real local HTTP receiver: delivery, basic auth, retry, dead letters, replay.
interface Received {
  path: string;
  authorization: string | undefined;
  body: { data: Record<string, unknown>; changes: string[] };
}

let rt: RuntimeProcess;
let receiver: Server;
let receiverUrl = "";
const received: Received[] = [];
/** Per path: the statuses to answer with, in order; afterwards 200. */
const script = new Map<string, number[]>();

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    req.on("data", (c: Buffer) => {
      text += c.toString();
    });
    req.on("end", () => resolve(text));
  });
}

beforeAll(async () => {
  receiver = createServer(async (req, res) => {
    const path = req.url ?? "/";
    const body = await readBody(req);
    if (path.startsWith("/hang")) return; // never answers
    const planned = script.get(path)?.shift() ?? 200;
    if (planned === 200)
      received.push({ path, authorization: req.headers.authorization, body: JSON.parse(body) });
    res.writeHead(planned).end();
  });
  await new Promise<void>((ok) => receiver.listen(0, "127.0.0.1", ok));
  const address = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  // The receiver listens on loopback, which webhooks may only reach with TRACARDI_HTTP_ALLOW_PRIVATE.
  rt = await RuntimeProcess.start({
    TRACARDI_DISPATCH_RETRY_BASE_MS: "100",
    TRACARDI_HTTP_ALLOW_PRIVATE: "true",
  });
  await rt.createSource("shop");
});
afterAll(async () => {
  await rt?.stop();
  receiver?.close();
});

async function destination(
  path: string,
  extra: Record<string, unknown> = {},
  credentials: Record<string, string> = {},
) {
  const resource = await rt.admin<{ id: string; credentials: Record<string, string> }>(
    "POST",
    "/api/v1/resources",
    {
      name: `receiver ${path}`,
      credentials: { url: `${receiverUrl}${path}`, ...credentials },
    },
  );
  expect(resource.status).toBe(201);
  const created = await rt.admin<{ id: string }>("POST", "/api/v1/destinations", {
    name: path,
    resource: { id: resource.body.id },
    source: { id: "shop" },
    mapping: {
      email: "profile@data.contact.email.main",
      type: "event@type",
      note: "order {{event@properties.order}}",
    },
    ...extra,
  });
  expect(created.status).toBe(201);
  return { resource: resource.body, destination: created.body };
}

const order = (type: string, order: string) =>
  rt.track({
    source: { id: "shop" },
    session: { id: randomUUID() },
    events: [
      { type: "sign-in", properties: { email: { main: "ann@example.com" } } },
      { type, properties: { order } },
    ],
  });

describe("event destinations", () => {
  it("delivers matching events rendered through the mapping, with basic auth, and never shows the password", async () => {
    const { resource } = await destination(
      "/orders",
      { event_type: { id: "order-placed" } },
      { username: "bot", password: "s3cret" },
    );
    expect(resource.credentials).toEqual({ url: `${receiverUrl}/orders`, username: "bot", password: "***" });
    const listed = await rt.admin<{ items: unknown[] }>("GET", "/api/v1/resources");
    expect(JSON.stringify(listed.body)).not.toContain("s3cret");

    await order("order-placed", "A-1");
    const got = await eventually(async () => {
      const hit = received.find((r) => r.path === "/orders");
      if (!hit) throw new Error("not delivered yet");
      return hit;
    });
    expect(got.body).toEqual({
      data: { email: "ann@example.com", type: "order-placed", note: "order A-1" },
      changes: [],
    });
    expect(got.authorization).toBe(`Basic ${Buffer.from("bot:s3cret").toString("base64")}`);
    expect(received.filter((r) => r.path === "/orders")).toHaveLength(1); // sign-in does not match the type
  });

  it("retries after 500s until the receiver recovers", async () => {
    script.set("/flaky", [500, 500, 503]);
    await destination("/flaky", { event_type: { id: "order-flaky" } });
    await order("order-flaky", "B-1");
    await eventually(async () => {
      if (!received.some((r) => r.path === "/flaky")) throw new Error("not delivered yet");
    }, 20_000);
    expect(script.get("/flaky")).toEqual([]);
  });

  it("parks a delivery in the dead-letter store after the attempts run out, and replays it on request", async () => {
    script.set("/down", [500, 500]);
    const { destination: dest } = await destination("/down", {
      event_type: { id: "order-down" },
      destination: { init: { max_attempts: 2 } },
    });
    await order("order-down", "C-1");
    const letter = await eventually(async () => {
      const letters = await rt.admin<{
        items: { id: string; reason: string; body: { destinationId: string } }[];
      }>("GET", "/api/v1/dead-letters?topic=dispatch");
      const mine = letters.body.items.find((l) => l.body.destinationId === dest.id);
      if (!mine) throw new Error("no dead letter yet");
      return mine;
    }, 20_000);
    expect(letter.reason).toMatch(/answered 500.*gave up after 2 attempts/);
    expect(received.some((r) => r.path === "/down")).toBe(false);

    const replay = await rt.admin("POST", `/api/v1/dead-letters/${letter.id}/replay`);
    expect(replay.status).toBe(200);
    await eventually(async () => {
      if (!received.some((r) => r.path === "/down")) throw new Error("replay not delivered");
    });
    expect((await rt.admin("POST", `/api/v1/dead-letters/${letter.id}/replay`)).status).toBe(404);
  });

  it("dead-letters at once when the receiver refuses for good (4xx)", async () => {
    script.set("/gone", [404]);
    const { destination: dest } = await destination("/gone", { event_type: { id: "order-gone" } });
    await order("order-gone", "D-1");
    await eventually(async () => {
      const letters = await rt.admin<{
        items: { reason: string; attempts: number; body: { destinationId: string } }[];
      }>("GET", "/api/v1/dead-letters?topic=dispatch");
      const mine = letters.body.items.find((l) => l.body.destinationId === dest.id);
      if (!mine) throw new Error("no dead letter yet");
      expect(mine).toMatchObject({ attempts: 1 });
      expect(mine.reason).toMatch(/answered 404/);
    });
  });

  it("keeps collecting and storing while a destination hangs", async () => {
    await destination("/hang", {
      event_type: { id: "page-view" },
      destination: { init: { timeout_ms: 60_000 } },
    });
    const session = randomUUID();
    for (let i = 0; i < 5; i++) {
      const res = await rt.track({
        source: { id: "shop" },
        session: { id: session },
        events: [{ type: "page-view" }],
      });
      expect(res.status).toBe(200);
    }
    await eventually(async () => {
      const events = await rt.events(`session=${session}&type=page-view`);
      if (events.body.total !== 5) throw new Error(`${events.body.total} stored`);
    });
  });
});

describe("destination conditions", () => {
  it("sends only what the TQL condition accepts", async () => {
    await destination("/big", {
      event_type: { id: "order-cond" },
      condition: 'event@properties.order == "F-2" AND profile@data.contact.email.main EXISTS',
    });
    // One payload, so both deliveries share a key: had F-1 been sent, it would arrive before F-2.
    await rt.track({
      source: { id: "shop" },
      session: { id: randomUUID() },
      events: [
        { type: "sign-in", properties: { email: { main: "ann@example.com" } } },
        { type: "order-cond", properties: { order: "F-1" } },
        { type: "order-cond", properties: { order: "F-2" } },
      ],
    });
    await eventually(async () => {
      if (!received.some((r) => r.path === "/big")) throw new Error("not delivered yet");
    });
    expect(received.filter((r) => r.path === "/big").map((r) => r.body.data.note)).toEqual(["order F-2"]);
  });

  it("refuses a condition with a syntax error, with its position", async () => {
    const resource = await rt.admin<{ id: string }>("POST", "/api/v1/resources", {
      name: "r",
      credentials: { url: `${receiverUrl}/x` },
    });
    const res = await rt.admin<{ detail: { loc: unknown[]; position?: { offset: number } }[] }>(
      "POST",
      "/api/v1/destinations",
      {
        name: "bad",
        resource: { id: resource.body.id },
        condition: "event@type ==",
      },
    );
    expect(res.status).toBe(422);
    expect(res.body.detail[0]?.loc).toEqual(["body", "condition"]);
    expect(res.body.detail[0]?.position?.offset).toBe(13);
  });
});

describe("profile destinations", () => {
  it("sends the profile with the list of changed fields when it changes", async () => {
    await destination("/profiles", {
      on_profile_change_only: true,
      source: null,
      mapping: { id: "profile@id", email: "profile@data.contact.email.main" },
    });
    const res = await order("order-x", "E-1");
    const profileId = res.body.profile?.id;
    const hit = await eventually(async () => {
      const found = received.find((r) => r.path === "/profiles" && r.body.data.id === profileId);
      if (!found) throw new Error("not delivered yet");
      return found;
    });
    expect(hit.body.data.email).toBe("ann@example.com");
    expect(hit.body.changes).toContain("data.contact.email");
  });

  it("refuses a destination bound to an unknown resource", async () => {
    const res = await rt.admin<{ detail: { loc: unknown[] }[] }>("POST", "/api/v1/destinations", {
      name: "x",
      resource: { id: "nope" },
    });
    expect(res.status).toBe(422);
    expect(res.body.detail[0]?.loc).toEqual(["body", "resource", "id"]);
  });
});
