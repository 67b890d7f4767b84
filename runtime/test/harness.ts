import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const CLI = resolve(import.meta.dirname, "../../dist/runtime/cli.js");
export const BROWSER_UA =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => ok(typeof address === "object" && address ? address.port : 0));
    });
  });
}

class PortTakenError extends Error {}

/**
 * The real runtime as a child process (`dist/runtime/cli.js standalone`) on free ports with its own
 * data directory. Integration tests talk to it over HTTP only.
 */
export class RuntimeProcess {
  readonly token = "test-admin-token";
  private child: ChildProcess | null = null;
  private output = "";
  private args: string[] = [];
  publicUrl = "";
  privateUrl = "";
  /** Health and metrics of a process that serves no API (a worker). */
  healthUrl = "";
  /** The console a standalone process serves. */
  guiUrl = "";

  private constructor(
    readonly dataDir: string,
    private readonly env: Record<string, string>,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<RuntimeProcess> {
    const runtime = RuntimeProcess.create(env);
    // A runtime that does not start leaves neither a process nor its data dir behind.
    await runtime.launch().catch(async (error: unknown) => {
      await runtime.stop();
      throw error;
    });
    return runtime;
  }

  /** A process not started yet: `launch` it with the command of a component (`api`, `worker`…). */
  static create(env: Record<string, string> = {}): RuntimeProcess {
    return new RuntimeProcess(mkdtempSync(join(tmpdir(), "tracardi-it-")), env);
  }

  /** Starts the CLI with `args`; `api --role public` serves only the public API, a worker only its health port. */
  async launch(args: string[] = ["standalone"], extraEnv: Record<string, string> = {}): Promise<void> {
    // A port found free can be taken before the child listens on it (another test's process, or an
    // outgoing connection's ephemeral port): then it is launched again on other ports.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.launchOnFreePorts(args, extraEnv);
      } catch (error) {
        if (attempt === 3 || !(error instanceof PortTakenError)) throw error;
      }
    }
  }

  private async launchOnFreePorts(args: string[], extraEnv: Record<string, string>): Promise<void> {
    const [publicPort, privatePort, healthPort, guiPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    this.publicUrl = `http://127.0.0.1:${publicPort}`;
    this.privateUrl = `http://127.0.0.1:${privatePort}`;
    this.healthUrl = `http://127.0.0.1:${healthPort}`;
    this.guiUrl = `http://127.0.0.1:${guiPort}`;
    this.output = "";
    this.args = args;
    const child = spawn(process.execPath, [CLI, ...args], {
      env: {
        ...process.env,
        TRACARDI_HOST: "127.0.0.1",
        TRACARDI_PUBLIC_PORT: String(publicPort),
        TRACARDI_PRIVATE_PORT: String(privatePort),
        TRACARDI_HEALTH_PORT: String(healthPort),
        TRACARDI_GUI_PORT: String(guiPort),
        TRACARDI_DATA_DIR: this.dataDir,
        TRACARDI_ADMIN_TOKEN: this.token,
        ...this.env,
        ...extraEnv,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    child.stdout?.on("data", (chunk: Buffer) => {
      this.output += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      this.output += chunk.toString();
    });
    // Generous: a loaded 2-core machine (Pulsar, OpenSearch and a build beside the tests) starts slowly.
    const deadline = Date.now() + 45_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        const Failure = this.output.includes("EADDRINUSE") ? PortTakenError : Error;
        throw new Failure(`runtime exited with ${child.exitCode}:\n${this.output}`);
      }
      try {
        const urls =
          args[0] === "worker"
            ? [this.healthUrl]
            : args[0] === "api"
              ? [args.includes("private") ? this.privateUrl : this.publicUrl]
              : [this.publicUrl, this.privateUrl];
        const answers = await Promise.all(urls.map((url) => fetch(`${url}/healthz`)));
        // The banner comes once every stage runs (the processing thread opens its backends later).
        if (answers.every((a) => a.ok) && this.output.includes("Tracardi runtime (")) return;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    throw new Error(`runtime did not become ready:\n${this.output}`);
  }

  /** The arguments it was last launched with. */
  get command(): string {
    return this.args.join(" ");
  }

  get logs(): string {
    return this.output;
  }

  /** Kills the process (SIGKILL by default: no chance to flush anything). */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((ok) => child.once("exit", ok));
    child.kill(signal);
    await exited;
  }

  async stop(): Promise<void> {
    await this.kill("SIGTERM");
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  async track<T = TrackBody>(
    payload: unknown,
    init: { headers?: Record<string, string>; query?: string } = {},
  ) {
    return request<T>(`${this.publicUrl}/track${init.query ?? ""}`, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": BROWSER_UA, ...init.headers },
      body: typeof payload === "string" ? payload : JSON.stringify(payload),
    });
  }

  async admin<T = unknown>(method: string, path: string, body?: unknown, token: string | null = this.token) {
    const headers: Record<string, string> = {};
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    return request<T>(`${this.privateUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async createSource(id: string, extra: Record<string, unknown> = {}): Promise<void> {
    const result = await this.admin("POST", "/api/v1/event-sources", {
      id,
      name: id,
      type: "rest",
      ...extra,
    });
    if (result.status !== 201) throw new Error(`source not created: ${JSON.stringify(result.body)}`);
  }

  /** Polls the private API until every queued message has been processed and stored. */
  async drained(timeoutMs = 20_000): Promise<void> {
    await eventually(async () => {
      const status = await this.admin<{
        queue: { backlog: Record<string, number> };
        pendingStateDocuments: number;
      }>("GET", "/api/v1/status");
      const waiting = Object.values(status.body.queue.backlog).reduce((a, b) => a + b, 0);
      if (waiting !== 0 || status.body.pendingStateDocuments !== 0)
        throw new Error(`${waiting} messages waiting`);
    }, timeoutMs);
  }

  async profile(id: string) {
    return this.admin<Record<string, unknown> & { id: string }>("GET", `/api/v1/profiles/${id}`);
  }

  async events(query: string) {
    return this.admin<{ total: number; items: StoredEvent[] }>("GET", `/api/v1/events?${query}`);
  }
}

export interface TrackBody {
  task: string;
  profile: { id: string } | null;
  session: { id: string };
  ux: unknown[];
  response: Record<string, unknown>;
  errors: unknown[];
  warnings: unknown[];
}

export interface StoredEvent {
  id: string;
  type: string;
  source: { id: string };
  profile: { id: string } | null;
  session: { id: string } | null;
  metadata: { valid: boolean; messages: string[] };
  properties: Record<string, unknown>;
  [key: string]: unknown;
}

export async function request<T>(url: string, init: RequestInit): Promise<HttpResult<T>> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === "" ? null : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: body as T };
}

export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((ok) => setTimeout(ok, ms));
}
