/**
 * The one rule for how Pulsar is addressed, checked at both ends: by the runtime when it reads
 * TRACARDI_PULSAR_URL / TRACARDI_PULSAR_WEB_URL, and by the operator (the CRD's patterns and CEL rule
 * are generated from the expressions here, and reconcile checks specs stored before they existed).
 *
 * - The service URL is the broker's binary-protocol URL, `pulsar://host[:port]` or
 *   `pulsar+ssl://host[:port]`, with no credentials and no path (Tracardi's PULSAR_HOST form).
 * - The web URL (admin REST and WebSocket APIs), when given, is `http(s)://host[:port][/path]`.
 * - Without a web URL the service URL must use a default port (6650, 6651): the web URL is then
 *   derived (`:8080`, `:8443`); on any other port nobody could guess it.
 */

const HOST = "(\\[[0-9A-Fa-f:.]+\\]|[^@/?#:\\[\\]]+)";

/** Regular expression (ECMAScript and RE2 alike) a service URL must match. */
export const PULSAR_SERVICE_URL_PATTERN = `^pulsar(\\+ssl)?://${HOST}(:[0-9]{1,5})?/?$`;
/** A service URL whose web URL can be derived: no port, or a default one. */
export const PULSAR_DERIVABLE_URL_PATTERN = `^pulsar(\\+ssl)?://${HOST}(:(6650|6651))?/?$`;
/** Regular expression a web URL must match. */
export const PULSAR_WEB_URL_PATTERN = `^https?://${HOST}(:[0-9]{1,5})?(/[^?#@]*)?$`;

const WEB_PORTS: Record<string, string> = { "6650": "8080", "6651": "8443" };

export interface PulsarAddress {
  url: string;
  webUrl?: string | null;
}

/** Names of the two settings where they are checked, for messages. */
export interface PulsarAddressNames {
  url: string;
  webUrl: string;
}

/** What is wrong with a Pulsar address, or null when the runtime can use it. */
export function pulsarAddressProblem(address: PulsarAddress, names: PulsarAddressNames): string | null {
  const { url, webUrl } = address;
  if (!new RegExp(PULSAR_SERVICE_URL_PATTERN).test(url)) {
    const hint = /^(https?|wss?):\/\//.test(url)
      ? `; ${url.split(":")[0]}:// is the broker's web address: give it as ${names.webUrl} and the broker's pulsar:// URL as ${names.url}`
      : "";
    return `${names.url} must be pulsar://host:6650 or pulsar+ssl://host:6651 (the broker's service URL, no credentials or path), got "${url}"${hint}`;
  }
  if (webUrl !== undefined && webUrl !== null) {
    if (!new RegExp(PULSAR_WEB_URL_PATTERN).test(webUrl))
      return `${names.webUrl} must be http://host:8080 or https://host:8443 (the broker's web service), got "${webUrl}"`;
    return null;
  }
  if (!new RegExp(PULSAR_DERIVABLE_URL_PATTERN).test(url))
    return `${names.url} "${url}" is not on Pulsar's default port 6650 or 6651, so its web address (admin and WebSocket APIs) cannot be derived: set ${names.webUrl}`;
  return null;
}

/**
 * The web URL of a broker given by its service URL on a default port:
 * `pulsar://host:6650` → `http://host:8080`, `pulsar+ssl://host:6651` → `https://host:8443`.
 */
export function derivedWebUrl(serviceUrl: string): string {
  const url = new URL(serviceUrl);
  const tls = url.protocol === "pulsar+ssl:";
  if (!tls && url.protocol !== "pulsar:") throw new Error(`not a pulsar:// URL: ${url.protocol}`);
  const port = url.port || (tls ? "6651" : "6650");
  const webPort = WEB_PORTS[port];
  if (!webPort) throw new Error(`cannot derive the web URL from port ${port}; configure it explicitly`);
  return `${tls ? "https" : "http"}://${url.hostname}:${webPort}`;
}
