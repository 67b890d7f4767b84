#!/usr/bin/env node
import type { FastifyInstance } from "fastify";
import { type AdminToken, adminToken, adminTokenLine } from "./admin-token.js";
import { ConfigError, loadConfig, type RuntimeConfig } from "./config.js";
import { errorMessage } from "./error-message.js";
import { buildGuiApp } from "./gui/server.js";
import { buildPrivateApp } from "./http/private.js";
import { buildPublicApp } from "./http/public.js";
import { licenseCommand } from "./license/cli.js";
import type { LicenseState } from "./license-gate.js";
import { watchProcessErrors } from "./process-errors.js";
import { type PipelineStage, type ProcessKind, processStages } from "./processes.js";
import { Runtime } from "./runtime.js";
import { listenForStop } from "./stop-signal.js";

const USAGE = `usage: tracardi <command>
  standalone                          public API, private API and every stage in one process
  api --role public|private           one API; the public one verifies and queues, and runs the collector
                                      stage when TRACARDI_PROCESS_INLINE=true (no collector worker)
  gui                                 the web console (TRACARDI_GUI_PORT, 8787), /api/ proxied to TRACARDI_GUI_API_URL
  worker collector|background|apm     one part of the pipeline: collector (sessions, profiles, flows),
                                      background (storage, then dispatch), apm (the merge pass)
  license keygen|issue|inspect …      licence keys (tracardi license --help)
`;

/** Flows run inside the collector stage: there is no process of their own to start. */
const NO_WORKFLOW_WORKER =
  "there is no workflow worker: flows run in the collector stage (worker collector, or the public API when TRACARDI_PROCESS_INLINE=true), and TRACARDI_WORKFLOW_ENABLED turns them on or off";

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "standalone":
      return serve("standalone");
    case "api": {
      const role = rest[0] === "--role" ? rest[1] : rest[0]?.replace(/^--role=/, "");
      if (role !== "public" && role !== "private") return usage(`api needs --role public|private`);
      return serve(role === "public" ? "public-api" : "private-api");
    }
    case "worker": {
      const worker = rest[0];
      if (worker === "collector" || worker === "background" || worker === "apm") return serve(worker);
      if (worker === "workflow") return usage(NO_WORKFLOW_WORKER);
      return usage(`unknown worker "${worker ?? ""}"`);
    }
    case "gui":
      return serveGui();
    case "license":
      return licenseCommand(rest);
    case undefined:
    case "help":
    case "--help":
      process.stdout.write(USAGE);
      return 0;
    default:
      return usage(`unknown command "${command}"`);
  }
}

/** A stop while the backends are being opened: no request or message taken yet, so it ends at once. */
function exitWhileStarting(): void {
  process.stderr.write("stopped while starting (SIGTERM/SIGINT): nothing taken yet, exiting\n");
  process.exit(0);
}

async function serve(kind: ProcessKind): Promise<number> {
  const stop = listenForStop(exitWhileStarting);
  const settings = loadConfig();
  const stages = processStages(kind, {
    queue: settings.backends.queue.kind,
    processInline: settings.processInline,
  });
  const publicApi = kind === "standalone" || kind === "public-api";
  const privateApi = kind === "standalone" || kind === "private-api";
  const runtime = await Runtime.open(settings);
  // Logged with their stack and counted; the process goes on serving (intake is per request, and
  // the stages' loops restart on their own).
  watchProcessErrors("main", ["rejection", "exception"], (kind) =>
    runtime.metrics.uncaughtErrors.inc({ kind, thread: "main" }),
  );
  // From here a stop waits for the start to end, then closes in order: the APIs finish their
  // requests, the stages their batch.
  stop.started();
  const servers: FastifyInstance[] = [];
  if (publicApi) {
    const app = await buildPublicApp(runtime);
    await app.listen({ host: settings.host, port: settings.publicPort });
    servers.push(app);
  }
  let token: AdminToken | null = null;
  if (privateApi) {
    token = adminToken(settings.adminToken, settings.dataDir);
    const app = await buildPrivateApp(runtime, token.token);
    await app.listen({ host: settings.host, port: settings.privatePort });
    servers.push(app);
  }
  // Standalone serves the console too, so a new user sees it without Kubernetes.
  const gui = kind === "standalone" && settings.guiPort !== 0;
  if (gui) {
    const app = await buildGuiApp({
      apiUrl: `http://127.0.0.1:${settings.privatePort}`,
      publicApi: publicApiFor(settings) ?? { port: settings.publicPort },
    });
    await app.listen({ host: settings.host, port: settings.guiPort });
    servers.push(app);
  }
  // Beside intake the stages get a thread of their own, so intake keeps its core.
  if (publicApi && stages.length > 0) await runtime.startProcessing(stages);
  else await runtime.startStages(stages);
  if (servers.length === 0) servers.push(await healthServer(runtime, settings));
  banner(settings, { publicApi, privateApi, stages }, token, runtime.license.state, gui);
  runtime.watchBackends();

  await stop.stopped;
  // Stop taking requests first, then let the stages finish their batch, then close the file.
  await Promise.all(servers.map((s) => s.close()));
  await runtime.close();
  return 0;
}

/** `tracardi gui`: the console alone, in front of the private API at TRACARDI_GUI_API_URL. */
async function serveGui(): Promise<number> {
  const stop = listenForStop(exitWhileStarting);
  const settings = loadConfig();
  const app = await buildGuiApp({ apiUrl: settings.guiApiUrl, publicApi: publicApiFor(settings) });
  await app.listen({ host: settings.host, port: settings.guiPort });
  process.stdout.write(
    `Tracardi console http://localhost:${settings.guiPort}  (private API ${settings.guiApiUrl})\n`,
  );
  stop.started();
  await stop.stopped;
  await app.close();
  return 0;
}

function publicApiFor(settings: RuntimeConfig): { url: string } | undefined {
  return settings.guiPublicApiUrl === null ? undefined : { url: settings.guiPublicApiUrl };
}

async function healthServer(runtime: Runtime, settings: RuntimeConfig): Promise<FastifyInstance> {
  const { default: Fastify } = await import("fastify");
  const { installHealthRoutes } = await import("./http/health.js");
  const app = Fastify();
  installHealthRoutes(app, runtime);
  await app.listen({ host: settings.host, port: settings.healthPort });
  return app;
}

function banner(
  settings: RuntimeConfig,
  options: { publicApi: boolean; privateApi: boolean; stages: readonly PipelineStage[] },
  token: AdminToken | null,
  license: LicenseState,
  gui = false,
) {
  const lines = [
    `Tracardi runtime (data in ${settings.dataDir}); stages: ${options.stages.join(", ") || "none"}`,
    `  licence      ${license.status}: ${license.message}`,
  ];
  if (gui) lines.push(`  console      http://localhost:${settings.guiPort}  (log in with the admin token)`);
  if (options.publicApi)
    lines.push(`  public API   http://localhost:${settings.publicPort}  (POST /track, /collect/…)`);
  if (options.privateApi && token) {
    lines.push(`  private API  http://localhost:${settings.privatePort}  (OpenAPI at /docs)`);
    lines.push(adminTokenLine(token));
    lines.push(
      "",
      "Create a first event source, then send an event:",
      ...(token.file === null ? [] : [`  TOKEN=$(cat ${token.file})`]),
      `  curl -s -X POST localhost:${settings.privatePort}/api/v1/event-sources -H "Authorization: Bearer $TOKEN" \\`,
      `       -H 'content-type: application/json' -d '{"id":"my-site","name":"My site","type":"rest"}'`,
      `  curl -s -X POST localhost:${settings.publicPort}/track -H 'content-type: application/json' \\`,
      `       -d '{"source":{"id":"my-site"},"session":{"id":"s-1"},"events":[{"type":"page-view"}]}'`,
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

function usage(message: string): number {
  process.stderr.write(`${message}\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof ConfigError ? "configuration error: " : ""}${errorMessage(error)}\n`,
    );
    process.exit(1);
  },
);
