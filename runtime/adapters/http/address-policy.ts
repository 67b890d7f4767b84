import { BlockList, isIP } from "node:net";
import { networkInterfaces } from "node:os";

/** Where outbound calls may not go unless TRACARDI_HTTP_ALLOW_PRIVATE=true: this host and its cluster. */
export interface AddressPolicy {
  /** Why a host name may not be called, or undefined (its addresses are checked after resolving). */
  hostProblem(hostname: string): string | undefined;
  /** Why an IP address may not be called, or undefined. */
  addressProblem(address: string): string | undefined;
}

interface Range {
  what: string;
  list: BlockList;
}

function range(what: string, subnets: [string, number, "ipv4" | "ipv6"][]): Range {
  const list = new BlockList();
  for (const [network, prefix, family] of subnets) list.addSubnet(network, prefix, family);
  return { what, list };
}

const RANGES: Range[] = [
  range("a loopback address", [
    ["127.0.0.0", 8, "ipv4"],
    ["::1", 128, "ipv6"],
  ]),
  range("a link-local address (e.g. cloud metadata)", [
    ["169.254.0.0", 16, "ipv4"],
    ["fe80::", 10, "ipv6"],
  ]),
  range("an unspecified address", [
    ["0.0.0.0", 8, "ipv4"],
    ["::", 128, "ipv6"],
  ]),
];

function cleanHost(hostname: string): string {
  return hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");
}

/** `::ffff:7f00:1` and `::ffff:127.0.0.1` → `127.0.0.1`; other addresses unchanged. */
function unmapped(ip: string): string {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (dotted) return dotted[1] as string;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(ip);
  if (!hex) return ip;
  const [high, low] = [Number.parseInt(hex[1] as string, 16), Number.parseInt(hex[2] as string, 16)];
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/**
 * The policy of this process: the ranges above, the addresses of its own network interfaces (its
 * private API listens there), and the Kubernetes API server and service names.
 */
export function addressPolicy(env: Record<string, string | undefined> = process.env): AddressPolicy {
  const apiServer = env.KUBERNETES_SERVICE_HOST ? cleanHost(env.KUBERNETES_SERVICE_HOST) : null;
  const own = new BlockList();
  for (const info of Object.values(networkInterfaces()).flat()) {
    if (info) own.addAddress(unmapped(cleanHost(info.address)), info.family === "IPv4" ? "ipv4" : "ipv6");
  }
  return {
    hostProblem(hostname) {
      const host = cleanHost(hostname);
      if (isIP(host)) return this.addressProblem(host);
      if (host === "localhost" || host.endsWith(".localhost")) return `${host} is this host (loopback)`;
      if (host === apiServer) return `${host} is the Kubernetes API server (KUBERNETES_SERVICE_HOST)`;
      if (host === "kubernetes.default" || host.startsWith("kubernetes.default."))
        return `${host} is the Kubernetes API server`;
      if (host.endsWith(".svc") || host.endsWith(".cluster.local"))
        return `${host} is a service of the cluster`;
      return undefined;
    },
    addressProblem(address) {
      const ip = unmapped(cleanHost(address));
      const family = isIP(ip);
      if (family === 0) return `${address} is not an IP address`;
      const type = family === 4 ? "ipv4" : "ipv6";
      const hit = RANGES.find((r) => r.list.check(ip, type));
      if (hit) return `${address} is ${hit.what}`;
      if (ip === apiServer) return `${address} is the Kubernetes API server (KUBERNETES_SERVICE_HOST)`;
      if (own.check(ip, type)) return `${address} is an address of this host`;
      return undefined;
    },
  };
}
