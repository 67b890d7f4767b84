import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, RuntimeProcess } from "../harness.js";

// Issue 10 case 6 (security): remote-call nodes and webhooks cannot reach inside, interpolated URL
// parts are encoded, and a redirect never takes headers to another origin.
interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}
/** Two receivers on loopback: different ports are different origins. */
const seen: Record<"a" | "b", Seen[]> = { a: [], b: [] };
const servers: Server[] = [];
const urls = { a: "", b: "" };

async function receiver(name: "a" | "b"): Promise<void> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      seen[name].push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
      if (req.url?.startsWith("/to-b")) return res.writeHead(302, { location: `${urls.b}/landed` }).end();
      if (req.url?.startsWith("/to-self")) return res.writeHead(307, { location: "/landed" }).end();
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const address = server.address();
  urls[name] = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  servers.push(server);
}

const edge = (source: string, target: string, sourcePort = "payload") => ({
  source,
  sourcePort,
  target,
  targetPort: "payload",
});

/** A flow: one remote-call per url; the answer or the error lands in profile@traits.<node id>. */
function callsFlow(calls: Record<string, { url: string; headers?: Record<string, string> }>) {
  const nodes: unknown[] = [{ id: "start", type: "start" }];
  const edges: unknown[] = [];
  for (const [id, call] of Object.entries(calls)) {
    nodes.push({ id, type: "remote-call", config: { method: "GET", timeout_ms: 5000, ...call } });
    nodes.push({
      id: `${id}-ok`,
      type: "copy-data",
      config: { value: "called", to: `profile@traits.${id}` },
    });
    nodes.push({
      id: `${id}-err`,
      type: "copy-data",
      config: { from: "payload@message", to: `profile@traits.${id}` },
    });
    edges.push(edge("start", id), edge(id, `${id}-ok`, "response"), edge(id, `${id}-err`, "error"));
  }
  return { name: "calls", nodes, edges };
}

/** Saves the flow for events of `type`, sends one, and returns the profile's traits once processed. */
async function run(
  rt: RuntimeProcess,
  type: string,
  flow: ReturnType<typeof callsFlow>,
  properties: Record<string, unknown> = {},
) {
  const saved = await rt.admin<{ id: string }>("POST", "/api/v1/flows", flow);
  expect(saved.status, JSON.stringify(saved.body)).toBe(201);
  const rule = await rt.admin("POST", "/api/v1/rules", {
    name: type,
    source: { id: "shop" },
    event_type: { id: type },
    flow: { id: saved.body.id },
  });
  expect(rule.status).toBe(201);
  const res = await rt.track({
    source: { id: "shop" },
    session: { id: randomUUID() },
    events: [{ type, properties }],
  });
  expect(res.status).toBe(200);
  await rt.drained();
  const profile = await rt.profile(res.body.profile?.id as string);
  return profile.body.traits as Record<string, string>;
}

beforeAll(async () => {
  await receiver("a");
  await receiver("b");
});
afterAll(() => {
  for (const server of servers) server.close();
});

describe("without TRACARDI_HTTP_ALLOW_PRIVATE", () => {
  let rt: RuntimeProcess;
  beforeAll(async () => {
    rt = await RuntimeProcess.start();
    await rt.createSource("shop");
  });
  afterAll(async () => rt?.stop());

  it("a remote call to loopback, link-local or this runtime's private API goes to the error port with the reason", async () => {
    const port = new URL(rt.privateUrl).port;
    const before = seen.a.length;
    const traits = await run(
      rt,
      "inside",
      callsFlow({
        loopback: { url: `${urls.a}/secret` },
        metadata: { url: "http://169.254.169.254/latest/meta-data/" },
        private: {
          url: `http://localhost:${port}/api/v1/profiles`,
          headers: { authorization: `Bearer ${rt.token}` },
        },
        cluster: { url: "https://kubernetes.default.svc/api" },
      }),
    );
    expect(traits).toEqual({
      loopback: expect.stringMatching(
        /^refused http:\/\/127\.0\.0\.1:\d+: 127\.0\.0\.1 is a loopback address/,
      ),
      metadata: expect.stringMatching(/169\.254\.169\.254 is a link-local address/),
      private: expect.stringMatching(/localhost is this host/),
      cluster: expect.stringMatching(/kubernetes\.default\.svc is the Kubernetes API server/),
    });
    expect(seen.a.length).toBe(before);
  });

  it("a webhook to loopback is dead-lettered at once with the reason; nothing is sent", async () => {
    const before = seen.a.length;
    const resource = await rt.admin<{ id: string }>("POST", "/api/v1/resources", {
      name: "inside",
      credentials: { url: `${urls.a}/hook` },
    });
    const destination = await rt.admin<{ id: string }>("POST", "/api/v1/destinations", {
      name: "inside",
      resource: { id: resource.body.id },
      event_type: { id: "hooked" },
    });
    expect(destination.status).toBe(201);
    await rt.track({ source: { id: "shop" }, session: { id: randomUUID() }, events: [{ type: "hooked" }] });
    const letter = await eventually(async () => {
      const letters = await rt.admin<{
        items: { reason: string; attempts: number; body: { destinationId: string } }[];
      }>("GET", "/api/v1/dead-letters?topic=dispatch");
      const mine = letters.body.items.find((l) => l.body.destinationId === destination.body.id);
      if (!mine) throw new Error("no dead letter yet");
      return mine;
    });
    expect(letter.attempts).toBe(1);
    expect(letter.reason).toMatch(/refused http:\/\/127\.0\.0\.1:\d+: 127\.0\.0\.1 is a loopback address/);
    expect(seen.a.length).toBe(before);
  });
});

describe("with TRACARDI_HTTP_ALLOW_PRIVATE=true (receivers on loopback)", () => {
  let rt: RuntimeProcess;
  beforeAll(async () => {
    rt = await RuntimeProcess.start({ TRACARDI_HTTP_ALLOW_PRIVATE: "true" });
    await rt.createSource("shop");
  });
  afterAll(async () => rt?.stop());

  it("encodes event values interpolated into the URL's path and query", async () => {
    const traits = await run(
      rt,
      "encoded",
      callsFlow({ call: { url: `${urls.a}/users/{{event@properties.id}}?q={{event@properties.q}}` } }),
      { id: "../admin?all=1#x", q: "a&b=c" },
    );
    expect(traits.call).toBe("called");
    expect(seen.a.at(-1)?.url).toBe("/users/..%2Fadmin%3Fall%3D1%23x?q=a%26b%3Dc");
  });

  it("does not follow a redirect to another origin, so Authorization and custom headers stay home", async () => {
    const before = seen.b.length;
    const headers = { authorization: "Bearer partner-secret", "x-api-key": "k-1" };
    const traits = await run(
      rt,
      "redirected",
      callsFlow({ cross: { url: `${urls.a}/to-b`, headers }, same: { url: `${urls.a}/to-self`, headers } }),
    );
    expect(traits.cross).toBe(`redirect from ${urls.a} to another origin (${urls.b}) is not followed`);
    expect(seen.b.length).toBe(before);
    expect(traits.same).toBe("called");
    expect(seen.a.find((s) => s.url === "/landed")?.headers).toMatchObject(headers);
  });
});
