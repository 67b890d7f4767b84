import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { expect } from "vitest";
import { eventually, type RuntimeProcess } from "./harness.js";

/** One entry of `GET /api/v1/logs`. */
export interface LogEntry {
  id: string;
  time: string;
  level: string;
  kind: string;
  process: string;
  message: string;
  details: Record<string, unknown>;
}

export interface LogPage {
  total: number;
  result: LogEntry[];
}

/** A webhook receiver that refuses every delivery with 400: each delivery is dead-lettered at once. */
export async function refusingReceiver(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(400).end("no"));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/orders`, server };
}

/** Source `shop` with a destination for `order` events that points at `url`. */
export async function orderDestination(rt: RuntimeProcess, url: string): Promise<void> {
  await rt.createSource("shop");
  const resource = await rt.admin<{ id: string }>("POST", "/api/v1/resources", {
    name: "receiver",
    credentials: { url },
  });
  expect(resource.status).toBe(201);
  const destination = await rt.admin("POST", "/api/v1/destinations", {
    name: "orders",
    resource: { id: resource.body.id },
    source: { id: "shop" },
    event_type: { id: "order" },
    mapping: { order: "event@properties.order" },
  });
  expect(destination.status).toBe(201);
}

export async function trackOrder(rt: RuntimeProcess, order: number): Promise<void> {
  const res = await rt.track({
    source: { id: "shop" },
    session: { id: randomUUID() },
    events: [{ type: "order", properties: { order } }],
  });
  expect(res.status).toBe(200);
}

/** The log as `reader` lists it, once it holds at least `count` entries matching `query`. */
export async function logsEventually(
  reader: RuntimeProcess,
  query: string,
  count = 1,
  timeoutMs = 30_000,
): Promise<LogPage> {
  return eventually(async () => {
    const page = await reader.admin<LogPage>("GET", `/api/v1/logs?${query}`);
    expect(page.status).toBe(200);
    expect(page.body.total).toBeGreaterThanOrEqual(count);
    return page.body;
  }, timeoutMs);
}
