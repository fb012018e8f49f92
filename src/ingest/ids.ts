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
  const url = withoutUserinfo(new URL(cleanArticleUrl(raw)));
  url.searchParams.sort();
  url.protocol = "https:";
  if (url.pathname.length > 1 && url.pathname.endsWith("/")) url.pathname = url.pathname.slice(0, -1);
  return url.href;
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** `u-` + 96 bits of SHA-256 of the canonical URL: short, URL-safe, collision-free in practice. */
export async function deriveArticleId(url: string): Promise<string> {
  return `u-${(await sha256Hex(canonicalUrl(url))).slice(0, 24)}`;
}

/** A digest of a JSON value with its object keys sorted, so field order never changes it. */
export async function contentRev(value: unknown): Promise<string> {
  return (await sha256Hex(stableStringify(value))).slice(0, 16);
}

export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}
