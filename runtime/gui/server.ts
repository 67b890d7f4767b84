import { existsSync } from "node:fs";
import { resolve } from "node:path";
import proxy from "@fastify/http-proxy";
import fastifyStatic from "@fastify/static";
import Fastify, { type FastifyInstance } from "fastify";
import { describeError } from "../supervision.js";

/** Where `vite build` puts the console (dist/console, next to dist/runtime). */
export const CONSOLE_DIR = resolve(import.meta.dirname, "../../console");

export interface GuiOptions {
  /** The private API, e.g. `http://127.0.0.1:8687`; `/api/` is proxied to it. */
  apiUrl: string;
  /** The built console (index.html and assets). */
  root?: string;
  /** How long `/healthz` waits for the private API. */
  healthTimeoutMs?: number;
  /** Where sites reach the public API, for the snippets the console shows (`/console-config.json`). */
  publicApi?: { url: string } | { port: number };
}

/** The private API as the GUI sees it: reachable or not, and its own readiness. */
export interface ApiState {
  url: string;
  reachable: boolean;
  ready?: boolean;
  reason?: string;
}

/**
 * The console (`fe-rj-gui`): the built single-page app, and `/api/` reverse-proxied to the private
 * API so the browser talks to one origin (the private API needs no CORS). The admin token travels
 * in the browser's `Authorization` header, untouched.
 */
export async function buildGuiApp(options: GuiOptions): Promise<FastifyInstance> {
  const root = options.root ?? CONSOLE_DIR;
  const apiUrl = options.apiUrl.replace(/\/+$/, "");
  const app = Fastify();

  app.get("/healthz", async (_request, reply) => {
    const api = await apiState(apiUrl, options.healthTimeoutMs ?? 3000);
    if (!api.reachable) {
      return reply.code(503).send({ status: "not-ready", reason: `private API: ${api.reason}`, api });
    }
    return { status: "ok", api };
  });

  app.get("/console-config.json", async () => ({ publicApi: options.publicApi ?? null }));

  await app.register(proxy, { upstream: apiUrl, prefix: "/api", rewritePrefix: "/api" });

  if (!existsSync(resolve(root, "index.html"))) {
    const missing = `The console is not built (no ${root}/index.html): run npx vite build -c console/vite.config.ts`;
    app.setNotFoundHandler((_request, reply) => reply.code(503).type("text/plain").send(missing));
    return app;
  }
  await app.register(fastifyStatic, { root, prefix: "/", wildcard: true, index: "index.html" });
  // Client-side routes (/events, /profiles/x, …) load the app, which routes itself.
  app.setNotFoundHandler((request, reply) => {
    if (request.method !== "GET" || request.url.startsWith("/api/") || request.url.startsWith("/assets/"))
      return reply.code(404).send({ detail: "Not Found" });
    return reply.type("text/html").sendFile("index.html");
  });
  return app;
}

/** Asks the private API's `/readyz`: any answer means reachable; a 503 carries its reason. */
export async function apiState(apiUrl: string, timeoutMs: number): Promise<ApiState> {
  try {
    const response = await fetch(`${apiUrl}/readyz`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.json().catch(() => ({}))) as { reason?: unknown };
    if (response.ok) return { url: apiUrl, reachable: true, ready: true };
    return {
      url: apiUrl,
      reachable: true,
      ready: false,
      reason: typeof body.reason === "string" ? body.reason : `HTTP ${response.status}`,
    };
  } catch (error) {
    return { url: apiUrl, reachable: false, reason: `cannot reach ${apiUrl}: ${describeError(error)}` };
  }
}
