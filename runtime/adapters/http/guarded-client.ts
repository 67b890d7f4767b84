import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { Agent, type Dispatcher } from "undici";
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
 * The one outbound HTTP client (undici: a pool of kept-alive connections per origin, so a hanging
 * receiver holds only its own connections). Unless private addresses are
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
  const dispatcher = new Agent(lookup ? { connect: { lookup } } : {});

  const watch = new SignalWatch();

  return async (request) => {
    let current: Hop = { ...request, url: parseUrl(request.url) };
    // A plain timer and no AbortController: at thousands of requests a second the signals and their
    // listeners were a tenth of the client's CPU, mostly garbage.
    const call = new Call();
    const timer = setTimeout(
      () => call.stop(new HttpTimeoutError(`timed out after ${request.timeoutMs} ms`)),
      request.timeoutMs,
    );
    timer.unref();
    const signal = request.signal;
    if (signal?.aborted) call.stop(signal.reason);
    else if (signal) watch.add(signal, call);
    try {
      for (let redirects = 0; ; redirects++) {
        if (policy) refuseHost(policy, current.url);
        const response = await call.send(current, dispatcher, maxBytes);
        const location = response.headers.location;
        if (!REDIRECTS.has(response.status) || location === undefined) return response;
        if (redirects >= maxRedirects) throw new RefusedRequestError(`more than ${maxRedirects} redirects`);
        current = redirected(current, response.status, location);
      }
    } catch (error) {
      throw call.stopped ?? error;
    } finally {
      clearTimeout(timer);
      if (signal) watch.delete(signal, call);
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

/**
 * One call, its redirects included: stopping it (a timeout, the caller's signal) aborts the exchange
 * in flight, or the next one as soon as the pool starts it.
 */
class Call {
  stopped: unknown = null;
  private exchange: Exchange | null = null;

  stop(reason: unknown): void {
    if (this.stopped !== null) return;
    this.stopped = reason;
    this.exchange?.stop(reason);
  }

  send(hop: Hop, dispatcher: Dispatcher, maxBytes: number): Promise<HttpResponse> {
    if (this.stopped !== null) return Promise.reject(this.stopped);
    return new Promise((resolve, reject) => {
      const exchange = new Exchange(maxBytes, resolve, reject);
      this.exchange = exchange;
      const url = hop.url;
      dispatcher.dispatch(
        {
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: hop.method,
          headers: url.username === "" ? hop.headers : { authorization: basicAuth(url), ...hop.headers },
          body: hop.body ?? null,
        },
        exchange,
      );
    });
  }
}

/** One request and its answer, read into memory up to `maxBytes` (undici's handler API: no streams). */
class Exchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  private stopped: unknown = null;
  private status = 0;
  private headers: Record<string, string | string[] | undefined> = {};
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly resolve: (response: HttpResponse) => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  stop(reason: unknown): void {
    this.stopped = reason;
    this.controller?.abort(reason as Error);
    // Still waiting in the pool for a connection: it is aborted when it starts (onRequestStart).
    this.reject(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.stopped !== null) controller.abort(this.stopped as Error);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    status: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.status = status;
    this.headers = headers;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes)
      controller.abort(new Error(`the answer is larger than ${this.maxBytes} bytes`));
    else this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    const body = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    this.resolve({ status: this.status, headers: headersOf(this.headers), body: body.toString("utf8") });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.reject(error);
  }
}

/**
 * Stops the calls whose signal aborts, with one listener per signal however many calls share it
 * (the process's shutdown signal is on every call in flight).
 */
class SignalWatch {
  private readonly watched = new Map<AbortSignal, { calls: Set<Call>; stopAll: () => void }>();

  add(signal: AbortSignal, call: Call): void {
    let entry = this.watched.get(signal);
    if (!entry) {
      const calls = new Set<Call>();
      const stopAll = () => {
        for (const c of calls) c.stop(signal.reason);
      };
      entry = { calls, stopAll };
      this.watched.set(signal, entry);
      signal.addEventListener("abort", stopAll, { once: true });
    }
    entry.calls.add(call);
  }

  delete(signal: AbortSignal, call: Call): void {
    const entry = this.watched.get(signal);
    if (!entry) return;
    entry.calls.delete(call);
    if (entry.calls.size > 0) return;
    // No call of it in flight: forgotten, so a signal of one call is not kept.
    this.watched.delete(signal);
    signal.removeEventListener("abort", entry.stopAll);
  }
}

/** Credentials in the URL (`http://user:pass@host/`) as node:http sends them, unless the caller set its own. */
function basicAuth(url: URL): string {
  const user = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return `Basic ${Buffer.from(user).toString("base64")}`;
}

function headersOf(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}
