import { createServer, type Server } from "node:http";
import { KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { errorMessage } from "../runtime/error-message.js";
import { parseConfig } from "./config.js";
import { KubeHttp, type KubeRequester } from "./kube/http.js";
import { LeaderElector, leaderOnlyWrites } from "./kube/leader.js";
import { Manager } from "./manager.js";
import { createMetrics } from "./metrics.js";

async function main(): Promise<void> {
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`${errorMessage(err)}\n`);
    process.exit(2);
  }
  const logger = pino({ level: config.logLevel, base: { identity: config.identity } });
  const log = (msg: string, err?: unknown) => (err ? logger.warn({ err }, msg) : logger.info(msg));
  const logError = (msg: string) => logger.error(msg);

  const kc = new KubeConfig();
  kc.loadFromDefault();
  const metrics = createMetrics();
  const http = new KubeHttp(kc, (method, code) => metrics.apiRequests.inc({ method, code: String(code) }));
  if (!config.licensePublicKey) logger.warn("no licence public key configured: LicenseValid will be Unknown");

  // Not a const: the elector is created after the manager, whose writes it guards.
  let elector: LeaderElector | undefined;
  const stepDown = (reason: string) => {
    // Another replica may already be reconciling: stop at once rather than risk two writers.
    logger.error({ reason }, "stepping down: leadership lost; exiting");
    process.exit(1);
  };
  // Every write goes through here: none leaves a leader whose lease is past its renew deadline.
  const writer: KubeRequester = config.leaderElect
    ? leaderOnlyWrites(http, { stillLeading: () => elector?.stillLeading() ?? false })
    : http;

  const manager = new Manager(http, writer, metrics, {
    ...(config.namespaces ? { namespaces: config.namespaces } : {}),
    concurrency: config.concurrency,
    resyncMs: config.resyncSeconds * 1000,
    diagnosticsMs: config.diagnosticsSeconds * 1000,
    autoscaleIntervalMs: config.autoscaleIntervalSeconds * 1000,
    identity: config.identity,
    license: {
      ...(config.licensePublicKey ? { publicKey: config.licensePublicKey } : {}),
      warningDays: config.licenseWarningDays,
    },
    ...(config.leaderElect ? { leading: () => elector?.stillLeading() ?? false } : {}),
    log,
    logError,
    debug: (msg) => logger.debug(msg),
  });

  const startManager = () => {
    metrics.isLeader.set(1);
    manager.start().catch((err: unknown) => {
      logger.error({ err }, "manager failed to start");
      process.exit(1);
    });
  };

  elector = config.leaderElect
    ? new LeaderElector(http, {
        namespace: config.leaseNamespace,
        name: config.leaseName,
        identity: config.identity,
        onStartedLeading: startManager,
        onStoppedLeading: stepDown,
        log,
      })
    : undefined;

  const server = serve(config.httpPort, {
    healthy: () => elector?.healthy() ?? true,
    // A standby is ready (it can take over); the leader is ready once its caches have synced.
    ready: () => (elector && !elector.isLeader ? true : manager.hasSynced()),
    metrics: async () => {
      manager.updateGauges();
      return { contentType: metrics.registry.contentType, body: await metrics.registry.metrics() };
    },
  });
  logger.info(
    {
      port: config.httpPort,
      namespaces: config.namespaces ?? "(all)",
      leaderElect: config.leaderElect,
    },
    "tracardi operator starting",
  );

  if (elector) void elector.run();
  else startManager();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    await manager.stop();
    await elector?.release();
    server.close();
    http.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

interface Probes {
  healthy: () => boolean;
  ready: () => boolean;
  metrics: () => Promise<{ contentType: string; body: string }>;
}

function serve(port: number, probes: Probes): Server {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const reply = (ok: boolean) => {
      res.writeHead(ok ? 200 : 503, { "content-type": "text/plain" });
      res.end(ok ? "ok\n" : "not ok\n");
    };
    if (path === "/healthz" || path === "/livez") return reply(probes.healthy());
    if (path === "/readyz") return reply(probes.ready());
    if (path === "/metrics") {
      probes.metrics().then(
        ({ contentType, body }) => {
          res.writeHead(200, { "content-type": contentType });
          res.end(body);
        },
        () => reply(false),
      );
      return;
    }
    res.writeHead(404).end();
  });
  server.listen(port);
  return server;
}

main().catch((err: unknown) => {
  process.stderr.write(`tracardi-operator: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
