/**
 * Stable identifiers. No I/O; WebCrypto digests only.
 * - An article without an `id` gets one derived from its canonical URL, so the same story
 *   submitted twice (or seen upstream and by webhook) is one article.
 * - `rev` is a digest of an article's content: equal revs mean an unchanged re-delivery.
 */

/** Query parameters that only track a click; they never change which article a URL names. */
const TRACKING_PARAMS = /^(utm_\w+|fbclid|gclid|dclid|msclkid|yclid|_openstat|mc_cid|mc_eid|igshid|ref_src)$/i;

/** The URL as stored and linked: parsed and re-serialized, tracking parameters and fragment removed. */
export function cleanArticleUrl(raw: string): string {
  const url = new URL(raw);
  url.hash = "";
  for (const name of [...url.searchParams.keys()]) {
    if (TRACKING_PARAMS.test(name)) url.searchParams.delete(name);
  }
  return url.href;
}

/**
 * The canonical form of an article URL (for ids only): parsed and re-serialized (lowercase scheme and host,
 * default port dropped, percent-encoding normalized by URL), fragment and tracking parameters
 * removed, `http` and `https` treated alike, a trailing slash on a non-root path dropped.
 */
export function canonicalUrl(raw: string): string {
  const url = new URL(cleanArticleUrl(raw));
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
