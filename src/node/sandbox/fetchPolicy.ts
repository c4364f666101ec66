/**
 * The policy a node's `fetch` capability applies BEFORE it opens any connection: only http(s), and the
 * host's every resolved address must be public unless the policy allows it explicitly. The caller must
 * then connect to one of the returned (checked) addresses, not resolve the name again (DNS rebinding).
 */
import { isIP } from "node:net";

import { DetailedError } from "../../errors";

/** Resolves a hostname to its IP addresses (inject `dns.promises.lookup` in the node, a table in tests). */
export type Resolver = (hostname: string) => Promise<readonly string[]>;

export interface FetchPolicy {
  readonly resolve: Resolver;
  /**
   * Exceptions to the address rules: an IP (`127.0.0.1`, `::1`), an `ip:port` (`127.0.0.1:8080`,
   * `[::1]:8080`), a hostname or a `hostname:port`.
   */
  readonly allow?: readonly string[];
}

export interface CheckedUrl {
  readonly url: URL;
  /** The port the request will use (explicit or the scheme's default). */
  readonly port: number;
  /** The resolved addresses, every one permitted by the policy. */
  readonly addresses: readonly string[];
}

/** Why the policy refused a URL. */
export type FetchRefusal = "InvalidUrl" | "UnsupportedProtocol" | "Unresolvable" | "ForbiddenAddress";

export class FetchPolicyError extends DetailedError {
  override name = "FetchPolicyError";
  readonly reason: FetchRefusal;
  readonly url: string;
  constructor(reason: FetchRefusal, url: string, message: string) {
    super(message);
    this.reason = reason;
    this.url = url;
  }
}

/** Checks `url` against `policy`; throws `FetchPolicyError` with the reason on refusal. */
export async function checkFetchUrl(url: string, policy: FetchPolicy): Promise<CheckedUrl> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FetchPolicyError("InvalidUrl", url, `fetch refused: not a URL: ${url}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new FetchPolicyError(
      "UnsupportedProtocol",
      url,
      `fetch refused: only http and https, not ${parsed.protocol}`,
    );
  }
  const port = parsed.port === "" ? (parsed.protocol === "https:" ? 443 : 80) : Number(parsed.port);
  const host = parsed.hostname.startsWith("[") ? parsed.hostname.slice(1, -1) : parsed.hostname;
  const allow = new Set((policy.allow ?? []).map((entry) => entry.toLowerCase()));
  const hostAllowed = allow.has(host.toLowerCase()) || allow.has(`${host.toLowerCase()}:${port}`);

  let addresses: readonly string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else {
    try {
      addresses = await policy.resolve(host);
    } catch (error) {
      throw new FetchPolicyError(
        "Unresolvable",
        url,
        `fetch refused: cannot resolve ${host}: ${String(error)}`,
      );
    }
    if (addresses.length === 0) {
      throw new FetchPolicyError("Unresolvable", url, `fetch refused: ${host} has no address`);
    }
  }
  for (const address of addresses) {
    if (hostAllowed || isAddressAllowed(address, port, allow)) continue;
    const range = forbiddenRange(address);
    if (range !== null) {
      throw new FetchPolicyError(
        "ForbiddenAddress",
        url,
        `fetch refused: ${host} resolves to ${address} (${range}), which the fetch policy does not allow`,
      );
    }
  }
  return { url: parsed, port, addresses };
}

function isAddressAllowed(address: string, port: number, allow: ReadonlySet<string>): boolean {
  const a = address.toLowerCase();
  return allow.has(a) || allow.has(`${a}:${port}`) || allow.has(`[${a}]:${port}`);
}

/** The name of the non-public range `address` falls in, or null for a public unicast address. */
export function forbiddenRange(address: string): string | null {
  const family = isIP(address);
  if (family === 4) return forbiddenV4(parseV4(address));
  if (family === 6) return forbiddenV6(parseV6(address));
  return "not an IP address";
}

function parseV4(address: string): number[] {
  return address.split(".").map(Number);
}

function forbiddenV4([a, b]: number[]): string | null {
  if (a === 0) return "unspecified (0.0.0.0/8)";
  if (a === 127) return "loopback (127.0.0.0/8)";
  if (a === 10) return "private (10.0.0.0/8)";
  if (a === 172 && b >= 16 && b <= 31) return "private (172.16.0.0/12)";
  if (a === 192 && b === 168) return "private (192.168.0.0/16)";
  if (a === 169 && b === 254) return "link-local (169.254.0.0/16)";
  if (a === 100 && b >= 64 && b <= 127) return "carrier-grade NAT (100.64.0.0/10)";
  if (a >= 224 && a <= 239) return "multicast (224.0.0.0/4)";
  if (a >= 240) return "reserved or broadcast (240.0.0.0/4)";
  return null;
}

/** Eight 16-bit groups of an IPv6 address (handles `::` and an embedded dotted IPv4 tail). */
function parseV6(address: string): number[] {
  let text = address.toLowerCase();
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    const [a, b, c, d] = parseV4(text.slice(lastColon + 1));
    tail.push((a << 8) | b, (c << 8) | d);
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith("::")) text = text.slice(0, -1);
  }
  const parts = text.split("::");
  const toGroups = (s: string): string[] => (s === "" ? [] : s.split(":"));
  const head = toGroups(parts[0]);
  const rest = parts.length > 1 ? toGroups(parts[1]) : [];
  const missing = 8 - tail.length - head.length - rest.length;
  const zeros = parts.length > 1 ? new Array<string>(missing).fill("0") : [];
  return [...head, ...zeros, ...rest].map((g) => parseInt(g, 16)).concat(tail);
}

function forbiddenV6(g: number[]): string | null {
  const allZeroUpTo = (n: number): boolean => g.slice(0, n).every((x) => x === 0);
  if (allZeroUpTo(8)) return "unspecified (::)";
  if (allZeroUpTo(7) && g[7] === 1) return "loopback (::1)";
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d): judge the embedded IPv4 address.
  if (allZeroUpTo(5) && (g[5] === 0xffff || g[5] === 0)) {
    const inner = forbiddenV4([g[6] >> 8, g[6] & 0xff, g[7] >> 8, g[7] & 0xff]);
    return inner === null ? null : `IPv4-mapped ${inner}`;
  }
  // NAT64 (64:ff9b::/96) embeds an IPv4 address too.
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) {
    const inner = forbiddenV4([g[6] >> 8, g[6] & 0xff, g[7] >> 8, g[7] & 0xff]);
    return inner === null ? null : `NAT64 ${inner}`;
  }
  if ((g[0] & 0xffc0) === 0xfe80) return "link-local (fe80::/10)";
  if ((g[0] & 0xffc0) === 0xfec0) return "site-local (fec0::/10)";
  if ((g[0] & 0xfe00) === 0xfc00) return "unique local (fc00::/7)";
  if ((g[0] & 0xff00) === 0xff00) return "multicast (ff00::/8)";
  return null;
}
