// Which `Host` headers the server answers: the address it is bound to, so a page on another site that
// points a domain at this address (DNS rebinding) is refused before anything else runs.
import { isIP } from "node:net";
import { hostname, networkInterfaces } from "node:os";

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];
const WILDCARDS = new Set(["0.0.0.0", "::", "[::]"]);

/** True for an address only this machine can reach. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  return bare === "localhost" || bare === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/** A host as it appears in a URL or a Host header: IPv6 in brackets, lower case. */
export function urlHost(host: string): string {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  return isIP(bare) === 6 ? `[${bare}]` : bare;
}

/** The machine's own names and addresses, for a server bound to every interface. */
function machineHosts(): string[] {
  const addresses = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
  return [hostname(), ...addresses].map(urlHost);
}

/**
 * The URL that reaches a server bound to `boundHost` from this machine: its own address, or for a
 * wildcard the loopback address of the same family (no client may name a wildcard as its Host).
 */
export function serverUrl(boundHost: string, port: number): string {
  const host = urlHost(boundHost);
  const reachable = host === "[::]" ? "[::1]" : host === "0.0.0.0" ? "127.0.0.1" : host;
  return `http://${reachable}:${port}/`;
}

/**
 * The `host:port` values a request may name: the bound host, plus the loopback names when bound to
 * loopback, plus every address of the machine when bound to all interfaces.
 */
export function allowedHosts(boundHost: string, port: number): Set<string> {
  const host = urlHost(boundHost);
  const names = WILDCARDS.has(host)
    ? [...LOOPBACK_NAMES, ...machineHosts()]
    : isLoopback(host)
      ? [host, ...LOOPBACK_NAMES]
      : [host];
  return new Set(names.map((name) => `${name}:${port}`));
}
