import { createServer, type Server } from "node:http";

/**
 * The only place the fuzzed runtime's webhooks and remote calls go: an HTTP server on 127.0.0.1
 * that answers by path (`/ok`, `/fail` 500, `/slow` after 2 s, `/hang` never, `/redirect` to `/ok`,
 * `/status/<code>`). Everything else is 200.
 */
export class Sink {
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<Sink> {
    const server = createServer((req, res) => {
      req.resume();
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      if (path.startsWith("/hang")) return; // never answers; the caller's timeout must end it
      if (path.startsWith("/slow")) {
        setTimeout(() => res.writeHead(200).end("{}"), 2000).unref();
        return;
      }
      if (path.startsWith("/redirect")) return res.writeHead(302, { location: "/ok" }).end();
      if (path.startsWith("/fail")) return res.writeHead(500).end();
      const status = /^\/status\/(\d{3})/.exec(path)?.[1];
      res.writeHead(status ? Number(status) : 200, { "content-type": "application/json" }).end('{"ok":true}');
    });
    server.keepAliveTimeout = 1000;
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    return new Sink(server, `http://127.0.0.1:${port}`);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((ok) => this.server.close(() => ok()));
  }
}
