import { createServer } from "node:http";
import { startRuntime, trackerPayload } from "./lib.js";

/**
 * End-to-end processing throughput of a standalone runtime: events sent (50 per request, 10 requests
 * at a time) until every one is processed and stored — plain, through a five-node workflow, and
 * dispatched to a local webhook receiver.
 */
export interface PipelineRow {
  scenario: string;
  events: number;
  seconds: number;
  eventsPerSecond: number;
}

const TOKEN = { authorization: "Bearer bench", "content-type": "application/json" };

async function api(url: string, method: string, path: string, body?: unknown): Promise<{ id?: string }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: TOKEN,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id?: string };
}

async function send(publicUrl: string, events: number): Promise<void> {
  const requests = events / 50;
  let next = 0;
  const worker = async () => {
    while (next < requests) {
      const i = next++;
      const res = await fetch(`${publicUrl}/track`, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "Mozilla/5.0 Chrome/120" },
        body: trackerPayload("bench", `pipeline-session-${i % 200}`, 50),
      });
      if (res.status !== 200) throw new Error(`track: ${res.status}`);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));
}

async function drained(privateUrl: string): Promise<void> {
  for (;;) {
    const res = await fetch(`${privateUrl}/api/v1/status`, { headers: TOKEN });
    const status = (await res.json()) as {
      queue: { backlog: Record<string, number> };
      pendingStateDocuments: number;
    };
    const waiting = Object.values(status.queue.backlog).reduce((a, b) => a + b, 0);
    if (waiting === 0 && status.pendingStateDocuments === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function scenario(
  name: string,
  events: number,
  setup: (privateUrl: string) => Promise<void>,
  done: (privateUrl: string) => Promise<void>,
): Promise<PipelineRow> {
  // The webhook receiver listens on loopback, which only TRACARDI_HTTP_ALLOW_PRIVATE lets a runtime call.
  const runtime = await startRuntime(["standalone"], 8750, { TRACARDI_HTTP_ALLOW_PRIVATE: "true" });
  const privateUrl = runtime.url.replace("8750", "8751");
  try {
    await api(privateUrl, "POST", "/api/v1/event-sources", { id: "bench", name: "bench", type: "rest" });
    await setup(privateUrl);
    const started = performance.now();
    await send(runtime.url, events);
    await done(privateUrl);
    const seconds = (performance.now() - started) / 1000;
    return {
      scenario: name,
      events,
      seconds: Number(seconds.toFixed(2)),
      eventsPerSecond: Math.round(events / seconds),
    };
  } finally {
    await runtime.stop();
  }
}

export async function pipelineBenchmark(events: number): Promise<PipelineRow[]> {
  const rows: PipelineRow[] = [];
  rows.push(await scenario("collect → process → store", events, async () => {}, drained));

  rows.push(
    await scenario(
      "… + five-node workflow on every event",
      events,
      async (url) => {
        const edge = (source: string, target: string, sourcePort = "payload") => ({
          source,
          sourcePort,
          target,
          targetPort: "payload",
        });
        const flow = await api(url, "POST", "/api/v1/flows", {
          name: "bench",
          nodes: [
            { id: "start", type: "start" },
            { id: "count", type: "increment", config: { path: "profile@traits.pages" } },
            { id: "views", type: "increase-views" },
            { id: "check", type: "if", config: { condition: "profile@stats.views > 10" } },
            { id: "seg", type: "add-segment", config: { segment: "frequent" } },
          ],
          edges: [
            edge("start", "count"),
            edge("count", "views"),
            edge("views", "check"),
            edge("check", "seg", "true"),
          ],
        });
        await api(url, "POST", "/api/v1/rules", {
          name: "bench",
          source: { id: "bench" },
          event_type: { id: "page-view" },
          flow: { id: flow.id },
          enabled: true,
        });
      },
      drained,
    ),
  );

  let received = 0;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received++;
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((ok) => receiver.listen(8760, "127.0.0.1", ok));
  try {
    rows.push(
      await scenario(
        "… + webhook destination for every event",
        events,
        async (url) => {
          const resource = await api(url, "POST", "/api/v1/resources", {
            name: "sink",
            credentials: { url: "http://127.0.0.1:8760/hook" },
          });
          await api(url, "POST", "/api/v1/destinations", {
            name: "sink",
            resource: { id: resource.id },
            event_type: { id: "page-view" },
          });
        },
        async (url) => {
          await drained(url);
          while (received < events) await new Promise((r) => setTimeout(r, 20));
        },
      ),
    );
  } finally {
    receiver.close();
  }
  return rows;
}

export function printPipeline(rows: PipelineRow[]): void {
  const lines = [
    "| Scenario (standalone, 50 events/request) | events | seconds | events/s |",
    "|---|---|---|---|",
    ...rows.map((r) => `| ${r.scenario} | ${r.events} | ${r.seconds} | ${r.eventsPerSecond} |`),
  ];
  process.stdout.write(
    `\n## Processing, end to end (sent until stored / delivered)\n\n${lines.join("\n")}\n`,
  );
}
