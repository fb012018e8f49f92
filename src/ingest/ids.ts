/**
 * Stable identifiers. No I/O; WebCrypto digests only.
 * - An article without an `id` gets one derived from its canonical URL, so the same story
 *   submitted twice (or seen upstream and by webhook) is one article.
 * - `rev` is a digest of an article's content: equal revs mean an unchanged re-delivery.
 */

/** Query parameters that only track a click; they never change which article a URL names. */
const TRACKING_PARAMS = /^(utm_\w+|fbclid|gclid|dclid|msclkid|yclid|_openstat|mc_cid|mc_eid|igshid|ref_src)$/i;

/** A publisher's URL as stored and linked: parsed and re-serialized, tracking parameters and fragment removed. */
export function cleanArticleUrl(raw: string): string {
  const url = new URL(raw);
  url.hash = "";
  for (const name of [...url.searchParams.keys()]) {
    if (TRACKING_PARAMS.test(name)) url.searchParams.delete(name);
  }
  return url.href;
}

/**
 * Characters RFC 3986 §2-§3 never allows unescaped in a path, query or fragment, which the URL
 * parser leaves as written (`[`, `]`, `|`, `^`, ...), and a `%` that starts no escape.
 */
const NOT_IN_URI = /[[\]|^{}\\`"<> ]|%(?![0-9A-Fa-f]{2})/g;
const NOT_IN_FRAGMENT = /[[\]|^{}\\`"<> #]|%(?![0-9A-Fa-f]{2})/g;
const escapeChar = (c: string): string => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;

function withoutUserinfo(url: URL): URL {
  url.username = "";
  url.password = "";
  return url;
}

/** The URL parser's serialization without userinfo (for URLs compared as the parser writes them). */
export const plainUrlWithoutUserinfo = (raw: string): string => withoutUserinfo(new URL(raw)).href;

/**
 * An absolute URL as a link is published: the URL parser's serialization (punycode host,
 * non-ASCII percent-encoded, dot segments resolved), with what it leaves unescaped but RFC 3986
 * forbids escaped too, so feed validators accept it. Query and fragment are kept as written.
 * Userinfo goes (RFC 3986 §3.2.1 deprecates `user:password@`): a credential sent by mistake must
 * not end up in public feeds.
 */
export function publishedUrl(raw: string): string {
  const href = withoutUserinfo(new URL(raw)).href;
  // Special schemes (http, https) always have a path that starts right after the authority.
  const pathStart = href.indexOf("/", href.indexOf("//") + 2);
  if (pathStart === -1) return href;
  const hash = href.indexOf("#", pathStart);
  const rest = hash === -1 ? href.slice(pathStart) : href.slice(pathStart, hash);
  const fragment = hash === -1 ? "" : `#${href.slice(hash + 1).replace(NOT_IN_FRAGMENT, escapeChar)}`;
  return href.slice(0, pathStart) + rest.replace(NOT_IN_URI, escapeChar) + fragment;
}

/**
 * The canonical form of an article URL (for ids only): parsed and re-serialized (lowercase scheme and host,
 * default port dropped, percent-encoding normalized by URL), fragment and tracking parameters
 * removed, `http` and `https` treated alike, a trailing slash on a non-root path dropped.
 */
export function canonicalUrl(raw: string): string {
  // A refresh asks for each item's canonical link three times (shared links, the shared-link
  // check, the id): URL parsing is the cost, and the answer depends on the string alone.
  const known = canonicalMemo.get(raw);
  if (known !== undefined) return known;
  const canonical = canonicalUncached(raw);
  if (canonicalMemo.size >= CANONICAL_MEMO_MAX) canonicalMemo.clear();
  canonicalMemo.set(raw, canonical);
  return canonical;
}

const CANONICAL_MEMO_MAX = 1024;
const canonicalMemo = new Map<string, string>();

function canonicalUncached(raw: string): string {
  const url = withoutUserinfo(new URL(cleanArticleUrl(raw)));
  url.searchParams.sort();
  url.protocol = "https:";
  if (url.pathname.length > 1 && url.pathname.endsWith("/")) url.pathname = url.pathname.slice(0, -1);
  return url.href;
}

const encoder = new TextEncoder();
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
  let hex = "";
  for (const b of digest) hex += HEX[b];
  return hex;
}

/** `u-` + 96 bits of SHA-256 of the canonical URL: short, URL-safe, collision-free in practice. */
export async function deriveArticleId(url: string): Promise<string> {
  return `u-${(await sha256Hex(canonicalUrl(url))).slice(0, 24)}`;
}

/** A digest of a JSON value with its object keys sorted, so field order never changes it. */
export async function contentRev(value: unknown): Promise<string> {
  return (await sha256Hex(stableStringify(value))).slice(0, 16);
}

/**
 * JSON.stringify with every object's keys sorted. Builds a sorted copy and stringifies that
 * without a replacer (a replacer takes JSON.stringify off its fast path): the same output as the
 * first implementation, a replacer that rebuilt each object with its entries sorted. Revs are
 * stored: the output must never change.
 */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortedCopy(value, ""));
}

function sortedCopy(value: unknown, key: string): unknown {
  if (value === null || typeof value !== "object") return value;
  // JSON.stringify calls toJSON before anything else looks at a value (ECMA-262 §25.5.2.2).
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return sortedCopy(toJSON.call(value, key), key);
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = sortedCopy(value[i], String(i));
    return out;
  }
  // No prototype, so a "__proto__" key is an own property, as Object.fromEntries made it.
  const out = Object.create(null) as Record<string, unknown>;
  for (const k of Object.keys(value).sort()) out[k] = sortedCopy((value as Record<string, unknown>)[k], k);
  return out;
}
