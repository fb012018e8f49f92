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
 *     discard 100::/64, or that embeds an IPv4 address (IPv4-mapped ::ffff:0:0/96,
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
 * host themselves (inet_aton rules for IPv4, full RFC 4291 text for IPv6), so they do not depend on
 * that normalization having happened.
 *
 * What cannot be checked here: a public name whose DNS answer is a private address (DNS
 * rebinding, `127.0.0.1.nip.io`). A Worker has no DNS API; it does not need one, because
 * Cloudflare's egress fetches from the public internet and cannot reach the operator's private
 * networks or a metadata service. The checks matter where the same code runs elsewhere (local
 * `wrangler dev`, other runtimes) and as defence in depth.
 */
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

/** [network, prefix length, what it is], RFC 6890 and updates. */
const IPV4_SPECIAL: readonly (readonly [number, number, string])[] = [
  [ipv4(0, 0, 0, 0), 8, "a \"this network\" address (0.0.0.0/8)"],
  [ipv4(10, 0, 0, 0), 8, "a private address (10.0.0.0/8)"],
  [ipv4(100, 64, 0, 0), 10, "a shared (CGNAT) address (100.64.0.0/10)"],
  [ipv4(127, 0, 0, 0), 8, "a loopback address (127.0.0.0/8)"],
  [ipv4(169, 254, 0, 0), 16, "a link-local or cloud metadata address (169.254.0.0/16)"],
  [ipv4(172, 16, 0, 0), 12, "a private address (172.16.0.0/12)"],
  [ipv4(192, 0, 0, 0), 24, "an IETF protocol assignment (192.0.0.0/24)"],
  [ipv4(192, 0, 2, 0), 24, "a documentation address (192.0.2.0/24)"],
  [ipv4(192, 88, 99, 0), 24, "a 6to4 relay anycast address (192.88.99.0/24)"],
  [ipv4(192, 168, 0, 0), 16, "a private address (192.168.0.0/16)"],
  [ipv4(198, 18, 0, 0), 15, "a benchmarking address (198.18.0.0/15)"],
  [ipv4(198, 51, 100, 0), 24, "a documentation address (198.51.100.0/24)"],
  [ipv4(203, 0, 113, 0), 24, "a documentation address (203.0.113.0/24)"],
  [ipv4(224, 0, 0, 0), 4, "a multicast address (224.0.0.0/4)"],
  [ipv4(240, 0, 0, 0), 4, "a reserved or broadcast address (240.0.0.0/4)"],
];

function ipv4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** What special-purpose block a 32-bit IPv4 address is in, or undefined for a public address. */
export function ipv4Special(address: number): string | undefined {
  for (const [network, prefix, what] of IPV4_SPECIAL) {
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    if ((address & mask) >>> 0 === network) return what;
  }
  return undefined;
}

/**
 * An IPv4 host in any notation inet_aton and the WHATWG URL parser accept: 1-4 dot-separated
 * parts, each decimal, octal (leading 0) or hex (0x); the last part fills the remaining bytes
 * (`127.1`, `2130706433`, `0x7f.1`, `0177.0.0.1`). Undefined when it is not an IPv4 address.
 */
export function parseIpv4(host: string): number | undefined {
  const parts = host.split(".");
  if (parts.length > 4 || parts.some((p) => p === "")) return undefined;
  const values: number[] = [];
  for (const part of parts) {
    let value: number;
    if (/^0x[0-9a-f]*$/i.test(part)) value = part.length === 2 ? 0 : parseInt(part.slice(2), 16);
    else if (/^0[0-7]+$/.test(part)) value = parseInt(part.slice(1), 8);
    else if (/^(0|[1-9][0-9]*)$/.test(part)) value = Number(part);
    else return undefined;
    if (!Number.isFinite(value)) return undefined;
    values.push(value);
  }
  const last = values.pop();
  if (last === undefined) return undefined;
  if (values.some((v) => v > 255)) return undefined;
  if (last >= 256 ** (4 - values.length)) return undefined;
  let address = 0;
  values.forEach((v, i) => (address += v * 256 ** (3 - i)));
  return address + last;
}

/** Whether the host would be taken as a number by a URL parser (so it is refused, not looked up by name). */
function looksNumeric(host: string): boolean {
  const last = host.split(".").pop() ?? "";
  return /^(0x[0-9a-f]*|[0-9]+)$/i.test(last);
}

/** RFC 4291 §2.2 text forms, including an embedded dotted IPv4 tail. 16 bytes, or undefined. */
export function parseIpv6(input: string): Uint8Array | undefined {
  if (input.includes("%")) return undefined; // zone ids name a local interface
  let text = input;
  const lastColon = text.lastIndexOf(":");
  const v4 = text.slice(lastColon + 1);
  if (v4.includes(".")) {
    // An embedded dotted IPv4 tail (::ffff:127.0.0.1) becomes its two hex groups.
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(v4)) return undefined;
    const octets = v4.split(".").map(Number);
    if (octets.some((o) => o > 255)) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = octets;
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const parseGroups = (s: string): number[] | undefined => {
    if (s === "") return [];
    const groups = s.split(":");
    if (groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return undefined;
    return groups.map((g) => parseInt(g, 16));
  };
  const left = parseGroups(halves[0] ?? "");
  const right = halves.length === 2 ? parseGroups(halves[1] ?? "") : [];
  if (left === undefined || right === undefined) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - left.length - right.length;
    if (missing < 1) return undefined;
    groups = [...left, ...new Array<number>(missing).fill(0), ...right];
  } else {
    groups = left;
  }
  if (groups.length !== 8) return undefined;
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

/** What special-purpose block a 16-byte IPv6 address is in, or undefined for a public address. */
export function ipv6Special(b: Uint8Array): string | undefined {
  const at = (i: number): number => b[i] ?? 0;
  const zeros = (from: number, to: number): boolean => b.subarray(from, to).every((x) => x === 0);
  const embedded = (offset: number): number => ((at(offset) << 24) | (at(offset + 1) << 16) | (at(offset + 2) << 8) | at(offset + 3)) >>> 0;
  const viaV4 = (offset: number, form: string): string | undefined => {
    const why = ipv4Special(embedded(offset));
    return why === undefined ? undefined : `${form} of ${why}`;
  };

  if (zeros(0, 16)) return "the unspecified address (::)";
  if (zeros(0, 15) && at(15) === 1) return "the loopback address (::1)";
  if (zeros(0, 10) && at(10) === 0xff && at(11) === 0xff) return viaV4(12, "an IPv4-mapped form (::ffff:0:0/96)");
  if (zeros(0, 12)) return viaV4(12, "an IPv4-compatible form (::/96)") ?? "an IPv4-compatible address (::/96)";
  if (zeros(0, 8) && at(8) === 0xff && at(9) === 0xff && zeros(10, 12)) return viaV4(12, "an IPv4-translated form (::ffff:0:0:0/96)");
  if (at(0) === 0x00 && at(1) === 0x64 && at(2) === 0xff && at(3) === 0x9b && zeros(4, 12)) return viaV4(12, "a NAT64 form (64:ff9b::/96)");
  // Local-use NAT64 (RFC 8215) may embed any IPv4 address, private ones included.
  if (at(0) === 0x00 && at(1) === 0x64 && at(2) === 0xff && at(3) === 0x9b && at(4) === 0x00 && at(5) === 0x01) {
    return "a local-use NAT64 address (64:ff9b:1::/48)";
  }
  // Teredo hides the client's IPv4 address (XOR-ed) in the last bits: refuse the whole block.
  if (at(0) === 0x20 && at(1) === 0x01 && at(2) === 0x00 && at(3) === 0x00) return "a Teredo address (2001::/32)";
  if (at(0) === 0x20 && at(1) === 0x02) return viaV4(2, "a 6to4 form (2002::/16)");
  if ((at(0) & 0xfe) === 0xfc) return "a unique-local address (fc00::/7)";
  if (at(0) === 0xfe && (at(1) & 0xc0) === 0x80) return "a link-local address (fe80::/10)";
  if (at(0) === 0xfe && (at(1) & 0xc0) === 0xc0) return "a site-local address (fec0::/10)";
  if (at(0) === 0xff) return "a multicast address (ff00::/8)";
  if (at(0) === 0x20 && at(1) === 0x01 && at(2) === 0x0d && at(3) === 0xb8) return "a documentation address (2001:db8::/32)";
  if (at(0) === 0x01 && zeros(1, 8)) return "a discard-only address (100::/64)";
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
