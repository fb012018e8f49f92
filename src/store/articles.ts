/**
 * Articles and their feed indexes in KV. The only module (with its siblings in store/) that
 * knows keys; everything it reads back is validated.
 *
 * Write protocol, so that an article is either fully indexed or not visible (no transactions
 * in KV, and a Worker can die between two writes). Every write of an article goes through its
 * writer (store/article-writer.ts), which runs them one at a time, keeps the truth about which
 * index keys exist, and logs each write before making it:
 *   1. put the index keys the new version adds (metadata: the `rev` and time that wrote it);
 *   2. put `article:{id}` — the commit point;
 *   3. delete every other index key the article held;
 *   4. bump the version of every feed it entered, changed in or left (feed-versions.ts) — once
 *      per batch (`applyArticleOps`), since KV takes about one write a second per key.
 * The article record is the truth: a reader accepts an index entry only when the article exists
 * and still claims that key; anything else is a write in flight or debris of a crash, skipped.
 * So a failure at any step leaves either the old version or the new one visible, never a mix:
 * before step 2 the old record still claims its keys, after it the new one claims its own.
 * Deleting runs the other way: the article first (it vanishes from every feed at once), then
 * its index keys.
 */
import { type Article, ArticleSchema } from "../domain/article";
import { parseIsoDate } from "../domain/article";
import { ARTICLE_SHARDS, type ArticleOp, type OpOutcome, byShard, opId } from "./article-ops";
import type { ChangeSite } from "../hub/hub-object";
import type { ArticleWriter } from "./article-writer";
import { type RecentDeletion, deletionOf } from "./deletions";
import { bumpFeedVersions } from "./feed-versions";
import { StorageUnavailable, addKvCounts, totalKvOps } from "./guard";
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

export const writerName = (shard: number): string => `articles-${shard}`;

/** Where article writes go: KV for the feed versions, the writers for everything else. */
export interface ArticleStore {
  kv: KVNamespace;
  writers: DurableObjectNamespace<ArticleWriter>;
  /** The site a request's writes are announced for (WebSub); a refresh has none. */
  site?: ChangeSite;
}

export const articleStore = (env: Pick<Env, "KV" | "ARTICLE_WRITER">, site?: ChangeSite): ArticleStore => ({
  kv: env.KV,
  writers: env.ARTICLE_WRITER,
  ...(site && { site }),
});

/**
 * Applies article operations through their writers (store/article-writer.ts): one call per shard
 * the batch touches, then one version bump per touched feed, then one call per shard to settle
 * the bumps that landed (a bump that failed stays logged, and the writer's alarm retries it).
 * Outcomes come back in the order of `ops`; the writers' KV operations are added to `store.kv`'s
 * counters (store/guard.ts), so a counted binding's figure is the whole cost of the write. A KV failure in any shard answers StorageUnavailable
 * (503) after the other shards' feeds are bumped: that shard's articles are as before.
 */
export async function applyArticleOps(store: ArticleStore, ops: readonly ArticleOp[], nowMs: number): Promise<OpOutcome[]> {
  const shards = [...byShard(ops, opId).entries()].map(([shard, shardOps]) => ({ stub: store.writers.getByName(writerName(shard)), ops: shardOps }));
  const answers = await Promise.all(shards.map(async ({ stub, ops: shardOps }) => stub.apply(shardOps, nowMs)));
  // The writers' operations ran in their invocations; a counted binding reports them with its own.
  for (const answer of answers) addKvCounts(store.kv, answer.kv);
  const feeds = [...new Set(answers.flatMap((a) => a.feeds))];
  const failedBumps = new Set(feeds.length > 0 ? await bumpFeedVersions(store.kv, feeds, nowMs) : []);
  await Promise.all(
    shards.map(async ({ stub }, i) => {
      const answer = answers[i];
      const settled = answer ? answer.feeds.filter((feed) => !failedBumps.has(feed)) : [];
      if (answer && settled.length > 0) await stub.settle(settled, answer.seq, store.site);
    }),
  );
  const failed = answers.find((a) => !a.ok);
  if (failed) throw new StorageUnavailable("article write", failed);
  const outcomes = new Map<string, OpOutcome>();
  for (const answer of answers) if (answer.ok) for (const outcome of answer.outcomes) outcomes.set(outcome.id, outcome);
  return ops.map((op) => outcomes.get(opId(op)) ?? { id: opId(op), status: "absent", tags: [] });
}

/**
 * The cron's part: every writer finishes what a dead invocation left (pending writes, unbumped
 * feeds). One call per shard; their alarms normally got there first, and then it costs no KV operation.
 */
export async function sweepArticleWriters(
  writers: DurableObjectNamespace<ArticleWriter>,
): Promise<{ feeds: number; failed: number; pending: number; kvOps: number }> {
  const reports = await Promise.all(Array.from({ length: ARTICLE_SHARDS }, (_, shard) => writers.getByName(writerName(shard)).sweep()));
  return reports.reduce(
    (sum, r) => ({ feeds: sum.feeds + r.feeds, failed: sum.failed + r.failed, pending: sum.pending + r.pending, kvOps: sum.kvOps + totalKvOps(r.kv) }),
    { feeds: 0, failed: 0, pending: 0, kvOps: 0 },
  );
}

/** Removes an article from every feed. Returns its tags, or null if there was none. */
export async function deleteArticle(store: ArticleStore, id: string, nowMs: number): Promise<{ id: string; tags: Article["tags"] } | null> {
  const [outcome] = await applyArticleOps(store, [{ kind: "delete", id }], nowMs);
  return outcome?.status === "deleted" ? { id, tags: outcome.tags } : null;
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
): Promise<{ entries: IndexEntry[]; more: boolean; deletions: RecentDeletion[] }> {
  const entries: IndexEntry[] = [];
  const deletions: RecentDeletion[] = [];
  for await (const page of scanFeedEntries(kv, feed, options.after)) {
    deletions.push(...(page.deletions ?? []));
    for (const entry of page.entries) {
      if (entries.length === options.limit) return { entries, more: true, deletions };
      entries.push(entry);
    }
  }
  return { entries, more: false, deletions };
}

/** One KV list page of a feed's index, as `scanFeedEntries` yields it. */
export interface IndexScanPage {
  /** The page's entries older than the cursor, newest first. */
  entries: IndexEntry[];
  /** Deletions recorded among the feed's keys (store/deletions.ts): on the first page only, before every entry. */
  deletions?: RecentDeletion[];
  /** How many keys the page held before the cursor filter (a skipped page has keys but no entries). */
  listed: number;
  /** The page's last (oldest) key. */
  lastKey: string | undefined;
  /** No page follows. */
  done: boolean;
}

/**
 * A feed's index entries older than `after`, newest first, one KV list operation per page
 * yielded: callers that budget lists count pages.
 */
export async function* scanFeedEntries(kv: KVNamespace, feed: FeedKey, after?: string): AsyncGenerator<IndexScanPage, void> {
  const prefix = indexPrefix(feed);
  const afterKey = after === undefined ? undefined : prefix + after.replace(".", ":");
  let cursor: string | undefined;
  for (;;) {
    const page = await kv.list<IndexEntryMeta>({ prefix, cursor });
    const entries: IndexEntry[] = [];
    const deletions: RecentDeletion[] = [];
    for (const key of page.keys) {
      if (afterKey !== undefined && key.name <= afterKey) continue;
      const id = idFromIndexKey(feed, key.name);
      if (id === undefined) {
        const deletion = deletionOf(feed, key);
        if (deletion) deletions.push(deletion);
        continue;
      }
      entries.push({ key: key.name, id, meta: key.metadata ?? undefined });
    }
    yield { entries, deletions, listed: page.keys.length, lastKey: page.keys[page.keys.length - 1]?.name, done: page.list_complete };
    if (page.list_complete) return;
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
