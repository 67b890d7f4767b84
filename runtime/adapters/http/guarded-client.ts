import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { setMaxListeners } from "node:events";
import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type RequestOptions,
} from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import {
  type HttpClient,
  type HttpRequest,
  type HttpResponse,
  HttpTimeoutError,
  RefusedRequestError,
} from "../../ports/http.js";
import { type AddressPolicy, addressPolicy } from "./address-policy.js";

export interface GuardOptions {
  /** TRACARDI_HTTP_ALLOW_PRIVATE: call loopback, link-local and cluster addresses too. */
  allowPrivate: boolean;
  policy?: AddressPolicy;
  /** Same-origin redirects followed at most (a redirect to another origin is never followed). */
  maxRedirects?: number;
  /** Larger answers fail the call. */
  maxResponseBytes?: number;
  /** Name resolution (node:dns `lookup`); tests give their own. */
  resolve?: Resolve;
}

/** Resolves a name to all of its addresses. */
export type Resolve = (
  hostname: string,
  options: { family: number; hints?: number; all: true },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * The one outbound HTTP client (node:http, no extra dependency). Unless private addresses are
 * allowed it refuses, before connecting, hosts and addresses the policy names; host names are
 * resolved as absolute names (no search domains, which in a pod reach cluster services) and the
 * connection goes to the address that was checked, so a DNS answer that changes between the check
 * and the connection (rebinding) cannot get past it. Redirects are followed only within the same
 * origin (scheme, host, port): a request's headers, credentials included, never leave the origin
 * they were configured for.
 */
export function guardedHttp(options: GuardOptions): HttpClient {
  const policy = options.allowPrivate ? null : (options.policy ?? addressPolicy());
  const maxRedirects = options.maxRedirects ?? 5;
  const maxBytes = options.maxResponseBytes ?? 1024 * 1024;
  const lookup = policy ? checkedLookup(policy, options.resolve ?? (dnsLookup as Resolve)) : undefined;
  // Own connection pools: a kept-alive socket another client opened (unchecked) is never reused here.
  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

  return async (request) => {
    let current: Hop = { ...request, url: parseUrl(request.url) };
    // One controller and a plain timer, not AbortSignal.timeout + AbortSignal.any: at thousands of
    // requests a second those two were a tenth of the client's CPU, mostly garbage.
    const controller = new AbortController();
    const signal = controller.signal;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, request.timeoutMs);
    timer.unref();
    const stop = () => controller.abort(request.signal?.reason);
    if (request.signal?.aborted) stop();
    else if (request.signal) {
      // One listener per request in flight on a shared signal (the process's shutdown), each removed
      // when its request ends: many at once is no leak.
      setMaxListeners(0, request.signal);
      request.signal.addEventListener("abort", stop, { once: true });
    }
    try {
      for (let redirects = 0; ; redirects++) {
        if (policy) refuseHost(policy, current.url);
        const response = await send(current, { lookup, agents, signal, maxBytes });
        const location = response.headers.location;
        if (!REDIRECTS.has(response.status) || location === undefined) return response;
        if (redirects >= maxRedirects) throw new RefusedRequestError(`more than ${maxRedirects} redirects`);
        current = redirected(current, response.status, location);
      }
    } catch (error) {
      if (timedOut) throw new HttpTimeoutError(`timed out after ${request.timeoutMs} ms`);
      if (request.signal?.aborted) throw request.signal.reason;
      throw error;
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener("abort", stop);
    }
  };
}

type Hop = Omit<HttpRequest, "url"> & { url: URL };

function parseUrl(text: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw new RefusedRequestError(`not a URL: ${text}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new RefusedRequestError(`not an http(s) URL: ${url.protocol}//${url.host}`);
  return url;
}

function refuseHost(policy: AddressPolicy, url: URL): void {
  const problem = policy.hostProblem(url.hostname);
  if (problem)
    throw new RefusedRequestError(`refused ${url.origin}: ${problem} (TRACARDI_HTTP_ALLOW_PRIVATE)`);
}

/** Resolves absolute names only and refuses the answer if any of its addresses is not allowed. */
function checkedLookup(policy: AddressPolicy, resolve: Resolve): LookupFunction {
  return (hostname, options, callback) => {
    const absolute = isIP(hostname) || hostname.endsWith(".") ? hostname : `${hostname}.`;
    const family = typeof options.family === "number" ? options.family : 0;
    resolve(absolute, { family, hints: options.hints, all: true }, (error, addresses) => {
      if (error) return callback(error, "", 0);
      for (const { address } of addresses) {
        const problem = policy.addressProblem(address);
        if (problem) {
          const refused = new RefusedRequestError(
            `refused ${hostname}: it resolves to ${problem} (TRACARDI_HTTP_ALLOW_PRIVATE)`,
          );
          return callback(refused as NodeJS.ErrnoException, "", 0);
        }
      }
      if (options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
}

/** The next hop of a redirect: same origin only; 303 (and 301/302 after POST) become a GET without body. */
function redirected(hop: Hop, status: number, location: string): Hop {
  const url = parseUrl(location, hop.url);
  if (url.origin !== hop.url.origin) {
    throw new RefusedRequestError(
      `redirect from ${hop.url.origin} to another origin (${url.origin}) is not followed`,
    );
  }
  const toGet = status === 303 || ((status === 301 || status === 302) && hop.method === "POST");
  if (!toGet) return { ...hop, url };
  const headers = Object.fromEntries(
    Object.entries(hop.headers).filter(([name]) => !/^content-(type|length)$/i.test(name)),
  );
  const { body: _dropped, ...rest } = hop;
  return { ...rest, method: "GET", headers, url };
}

interface SendOptions {
  lookup: LookupFunction | undefined;
  agents: { http: HttpAgent; https: HttpsAgent };
  signal: AbortSignal;
  maxBytes: number;
}

function send(hop: Hop, { lookup, agents, signal, maxBytes }: SendOptions): Promise<HttpResponse> {
  const https = hop.url.protocol === "https:";
  const options: RequestOptions = {
    method: hop.method,
    headers:
      hop.body === undefined
        ? hop.headers
        : { ...hop.headers, "content-length": Buffer.byteLength(hop.body) },
    signal,
    agent: https ? agents.https : agents.http,
    ...(lookup ? { lookup } : {}),
  };
  const request = https ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(hop.url, options, (res) => {
      readBody(res, maxBytes).then(
        (body) => resolve({ status: res.statusCode ?? 0, headers: headersOf(res), body }),
        reject,
      );
    });
    req.on("error", reject);
    req.end(hop.body);
  });
}

function readBody(res: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        res.destroy(new Error(`the answer is larger than ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    res.on("error", reject);
    res.on("close", () => {
      if (!res.complete) reject(new Error("the connection closed before the answer ended"));
    });
  });
}

function headersOf(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}
