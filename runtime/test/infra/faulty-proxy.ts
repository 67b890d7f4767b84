import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy in front of a real server that can refuse connections (a server that is down) or hold
 * every byte both ways (a server or network that hangs): real network faults without touching the
 * shared server.
 */
export class FaultyProxy {
  private server: Server | null = null;
  private readonly pairs = new Set<{ client: Socket; upstream: Socket | null; held: Buffer[][] }>();
  private hanging = false;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((ok, fail) => {
      server.once("error", fail);
      server.listen(this.port, "127.0.0.1", () => ok());
    });
    const address = server.address();
    this.port = typeof address === "object" && address ? address.port : 0;
    this.server = server;
  }

  /** Connections are refused and open ones reset, as when the server is down. */
  async refuse(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream?.destroy();
    }
    this.pairs.clear();
    await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
  }

  /** Connections are accepted, and nothing is forwarded either way until `resume`. */
  hang(): void {
    this.hanging = true;
  }

  resume(): void {
    this.hanging = false;
    for (const pair of this.pairs) {
      if (pair.upstream === null) pair.upstream = this.connectUpstream(pair);
      const [toServer, toClient] = pair.held;
      for (const chunk of toServer?.splice(0) ?? []) pair.upstream.write(chunk);
      for (const chunk of toClient?.splice(0) ?? []) pair.client.write(chunk);
    }
  }

  async close(): Promise<void> {
    await this.refuse();
  }

  private accept(client: Socket): void {
    const pair = { client, upstream: null as Socket | null, held: [[], []] as Buffer[][] };
    this.pairs.add(pair);
    client.on("error", () => {});
    client.on("close", () => {
      pair.upstream?.destroy();
      this.pairs.delete(pair);
    });
    client.on("data", (chunk: Buffer) => {
      if (this.hanging || pair.upstream === null) pair.held[0]?.push(chunk);
      else pair.upstream.write(chunk);
    });
    if (!this.hanging) pair.upstream = this.connectUpstream(pair);
  }

  private connectUpstream(pair: { client: Socket; held: Buffer[][] }): Socket {
    const upstream = connect(this.targetPort, this.targetHost);
    upstream.on("error", () => pair.client.destroy());
    upstream.on("close", () => pair.client.destroy());
    upstream.on("data", (chunk: Buffer) => {
      if (this.hanging) pair.held[1]?.push(chunk);
      else pair.client.write(chunk);
    });
    return upstream;
  }
}
