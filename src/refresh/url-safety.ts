/**
 * Which upstream URLs tagfeed may fetch (server-side request forgery defence). Pure. No I/O.
 *
 * `checkSourceUrl(raw, {allowPrivate})` → Result<URL, UrlRefusal>. Checked when a source is added
 * and again before every fetch and every redirect hop (refresh/fetch-upstream.ts).
 * - only `http:` and `https:`; no user name or password in the URL; at most 2048 characters;
 * - unless `allowPrivate` (ALLOW_PRIVATE_SOURCES=true, local testing only): the host must not be
 *   - an IPv4 address in a special-purpose block (RFC 6890 and its updates): 0/8 "this network",
 *     10/8, 172.16/12, 192.168/16 private (RFC 1918), 100.64/10 shared/CGNAT (RFC 6598),
 *     127/8 loopback, 169.254/16 link-local (with the cloud metadata address 169.254.169.254),
 *     192.0.0/24 protocol assignments, 192.0.2/24, 198.51.100/24, 203.0.113/24 documentation,
 *     198.18/15 benchmarking, 224/4 multicast, 240/4 reserved and 255.255.255.255 broadcast;
 *   - an IPv6 address that is unspecified (::), loopback (::1), unique-local fc00::/7,
 *     link-local fe80::/10, site-local fec0::/10, multicast ff00::/8, documentation 2001:db8::/32,
 *     and 3fff::/20, discard 100::/64, Teredo 2001::/32 and the other IETF blocks of 2001::/23
 *     (but AMT and AS112 anycast), segment routing 5f00::/16, or that embeds an IPv4 address (IPv4-mapped ::ffff:0:0/96,
 *     IPv4-compatible ::/96, NAT64 64:ff9b::/96, 6to4 2002::/16) — the embedded address is checked
 *     as IPv4;
 *   - a local name: `localhost` and `*.localhost` (RFC 6761), `*.local` (mDNS), `*.internal`
 *     (cloud-internal, e.g. metadata.google.internal), `*.localdomain`, `*.home.arpa` (RFC 8375),
 *     or a single-label name (`intranet`, `metadata`), which resolves through local search domains.
 *
 * Numeric notations: the WHATWG URL parser (which `new URL` implements, in Node and workerd)
 * already rewrites every IPv4 spelling of a special-scheme host to dotted decimal — `2130706433`,
 * `0x7f.1`, `0177.0.0.1`, `127.1`, `%31%32%37.0.0.1`, full-width digits — and IPv6 to its
 * compressed form (`[::ffff:127.0.0.1]` → `[::ffff:7f00:1]`). The checks below still parse the
 * host themselves (ipaddr.js: inet_aton rules for IPv4, full RFC 4291 text for IPv6), so they do
 * not depend on that normalization having happened. The special-purpose ranges are ipaddr.js's
 * (kept current with the IANA registries by its maintainers); only the local-name rules and the
 * handling of forms that embed an IPv4 address are ours.
 *
 * What cannot be checked here: a public name whose DNS answer is a private address (DNS
 * rebinding, `127.0.0.1.nip.io`). A Worker has no DNS API; it does not need one, because
 * Cloudflare's egress fetches from the public internet and cannot reach the operator's private
 * networks or a metadata service. The checks matter where the same code runs elsewhere (local
 * `wrangler dev`, other runtimes) and as defence in depth.
 */
import ipaddr from "ipaddr.js";
import { type Result, err, ok } from "../domain/result";

export type UrlRefusalReason = "invalid" | "scheme" | "credentials" | "too_long" | "private_address" | "local_name";

export interface UrlRefusal {
  reason: UrlRefusalReason;
  /** Human-readable; safe to show (it quotes only the host). */
  message: string;
}

export interface UrlSafetyOptions {
  /** ALLOW_PRIVATE_SOURCES=true: skip the address and name checks (scheme and credentials still apply). */
  allowPrivate: boolean;
}

export const MAX_SOURCE_URL_LENGTH = 2048;

export function checkSourceUrl(raw: string, options: UrlSafetyOptions): Result<URL, UrlRefusal> {
  if (raw.length > MAX_SOURCE_URL_LENGTH) {
    return err({ reason: "too_long", message: `must be at most ${MAX_SOURCE_URL_LENGTH} characters` });
  }
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return err({ reason: "invalid", message: "must be an absolute http(s) URL" });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return err({ reason: "scheme", message: "must use http or https" });
  }
  if (url.username !== "" || url.password !== "") {
    return err({ reason: "credentials", message: "must not contain a user name or password" });
  }
  if (url.href.length > MAX_SOURCE_URL_LENGTH) {
    return err({ reason: "too_long", message: `must be at most ${MAX_SOURCE_URL_LENGTH} characters` });
  }
  if (options.allowPrivate) return ok(url);
  const refusal = checkHost(url.hostname);
  return refusal === undefined ? ok(url) : err(refusal);
}

/** Why a URL host (as `URL.hostname` spells it) is not a public destination, or undefined. */
export function checkHost(hostname: string): UrlRefusal | undefined {
  const host = hostname.toLowerCase().replace(/\.+$/, "");
  if (host === "") return { reason: "invalid", message: "must name a host" };
  if (host.startsWith("[") && host.endsWith("]")) {
    const bytes = parseIpv6(host.slice(1, -1));
    if (bytes === undefined) return { reason: "invalid", message: `host ${hostname} is not a valid IPv6 address` };
    const why = ipv6Special(bytes);
    return why === undefined ? undefined : privateAddress(hostname, why);
  }
  const v4 = parseIpv4(host);
  if (v4 !== undefined) {
    const why = ipv4Special(v4);
    return why === undefined ? undefined : privateAddress(hostname, why);
  }
  if (looksNumeric(host)) return { reason: "invalid", message: `host ${hostname} is not a valid address` };
  const why = localName(host);
  return why === undefined ? undefined : { reason: "local_name", message: `host ${hostname} is ${why}; only public hosts can be sources` };
}

const privateAddress = (hostname: string, why: string): UrlRefusal => ({
  reason: "private_address",
  message: `host ${hostname} is ${why}; only public addresses can be sources`,
});

/**
 * ipaddr.js range names (its tables follow the IANA special-purpose registries, RFC 6890 and
 * updates) and what each is, for the message. Every range it names is refused except the few
 * that are globally reachable unicast (AS112 and AMT anycast), which it reports apart.
 * The forms that embed an IPv4 address are checked through the embedded one (`viaIpv4` below).
 */
const IPV4_RANGES: Readonly<Record<string, string>> = {
  unspecified: "a \"this network\" address (0.0.0.0/8)",
  broadcast: "the broadcast address",
  multicast: "a multicast address (224.0.0.0/4)",
  linkLocal: "a link-local or cloud metadata address (169.254.0.0/16)",
  loopback: "a loopback address (127.0.0.0/8)",
  carrierGradeNat: "a shared (CGNAT) address (100.64.0.0/10)",
  private: "a private address (RFC 1918)",
  reserved: "a reserved, documentation or benchmarking address",
};
const IPV4_PUBLIC_RANGES = new Set(["unicast", "as112", "amt"]);

const IPV6_RANGES: Readonly<Record<string, string>> = {
  unspecified: "the unspecified address (::)",
  loopback: "the loopback address (::1)",
  linkLocal: "a link-local address (fe80::/10)",
  multicast: "a multicast address (ff00::/8)",
  uniqueLocal: "a unique-local address (fc00::/7)",
  deprecatedSiteLocal: "a site-local address (fec0::/10)",
  discard: "a discard-only address (100::/64)",
  // Teredo hides the client's IPv4 address (XOR-ed) in the last bits: refuse the whole block.
  teredo: "a Teredo address (2001::/32)",
  benchmarking: "a benchmarking address (2001:2::/48)",
  reserved: "a reserved or documentation address",
};
const IPV6_PUBLIC_RANGES = new Set(["unicast", "amt", "as112v6"]);

/** 32-bit IPv4 address of four octets. */
const ipv4Number = (o: readonly number[]): number => (((o[0] ?? 0) << 24) | ((o[1] ?? 0) << 16) | ((o[2] ?? 0) << 8) | (o[3] ?? 0)) >>> 0;

/** What special-purpose block a 32-bit IPv4 address is in, or undefined for a public address. */
export function ipv4Special(address: number): string | undefined {
  const range = ipaddr.fromByteArray([address >>> 24, (address >>> 16) & 0xff, (address >>> 8) & 0xff, address & 0xff]).range();
  if (IPV4_PUBLIC_RANGES.has(range)) return undefined;
  return IPV4_RANGES[range] ?? `a special-purpose address (${range})`;
}

/**
 * An IPv4 host in any notation inet_aton and the WHATWG URL parser accept: 1-4 dot-separated
 * parts, each decimal, octal (leading 0) or hex (0x); the last part fills the remaining bytes
 * (`127.1`, `2130706433`, `0x7f.1`, `0177.0.0.1`). Undefined when it is not an IPv4 address.
 */
export function parseIpv4(host: string): number | undefined {
  if (!ipaddr.IPv4.isValid(host)) return undefined;
  return ipv4Number(ipaddr.IPv4.parse(host).octets);
}

/** Whether the host would be taken as a number by a URL parser (so it is refused, not looked up by name). */
function looksNumeric(host: string): boolean {
  const last = host.split(".").pop() ?? "";
  return /^(0x[0-9a-f]*|[0-9]+)$/i.test(last);
}

/**
 * RFC 4291 §2.2 text forms, including an embedded dotted IPv4 tail. 16 bytes, or undefined.
 * Zone ids (`fe80::1%eth0`) are refused: they name a local interface. ipaddr.js reads the
 * deprecated `::a.b.c.d` as IPv4-mapped; hosts here come from the WHATWG URL parser, which always
 * serializes IPv6 in hex, and either reading refuses an embedded special-purpose address.
 */
export function parseIpv6(input: string): Uint8Array | undefined {
  if (input.includes("%") || !ipaddr.IPv6.isValid(input)) return undefined;
  return Uint8Array.from(ipaddr.IPv6.parse(input).toByteArray());
}

/** What special-purpose block a 16-byte IPv6 address is in, or undefined for a public address. */
export function ipv6Special(b: Uint8Array): string | undefined {
  const address = ipaddr.fromByteArray([...b]);
  if (address.kind() !== "ipv6") return undefined;
  const at = (i: number): number => b[i] ?? 0;
  const viaIpv4 = (offset: number, form: string): string | undefined => {
    const why = ipv4Special(ipv4Number([at(offset), at(offset + 1), at(offset + 2), at(offset + 3)]));
    return why === undefined ? undefined : `${form} of ${why}`;
  };
  const range = address.range();
  switch (range) {
    case "ipv4Mapped":
      return viaIpv4(12, "an IPv4-mapped form (::ffff:0:0/96)");
    case "rfc6145":
      return viaIpv4(12, "an IPv4-translated form (::ffff:0:0:0/96)");
    case "rfc6052":
      // Local-use NAT64 (RFC 8215, 64:ff9b:1::/48) may embed any IPv4 address, private ones included.
      if (at(4) !== 0 || at(5) !== 0) return "a local-use NAT64 address (64:ff9b:1::/48)";
      return viaIpv4(12, "a NAT64 form (64:ff9b::/96)");
    case "6to4":
      return viaIpv4(2, "a 6to4 form (2002::/16)");
  }
  if (!IPV6_PUBLIC_RANGES.has(range)) return IPV6_RANGES[range] ?? `a special-purpose address (${range})`;
  // IPv4-compatible (::/96, RFC 4291 §2.5.5.1, deprecated): not in ipaddr.js's tables, never routed.
  if (b.subarray(0, 12).every((x) => x === 0)) return viaIpv4(12, "an IPv4-compatible form (::/96)") ?? "an IPv4-compatible address (::/96)";
  return undefined;
}

const LOCAL_SUFFIXES = ["localhost", "local", "internal", "localdomain", "home.arpa", "lan", "intranet"] as const;

/** Why a host name is local, or undefined for a name that may be public. `host` is lowercase, without a trailing dot. */
function localName(host: string): string | undefined {
  if (!host.includes(".")) return "a single-label (local) name";
  for (const suffix of LOCAL_SUFFIXES) {
    if (host === suffix || host.endsWith(`.${suffix}`)) return `a local name (.${suffix})`;
  }
  return undefined;
}
