import { randomBytes } from "node:crypto";
import { createServer, request as httpRequest, type Server } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diagnoseBackends } from "../../../operator/controller/diagnose/backends.js";
import { eventually, RuntimeProcess } from "../harness.js";
import { ensureServer, type ServerInfo } from "./servers.js";

// A broker whose WebSocket service is off (Pulsar's default outside standalone) answers the admin API
// and 404 to every /ws handshake. This test puts a proxy in front of the shared broker's web port that
// can answer like that (checked by hand against a second standalone broker started with
// webSocketServiceEnabled=false: the same 404), so the shared broker keeps its configuration.
interface PulsarInfo extends ServerInfo {
  serviceUrl: string;
  webUrl: string;
}

/** HTTP and WebSocket passed through to the broker; with `webSocketOff`, handshakes get 404. */
class WebSocketSwitch {
  webSocketOff = false;
  private readonly server: Server;
  port = 0;

  constructor(host: string, upstreamPort: number) {
    this.server = createServer((req, res) => {
      const upstream = httpRequest(
        { host, port: upstreamPort, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
    });
    this.server.on("upgrade", (req, socket, head) => {
      if (this.webSocketOff) {
        socket.end("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
        return;
      }
      const upstream = connect(upstreamPort, host, () => {
        const headers = Object.entries(req.headers).map(([k, v]) => `${k}: ${v}\r\n`);
        upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers.join("")}\r\n`);
        upstream.write(head);
        socket.pipe(upstream).pipe(socket);
      });
      const drop = () => {
        socket.destroy();
        upstream.destroy();
      };
      upstream.on("error", drop);
      socket.on("error", drop);
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((ok) => this.server.listen(0, "127.0.0.1", ok));
    const address = this.server.address();
    this.port = typeof address === "object" && address ? address.port : 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((ok) => this.server.close(ok));
  }
}

let pulsar: PulsarInfo;
let proxy: WebSocketSwitch;
let rt: RuntimeProcess | undefined;

const env = () => ({
  TRACARDI_QUEUE: "pulsar",
  TRACARDI_PULSAR_URL: pulsar.serviceUrl,
  TRACARDI_PULSAR_WEB_URL: `http://127.0.0.1:${proxy.port}`,
  TRACARDI_PULSAR_TOPIC_PREFIX: `wsoff-${randomBytes(5).toString("hex")}-`,
  TRACARDI_BACKEND_CHECK_MS: "500",
});

beforeAll(async () => {
  pulsar = await ensureServer<PulsarInfo>("pulsar");
  const web = new URL(pulsar.webUrl);
  proxy = new WebSocketSwitch(web.hostname, Number(web.port));
  await proxy.listen();
}, 10 * 60_000);

afterAll(async () => {
  await rt?.stop();
  await proxy?.close();
});

describe("a broker with its WebSocket service off", () => {
  it("the runtime refuses to start, naming webSocketServiceEnabled", async () => {
    proxy.webSocketOff = true;
    const attempt = RuntimeProcess.start(env());
    await expect(attempt).rejects.toThrow(
      /cannot start: Pulsar at http:\/\/127\.0\.0\.1:\d+ refuses its WebSocket API: .*set webSocketServiceEnabled=true/,
    );
  });

  it("once running, its check logs `backend problem: …` and BackendsReachable names webSocketServiceEnabled", async () => {
    proxy.webSocketOff = false;
    rt = await RuntimeProcess.start(env());
    proxy.webSocketOff = true;
    await eventually(
      async () => expect(rt?.logs).toMatch(/backend problem: .*webSocketServiceEnabled=true/),
      30_000,
    );
    const ready = await fetch(`${rt.publicUrl}/readyz`);
    expect(ready.status).toBe(503);
    const condition = diagnoseBackends([{ component: "public-api", pod: "p-1", lines: rt.logs.split("\n") }]);
    expect(condition).toMatchObject({ status: "False", reason: "ConnectionLost" });
    expect(condition.message).toContain("webSocketServiceEnabled=true");
    expect(condition.message).toContain("reported by public-api pod p-1");

    proxy.webSocketOff = false;
    await eventually(
      async () => expect(rt?.logs).toMatch(/backend recovered: .*webSocketServiceEnabled/),
      30_000,
    );
  });
});
