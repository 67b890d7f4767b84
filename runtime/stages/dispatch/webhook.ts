import type { Resource, WebhookSettings } from "../../domain/destination.js";
import type { Json } from "../../domain/types.js";
import { errorMessage } from "../../error-message.js";
import { type HttpClient, RefusedRequestError } from "../../ports/http.js";

/** `status` on a failure: the receiver answered with it (none: a timeout, a refused connection, …). */
export type DeliveryResult =
  | { ok: true; status: number }
  | { ok: false; permanent: boolean; reason: string; status?: number };

/** Without a client (the runtime passes its guarded one) nothing is sent. */
const noClient: HttpClient = async () => {
  throw new RefusedRequestError("no HTTP client is configured for webhooks");
};

/**
 * The HTTP webhook dispatcher (Tracardi's HTTP destination): JSON body for non-GET methods, the body
 * flattened into the query string for GET, basic auth from the resource, a timeout. A 4xx other than
 * 408/429 is permanent (retrying cannot help), and so is a request the client refuses (an address
 * inside, a redirect to another origin); network errors, timeouts and 5xx are worth a retry.
 */
export async function deliverWebhook(
  resource: Resource,
  settings: WebhookSettings,
  body: Json,
  shutdown?: AbortSignal,
  http: HttpClient = noClient,
): Promise<DeliveryResult> {
  const url = new URL(resource.credentials.url);
  const headers: Record<string, string> = { ...settings.headers };
  if (resource.credentials.username !== undefined) {
    const basic = Buffer.from(
      `${resource.credentials.username}:${resource.credentials.password ?? ""}`,
    ).toString("base64");
    headers.authorization = `Basic ${basic}`;
  }
  let payload: string | undefined;
  if (settings.method === "GET") {
    for (const [key, value] of flatten(body)) url.searchParams.append(key, value);
  } else {
    if (!Object.keys(headers).some((name) => name.toLowerCase() === "content-type"))
      headers["content-type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const where = `${url.origin}${url.pathname}`;
  try {
    const response = await http({
      method: settings.method,
      url: url.href,
      headers,
      ...(payload === undefined ? {} : { body: payload }),
      timeoutMs: settings.timeout_ms,
      ...(shutdown ? { signal: shutdown } : {}),
    });
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
    const permanent =
      response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
    return { ok: false, permanent, reason: `${where} answered ${response.status}`, status: response.status };
  } catch (error) {
    const reason = errorMessage(error);
    return { ok: false, permanent: error instanceof RefusedRequestError, reason: `${where}: ${reason}` };
  }
}

/** `{a: {b: 1}, c: true, d: null}` → `a.b=1`, `c=1` (Tracardi drops nulls and sends booleans as 1/0). */
function flatten(value: Json, prefix = ""): [string, string][] {
  if (value === null) return [];
  if (typeof value === "boolean") return [[prefix, value ? "1" : "0"]];
  if (typeof value !== "object") return [[prefix, String(value)]];
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  return entries.flatMap(([key, v]) => flatten(v, prefix === "" ? key : `${prefix}.${key}`));
}
