/**
 * Serving a feed cheaply (DESIGN.md: 10 ms CPU on the free plan). Layers, cheapest first:
 *   1. the feed's version (`fv:` key, 1 KV read, or the one this isolate read in the last 5 s)
 *      names the state of the feed;
 *   2. the bodies this isolate served lately, keyed by that version (no I/O at all);
 *   3. the Cache API, keyed by that version (free where it works; nothing on *.workers.dev);
 *   4. the page's data this isolate loaded lately (the articles and cursors, no format, no host);
 *   5. the KV snapshot of that page data (1 KV read), rendered in the asked format for the
 *      asked origin — kept only for the first page at the default limit, the page readers poll;
 *   6. only then: list the index, read the articles (100 per bulk read), render, and save the
 *      page data as the snapshot for the next reader — unless some entry was in flight (see
 *      store/articles.ts), in which case the page is served but not saved.
 * So a rendered feed costs at most two KV reads, whatever its item count, and none when warm.
 * The snapshot holds neither format nor origin: one change of a feed costs at most one snapshot
 * write whatever formats readers ask for, and no Host header names a KV key (the origin only
 * enters the isolate's memory and the Cache API, which cost no KV operation).
 * Combination feeds (combination.ts) take their version from their tags' versions (one bulk
 * read) and are never snapshotted in KV: which combinations exist is anyone's to choose.
 */
import type { Tag } from "../domain/tag";
import type { Article } from "../domain/article";
import { FEED_CONTENT_TYPES, type FeedDocument, type FeedFormat, renderFeed } from "../render";
import { getArchiveIndex } from "../store/archives";
import { entryCursor, listFeedEntries, resolveEntries } from "../store/articles";
import { type FeedVersion, getFeedVersion, getFeedVersions, getSnapshot, putSnapshot } from "../store/feed-versions";
import { ALL_FEED, type FeedKey, tagFeedKey } from "../store/keys";
import { type RecentDeletion, newestDeletions } from "../store/deletions";
import { getTagRecord } from "../store/tags";
import { BoundedLru } from "./bounded-lru";
import { loadCombinationPage } from "./combination";
import { buildFeedDocument } from "./document";
import { DEFAULT_LIMIT, type SiteUrls, combinationPath } from "./urls";

/** Bump when rendering changes, so bodies of the old renderer are not served from memory or the Cache API. */
const RENDER_REVISION = "5";

/** Bump when the stored page data changes shape (or what goes into it), so old snapshots are not read. */
const PAGE_SNAPSHOT_VARIANT = "page2";

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

/** Page data this isolate loaded lately, by feed, page and version: the other formats and origins of a page render from it. */
const recentPages = new BoundedLru<StoredPage>(100, 16 * 1024 * 1024, (page) => page.size);

export interface FeedRequest {
  /** The canonical tag, or undefined for the feed of every article (or a combination). */
  tag: Pick<Tag, "type" | "slug"> | undefined;
  /** The taxonomy's entry for it, when there is one (saves a read on a miss). */
  knownTag: Tag | undefined;
  typeLabel: string | undefined;
  /** A combination feed's tags, canonical order (combination.ts); `tag` is then undefined. */
  combination?: readonly Tag[];
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

/** A page's data, as snapshotted: everything its rendering reads that is not the request's (format, origin, taxonomy labels). */
interface StoredPage {
  /** The tag as the articles name it, when the taxonomy does not (its name is then theirs). */
  tag: Tag | undefined;
  articles: Article[];
  next: string | undefined;
  partial: boolean;
  changedMs: number;
  /** Recently deleted entries (first page of a stored feed only): RFC 6721 in Atom. */
  deleted?: RecentDeletion[];
  /** RFC 5005 §4 archives the feed has (store/archives.ts): the first page links the newest. */
  archives?: number;
  /** Approximate bytes, for the isolate's memory bound (not stored). */
  size: number;
}

/** The feed key of a request: `all`, `t/{type}/{slug}` or `c/{type}/{slug}+{type}/{slug}` (a combination, never stored). */
export function requestFeedKey(request: Pick<FeedRequest, "tag" | "combination">): FeedKey {
  if (request.combination) return `c/${combinationPath(request.combination)}`;
  return request.tag ? tagFeedKey(request.tag) : ALL_FEED;
}

export async function serveFeed(
  kv: KVNamespace,
  request: FeedRequest,
  defer: (work: Promise<unknown>) => void,
): Promise<ServedFeed | null> {
  const feed = requestFeedKey(request);
  const version = request.combination
    ? await combinedVersion(kv, request.combination)
    : await getFeedVersion(kv, feed, { maxAgeMs: VERSION_REUSE_MS });
  let tag: Tag | undefined = request.knownTag;
  if (request.tag && !version && !tag) {
    // Never changed and not in the taxonomy: a tag only if a record says so.
    tag = (await getTagRecord(kv, request.tag.type, request.tag.slug)) ?? undefined;
    if (!tag) return null;
  }

  const token = version?.token ?? "none";
  const variantText = [RENDER_REVISION, request.format, request.limit, request.after ?? "", request.urls.origin, request.urls.hubs.join(" ")].join("\n");
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

  const loaded = await loadPage(kv, feed, request, tag, version, token, defer);
  const served: ServedFeed = { ...(await renderPage(loaded.page, request, tag)), layer: loaded.layer };
  if (!loaded.complete) return served;
  recentlyServed.set(memoryKey, served);
  if (cache) {
    const response = new Response(served.body.slice(0), {
      headers: { etag: served.etag, "x-last-modified-ms": String(served.lastModified), "cache-control": "max-age=3600" },
    });
    defer(cache.put(cacheKey, response));
  }
  return served;
}

/** A combination's version: its tags' tokens together (one bulk read); it changes whenever one of them does. */
async function combinedVersion(kv: KVNamespace, tags: readonly Tag[]): Promise<FeedVersion | null> {
  const keys = tags.map(tagFeedKey);
  const versions = await getFeedVersions(kv, keys);
  if (versions.size === 0) return null;
  const parts = keys.map((key) => versions.get(key));
  return {
    token: parts.map((v) => v?.token ?? "none").join("+"),
    changed: Math.max(0, ...parts.map((v) => v?.changed ?? 0)),
  };
}

async function loadPage(
  kv: KVNamespace,
  feed: FeedKey,
  request: FeedRequest,
  knownTag: Tag | undefined,
  version: FeedVersion | null,
  token: string,
  defer: (work: Promise<unknown>) => void,
): Promise<{ page: StoredPage; complete: boolean; layer: "snapshot" | "rendered" }> {
  const pageKey = `${feed}\n${request.limit}\n${request.after ?? ""}\n${token}`;
  const recent = recentPages.get(pageKey);
  if (recent) return { page: recent, complete: true, layer: "snapshot" };
  // Only the page readers poll (the first, at the default limit) is kept in KV: every other variant
  // is anyone's to ask for, and KV writes are scarce (1000 a day on the free plan).
  const persistent = !request.combination && request.after === undefined && request.limit === DEFAULT_LIMIT;
  const snapshot = persistent ? parseStoredPage(await getSnapshot(kv, feed, PAGE_SNAPSHOT_VARIANT, token)) : undefined;
  if (snapshot) {
    recentPages.set(pageKey, snapshot);
    return { page: snapshot, complete: true, layer: "snapshot" };
  }
  const { page, complete } = await loadStoredPage(kv, feed, request, knownTag, version);
  if (complete) {
    const text = JSON.stringify(page);
    page.size = text.length * 2;
    recentPages.set(pageKey, page);
    if (persistent) defer(putSnapshot(kv, feed, PAGE_SNAPSHOT_VARIANT, token, text));
  }
  return { page, complete, layer: "rendered" };
}

/**
 * A snapshot this module wrote, under a key naming its revision (PAGE_SNAPSHOT_VARIANT), so its
 * articles are not validated field by field again (they were when stored); anything else is ignored.
 */
function parseStoredPage(text: string | null): StoredPage | undefined {
  if (text === null) return undefined;
  try {
    const value = JSON.parse(text) as Partial<StoredPage>;
    if (!Array.isArray(value.articles) || typeof value.changedMs !== "number") return undefined;
    return {
      tag: value.tag,
      articles: value.articles,
      next: typeof value.next === "string" ? value.next : undefined,
      partial: value.partial === true,
      changedMs: value.changedMs,
      ...(Array.isArray(value.deleted) && { deleted: value.deleted }),
      ...(typeof value.archives === "number" && { archives: value.archives }),
      size: text.length * 2,
    };
  } catch {
    return undefined;
  }
}

async function loadStoredPage(
  kv: KVNamespace,
  feed: FeedKey,
  request: FeedRequest,
  knownTag: Tag | undefined,
  version: FeedVersion | null,
): Promise<{ page: StoredPage; complete: boolean }> {
  let articles: Article[];
  let next: string | undefined;
  let partial = false;
  let complete: boolean;
  let deleted: RecentDeletion[] | undefined;
  if (request.combination) {
    const found = await loadCombinationPage(kv, request.combination, { limit: request.limit, after: request.after });
    ({ articles, next, partial, complete } = found);
    const shown = new Set(articles.map((a) => a.id));
    deleted = newestDeletions(found.deletions.filter((d) => !shown.has(d.id)));
  } else {
    const { entries, more, deletions } = await listFeedEntries(kv, feed, { limit: request.limit, after: request.after });
    const resolved = await resolveEntries(kv, entries);
    articles = resolved.articles;
    complete = resolved.pending.length === 0;
    const last = entries[entries.length - 1];
    next = more && last ? entryCursor(feed, last) : undefined;
    // Listed with the first page (they sort before its entries). A restored article is shown, not announced.
    const shown = new Set(articles.map((a) => a.id));
    deleted = newestDeletions(deletions.filter((d) => !shown.has(d.id)));
  }
  let tag: Tag | undefined;
  if (request.tag && !knownTag) {
    const wanted = request.tag;
    tag =
      articles.flatMap((a) => a.tags).find((t) => t.type === wanted.type && t.slug === wanted.slug) ??
      (await getTagRecord(kv, wanted.type, wanted.slug)) ??
      { ...wanted, name: wanted.slug };
  }
  const changedMs =
    version?.changed ?? Math.max(0, ...articles.map((a) => Date.parse(a.modified)).filter((ms) => Number.isFinite(ms)));
  // One read more, only when the first page is rendered afresh (a seal bumps the feed's version).
  const archives = !request.combination && request.after === undefined ? ((await getArchiveIndex(kv, feed))?.count ?? 0) : 0;
  return { page: { tag, articles, next, partial, changedMs, ...(deleted !== undefined && deleted.length > 0 && { deleted }), ...(archives > 0 && { archives }), size: 0 }, complete };
}

async function renderPage(page: StoredPage, request: FeedRequest, knownTag: Tag | undefined): Promise<Omit<ServedFeed, "layer">> {
  const document = buildFeedDocument(
    {
      tag: request.combination ? undefined : (knownTag ?? page.tag),
      ...(request.combination && { combination: request.combination }),
      ...(request.typeLabel !== undefined && { typeLabel: request.typeLabel }),
      articles: page.articles,
      limit: request.limit,
      after: request.after,
      next: page.next,
      partial: page.partial,
      changedMs: page.changedMs,
      ...(page.deleted !== undefined && { deleted: page.deleted }),
      ...(page.archives !== undefined && { archives: page.archives }),
    },
    request.urls,
  );
  return renderDocument(document, request.format, page.changedMs);
}

/** A feed document's body in one format, with its ETag (items rendered lately are reused). */
export async function renderDocument(document: FeedDocument, format: FeedFormat, lastModified: number): Promise<Omit<ServedFeed, "layer">> {
  const bytes = new TextEncoder().encode(renderFeed(format, document, recentItems).body);
  const body = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return { body, etag: await etagOf(bytes), lastModified, contentType: FEED_CONTENT_TYPES[format] };
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
