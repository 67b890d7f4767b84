/** The ways a payload reaches `/track`: fetch (answer read) and sendBeacon (fire and forget). */
import type { TrackAnswer, TrackResponse } from "./options.js";

export function trackUrl(api: string): string {
  return `${api.replace(/\/+$/, "")}/track`;
}

/**
 * POSTs the payload as JSON, as Tracardi's tracker does (`x-timestamp`, no credentials), and resolves
 * to the Response with the parsed answer as `data` (null when the body is not JSON). `keepalive` lets
 * the request outlive the page.
 */
export async function post(api: string, payload: object, keepalive = false): Promise<TrackResponse> {
  const response = await fetch(trackUrl(api), {
    method: "POST",
    headers: { "Content-Type": "application/json", "x-timestamp": String(Date.now()) },
    body: JSON.stringify(payload),
    credentials: "omit",
    keepalive,
  });
  let data: TrackAnswer | null = null;
  try {
    data = (await response.json()) as TrackAnswer | null;
  } catch {
    // not JSON: data stays null
  }
  return Object.assign(response, { data });
}

/**
 * Sends the payload with `navigator.sendBeacon`, which the browser delivers even after the page is
 * gone. The body is text (`text/plain`, which `/track` takes): a JSON blob would need a CORS
 * preflight, which beacons cannot make. Falls back to a keepalive fetch when the browser refuses the
 * beacon (no support, or its queue is full).
 */
export function beacon(api: string, payload: object): void {
  const body = JSON.stringify(payload);
  if (typeof navigator.sendBeacon === "function" && navigator.sendBeacon(trackUrl(api), body)) return;
  post(api, payload, true).catch((error: unknown) => console.error(`[Tracardi] ${String(error)}`));
}
