import WebSocket from "ws";

/**
 * Why the broker refused a WebSocket handshake. 404: nothing serves /ws — the broker's WebSocket
 * service is off, which is Pulsar's default outside standalone mode.
 */
export function refusal(status: number | undefined): string {
  if (status === 404)
    return "pulsar websocket API not found (HTTP 404): the broker's WebSocket service is off; set webSocketServiceEnabled=true in its broker.conf (standalone.conf for a standalone broker) and restart it";
  return `pulsar websocket refused: HTTP ${status ?? "?"}`;
}

/** Opens a WebSocket to a Pulsar endpoint; rejects (without logging the URL, which may hold a token). */
export function openSocket(url: string, timeoutMs: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    // No permessage-deflate: compressing each small JSON frame took 3.4 of the processing thread's 9.3
    // busy seconds while a stage re-published deferrals (a CPU profile of bench/destinations.ts).
    const socket = new WebSocket(url, { handshakeTimeout: timeoutMs, perMessageDeflate: false });
    const fail = (reason: string) => {
      socket.removeAllListeners();
      socket.on("error", () => {});
      socket.terminate();
      reject(new Error(reason));
    };
    socket.once("open", () => {
      socket.removeAllListeners();
      resolve(socket);
    });
    socket.once("unexpected-response", (_request, response) => fail(refusal(response.statusCode)));
    socket.once("error", (error) => fail(`pulsar websocket: ${error.message}`));
  });
}

/** The endpoint URL with query parameters (the token among them, as Pulsar's WebSocket API wants it). */
export function endpoint(
  base: string,
  path: string,
  query: Record<string, string | number | boolean | undefined>,
) {
  const url = new URL(`${base}/ws/v2/${path}`);
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  return url.toString();
}
