/**
 * Serving a feed cheaply (DESIGN.md: 10 ms CPU on the free plan). Layers, cheapest first:
 *   1. the feed's version (`fv:` key, 1 KV read, or the one this isolate read in the last 5 s)
 *      names the state of the feed;
 *   2. the bodies this isolate served lately, keyed by that version (no I/O at all);
 *   3. the Cache API, keyed by that version (free where it works; nothing on *.workers.dev);
 *   4. the KV snapshot rendered for that version (1 KV read), bytes served as they are — kept
 *      only for the first page at the default limit, the page readers poll;
 *   5. only then: list the index, read the articles (100 per bulk read), render, and save the
 *      snapshot for the next reader — unless some entry was in flight (see store/articles.ts),
 *      in which case the page is served but not saved.
 * So a rendered feed costs at most two KV reads, whatever its item count, and none when warm.
 */
import type { Tag } from "../domain/tag";
import { FEED_CONTENT_TYPES, type FeedFormat, renderFeed } from "../render";
import { entryCursor, listFeedEntries, resolveEntries } from "../store/articles";
import { type FeedVersion, getFeedVersion, getSnapshot, putSnapshot } from "../store/feed-versions";
import { ALL_FEED, type FeedKey, tagFeedKey } from "../store/keys";
import { getTagRecord } from "../store/tags";
import { BoundedLru } from "./bounded-lru";
import { buildFeedDocument } from "./document";
import { DEFAULT_LIMIT, type SiteUrls } from "./urls";

/** Bump when rendering changes, so snapshots of the old renderer are not served. */
const RENDER_REVISION = "3";

/** How long a feed read in this isolate may reuse the version it read last (store/feed-versions.ts). */
const VERSION_REUSE_MS = 5_000;

/**
 * Feeds this isolate served lately, by feed, variant and version token. Never stale: a change makes
 * a new token, so an old entry is simply not asked for again.
 */
const recentlyServed = new BoundedLru<ServedFeed>(100, 16 * 1024 * 1024, (served) => served.body.byteLength);

/**
 * Items this isolate rendered lately, by everything their rendering reads (render/feed-document.ts,
 * itemCacheKey): the next version of a feed, or another feed holding the same article, reuses them.
 */
const recentItems = new BoundedLru<string>(5000, 24 * 1024 * 1024, (fragment) => fragment.length * 2);

export interface FeedRequest {
  /** The canonical tag, or undefined for the feed of every article. */
  tag: Pick<Tag, "type" | "slug"> | undefined;
  /** The taxonomy's entry for it, when there is one (saves a read on a miss). */
  knownTag: Tag | undefined;
  typeLabel: string | undefined;
  format: FeedFormat;
  limit: number;
  after: string | undefined;
  urls: SiteUrls;
}

export interface ServedFeed {
  body: ArrayBuffer;
  etag: string;
  /** unix ms */
  lastModified: number;
  contentType: string;
  /** Which layer answered: for tests and the benchmark. */
  layer: "memory" | "cache" | "snapshot" | "rendered";
}

export async function serveFeed(
  kv: KVNamespace,
  request: FeedRequest,
  defer: (work: Promise<unknown>) => void,
): Promise<ServedFeed | null> {
  const feed: FeedKey = request.tag ? tagFeedKey(request.tag) : ALL_FEED;
  const version = await getFeedVersion(kv, feed, { maxAgeMs: VERSION_REUSE_MS });
  let tag: Tag | undefined = request.knownTag;
  if (request.tag && !version && !tag) {
    // Never changed and not in the taxonomy: a tag only if a record says so.
    tag = (await getTagRecord(kv, request.tag.type, request.tag.slug)) ?? undefined;
    if (!tag) return null;
  }

  const token = version?.token ?? "none";
  const variantText = [RENDER_REVISION, request.format, request.limit, request.after ?? "", request.urls.origin].join("\n");
  const memoryKey = `${feed}\n${variantText}\n${token}`;
  const inMemory = recentlyServed.get(memoryKey);
  if (inMemory) return { ...inMemory, layer: "memory" };
  const variant = await digestHex(variantText);
  const cacheKey = new Request(`https://snapshots.tagfeed.internal/${feed}/${variant}/${token}`);
  const cache = typeof caches === "undefined" ? undefined : caches.default;

  const cached = await cache?.match(cacheKey);
  if (cached) {
    const served: ServedFeed = {
      body: await cached.arrayBuffer(),
      etag: cached.headers.get("etag") ?? "",
      lastModified: Number(cached.headers.get("x-last-modified-ms") ?? 0),
      contentType: FEED_CONTENT_TYPES[request.format],
      layer: "cache",
    };
    recentlyServed.set(memoryKey, served);
    return served;
  }

  const remember = (served: ServedFeed): void => {
    recentlyServed.set(memoryKey, served);
    if (!cache) return;
    const response = new Response(served.body.slice(0), {
      headers: { etag: served.etag, "x-last-modified-ms": String(served.lastModified), "cache-control": "max-age=3600" },
    });
    defer(cache.put(cacheKey, response));
  };

  // Only the page readers poll (the first, at the default limit) is kept in KV: every other variant
  // is anyone's to ask for, and KV writes are scarce (1000 a day on the free plan).
  const persistent = request.after === undefined && request.limit === DEFAULT_LIMIT;
  const snapshot = persistent ? await getSnapshot(kv, feed, variant, token) : null;
  if (snapshot) {
    const served: ServedFeed = {
      body: snapshot.body,
      etag: snapshot.meta.etag,
      lastModified: snapshot.meta.lastModified,
      contentType: FEED_CONTENT_TYPES[request.format],
      layer: "snapshot",
    };
    remember(served);
    return served;
  }

  const rendered = await renderStoredFeed(kv, feed, request, tag, version);
  const served: ServedFeed = { ...rendered.feed, layer: "rendered" };
  if (rendered.complete && persistent) {
    defer(
      putSnapshot(kv, feed, variant, token, served.body, {
        etag: served.etag,
        lastModified: served.lastModified,
        contentType: served.contentType,
      }),
    );
  }
  if (rendered.complete) remember(served);
  return served;
}

async function renderStoredFeed(
  kv: KVNamespace,
  feed: FeedKey,
  request: FeedRequest,
  knownTag: Tag | undefined,
  version: FeedVersion | null,
): Promise<{ feed: Omit<ServedFeed, "layer">; complete: boolean }> {
  const { entries, more } = await listFeedEntries(kv, feed, { limit: request.limit, after: request.after });
  const { articles, pending } = await resolveEntries(kv, entries);
  const last = entries[entries.length - 1];
  let tag = knownTag;
  if (request.tag && !tag) {
    const wanted = request.tag;
    tag =
      articles.flatMap((a) => a.tags).find((t) => t.type === wanted.type && t.slug === wanted.slug) ??
      (await getTagRecord(kv, wanted.type, wanted.slug)) ??
      { ...wanted, name: wanted.slug };
  }
  const changedMs =
    version?.changed ?? Math.max(0, ...articles.map((a) => Date.parse(a.modified)).filter((ms) => Number.isFinite(ms)));
  const document = buildFeedDocument(
    {
      tag,
      ...(request.typeLabel !== undefined && { typeLabel: request.typeLabel }),
      articles,
      limit: request.limit,
      after: request.after,
      next: more && last ? entryCursor(feed, last) : undefined,
      changedMs,
    },
    request.urls,
  );
  const bytes = new TextEncoder().encode(renderFeed(request.format, document, recentItems).body);
  const body = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return {
    feed: { body, etag: await etagOf(bytes), lastModified: changedMs, contentType: FEED_CONTENT_TYPES[request.format] },
    complete: pending.length === 0,
  };
}

/** A strong ETag from the body's digest: equal bytes, equal tag, on any host or isolate. */
async function etagOf(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  let binary = "";
  for (const byte of digest.subarray(0, 18)) binary += String.fromCharCode(byte);
  return `"${btoa(binary).replaceAll("+", "-").replaceAll("/", "_")}"`;
}

async function digestHex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...digest.subarray(0, 10)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
