import { createServer, type Server } from "node:http";

/** A webhook receiver: `/broken` refuses every delivery with 400, `/hook` takes it (200). */
export class WebhookReceiver {
  readonly received: { path: string; body: unknown }[] = [];
  private server: Server | null = null;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      let text = "";
      request.on("data", (chunk: Buffer) => {
        text += chunk.toString();
      });
      request.on("end", () => {
        const path = request.url ?? "";
        this.received.push({ path, body: text === "" ? null : JSON.parse(text) });
        response.writeHead(path.startsWith("/broken") ? 400 : 200, { "content-type": "application/json" });
        response.end(path.startsWith("/broken") ? '{"error":"bad request"}' : '{"ok":true}');
      });
    });
    await new Promise<void>((ok) => this.server?.listen(0, "127.0.0.1", ok));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  }

  deliveredTo(path: string): number {
    return this.received.filter((r) => r.path === path).length;
  }

  async stop(): Promise<void> {
    await new Promise((ok) => this.server?.close(ok));
  }
}
