/**
 * Articles and their feed indexes in KV. The only module (with its siblings in store/) that
 * knows keys; everything it reads back is validated.
 *
 * Write protocol, so that an article is either fully indexed or not visible (no transactions
 * in KV, and a Worker can die between two writes):
 *   1. put the index keys the new version adds (metadata: the `rev` and time that wrote it);
 *   2. put `article:{id}` — the commit point;
 *   3. delete the index keys of the previous version that the new one no longer has;
 *   4. bump the version of every feed it entered, changed in or left (feed-versions.ts) — once
 *      per batch (`writeArticles`), since KV takes about one write a second per key.
 * The article record is the truth: a reader accepts an index entry only when the article exists
 * and still claims that key; anything else is a write in flight or debris of a crash, skipped.
 * So a failure at any step leaves either the old version or the new one visible, never a mix:
 * before step 2 the old record still claims its keys, after it the new one claims its own.
 * Deleting runs the other way: the article first (it vanishes from every feed at once), then
 * its index keys.
 */
import { type Article, ArticleSchema } from "../domain/article";
import { parseIsoDate } from "../domain/article";
import { bumpFeedVersions } from "./feed-versions";
import { journalChange } from "./journal";
import { ALL_FEED, type FeedKey, articleKey, idFromIndexKey, indexKey, indexPrefix, tagFeedKey } from "./keys";

/** Metadata on every index key: which version of the article wrote it, and when (unix s): for repair and debugging. */
export interface IndexEntryMeta {
  r: string;
  w: number;
}

export interface IndexEntry {
  key: string;
  id: string;
  meta: IndexEntryMeta | undefined;
}

/** KV allows 100 keys in one bulk get, which counts as one operation. */
const BULK_GET_MAX = 100;

/** The feeds an article belongs to: the global one and one per tag. */
export const feedsOf = (article: Pick<Article, "tags">): FeedKey[] => [ALL_FEED, ...article.tags.map(tagFeedKey)];

export function indexKeysOf(article: Pick<Article, "id" | "published" | "tags">): string[] {
  const publishedMs = parseIsoDate(article.published) ?? 0;
  return feedsOf(article).map((feed) => indexKey(feed, publishedMs, article.id));
}

export async function getArticle(kv: KVNamespace, id: string): Promise<Article | null> {
  const raw = await kv.get(articleKey(id), "json");
  return raw === null ? null : parseStoredArticle(raw);
}

/** Bulk read, 100 keys per KV operation. Missing or unreadable records come back as null. */
export async function getArticles(kv: KVNamespace, ids: readonly string[]): Promise<Map<string, Article | null>> {
  return (await readArticleRecords(kv, ids)).articles;
}

/**
 * `getArticles`, also telling which ids have a record at all: an unreadable record (one an older or
 * newer schema wrote) is not an absent one, and its index keys are not debris.
 */
export async function readArticleRecords(
  kv: KVNamespace,
  ids: readonly string[],
): Promise<{ articles: Map<string, Article | null>; present: Set<string> }> {
  const articles = new Map<string, Article | null>();
  const present = new Set<string>();
  for (let start = 0; start < ids.length; start += BULK_GET_MAX) {
    const chunk = ids.slice(start, start + BULK_GET_MAX);
    const values = await kv.get(chunk.map(articleKey), "json");
    for (const id of chunk) {
      const raw = values.get(articleKey(id));
      if (raw != null) present.add(id);
      articles.set(id, raw == null ? null : parseStoredArticle(raw));
    }
  }
  return { articles, present };
}

function parseStoredArticle(raw: unknown): Article | null {
  const parsed = ArticleSchema.safeParse(raw);
  // A record that no longer parses is treated as absent rather than crashing a feed.
  return parsed.success ? parsed.data : null;
}

/**
 * Stores `next`, replacing `previous` (the version read before, or null for a new article): steps
 * 1-3 of the protocol. The caller bumps the returned feeds' versions (step 4) once for its whole
 * batch; `writeArticles` does both.
 */
export async function writeArticle(
  kv: KVNamespace,
  next: Article,
  previous: Article | null,
  nowMs: number,
): Promise<{ writes: number; deletes: number; feeds: FeedKey[] }> {
  const meta: IndexEntryMeta = { r: next.rev, w: Math.floor(nowMs / 1000) };
  const nextKeys = indexKeysOf(next);
  const had = new Set(previous ? indexKeysOf(previous) : []);
  // Keys the previous version already has stay as they are: the record decides what is visible.
  const added = nextKeys.filter((key) => !had.has(key));
  await Promise.all(added.map((key) => kv.put(key, "", { metadata: meta })));
  await kv.put(articleKey(next.id), JSON.stringify(next));
  const keep = new Set(nextKeys);
  const stale = previous ? indexKeysOf(previous).filter((key) => !keep.has(key)) : [];
  await Promise.all(stale.map((key) => kv.delete(key)));
  const feeds = [...new Set([...feedsOf(next), ...(previous ? feedsOf(previous) : [])])];
  return { writes: added.length + 1, deletes: stale.length, feeds };
}

/** Writes a batch of articles, then bumps every touched feed's version once. Returns the KV writes and deletes made. */
export async function writeArticles(
  kv: KVNamespace,
  batch: readonly { next: Article; prev: Article | null }[],
  nowMs: number,
): Promise<{ writes: number; deletes: number }> {
  // First the journal entry, so the repair pass checks these keys whatever step a crash stops at.
  await journalChange(kv, batch.flatMap(({ next, prev }) => (prev ? [next, prev] : [next])), nowMs);
  const results = await Promise.all(batch.map(({ next, prev }) => writeArticle(kv, next, prev, nowMs)));
  const feeds = [...new Set(results.flatMap((r) => r.feeds))];
  await bumpFeedVersions(kv, feeds, nowMs);
  return {
    writes: results.reduce((sum, r) => sum + r.writes, feeds.length + (batch.length > 0 ? 1 : 0)),
    deletes: results.reduce((sum, r) => sum + r.deletes, 0),
  };
}

/** Removes an article from every feed. Returns the removed article, or null if there was none. */
export async function deleteArticle(kv: KVNamespace, id: string, nowMs: number): Promise<Article | null> {
  const existing = await getArticle(kv, id);
  if (!existing) return null;
  await journalChange(kv, [existing], nowMs);
  await kv.delete(articleKey(id));
  await Promise.all(indexKeysOf(existing).map((key) => kv.delete(key)));
  await bumpFeedVersions(kv, feedsOf(existing), nowMs);
  return existing;
}

/**
 * Lists up to `limit` index entries of a feed, newest first, following KV's cursor through short
 * pages (a page may come back short or even empty while keys remain). `after` is a keyset
 * cursor (see `entryCursor`): only entries older than it are returned, so paging never skips or
 * repeats an entry while new ones arrive. KV cannot seek to a key, so the scan starts at the top:
 * one list operation per 1000 entries before the page, paid only when a page is first rendered.
 */
export async function listFeedEntries(
  kv: KVNamespace,
  feed: FeedKey,
  options: { limit: number; after?: string | undefined },
): Promise<{ entries: IndexEntry[]; more: boolean }> {
  const entries: IndexEntry[] = [];
  const prefix = indexPrefix(feed);
  const afterKey = options.after === undefined ? undefined : prefix + options.after.replace(".", ":");
  let cursor: string | undefined;
  for (;;) {
    const page = await kv.list<IndexEntryMeta>({ prefix, cursor });
    for (const key of page.keys) {
      if (afterKey !== undefined && key.name <= afterKey) continue;
      const id = idFromIndexKey(feed, key.name);
      if (id === undefined) continue;
      if (entries.length === options.limit) return { entries, more: true };
      entries.push({ key: key.name, id, meta: key.metadata ?? undefined });
    }
    if (page.list_complete) return { entries, more: false };
    cursor = page.cursor;
  }
}

/** The keyset cursor after an entry: `{invertedTime}.{id}`, URL-safe. */
export function entryCursor(feed: FeedKey, entry: IndexEntry): string {
  return entry.key.slice(indexPrefix(feed).length).replace(":", ".");
}

export const ENTRY_CURSOR_PATTERN = /^\d{13}\.[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$/;

/**
 * The articles behind index entries, in entry order, keeping only consistent ones (see the
 * write protocol above). `pending` counts entries skipped as in flight or inconsistent.
 */
export async function resolveEntries(
  kv: KVNamespace,
  entries: readonly IndexEntry[],
): Promise<{ articles: Article[]; pending: IndexEntry[] }> {
  const byId = await getArticles(kv, [...new Set(entries.map((e) => e.id))]);
  const articles: Article[] = [];
  const pending: IndexEntry[] = [];
  for (const entry of entries) {
    const article = byId.get(entry.id);
    if (article && indexKeysOf(article).includes(entry.key)) {
      articles.push(article);
    } else {
      pending.push(entry);
    }
  }
  return { articles, pending };
}
