/**
 * Moving a tag's articles to another tag (a merge, or an entry's slug rename), in bounded steps.
 *
 * Contract: `moveTagArticles(kv, from, into, nowMs)` moves at most `maxArticles` articles and
 * spends at most about `opsBudget` KV operations (a Worker invocation may make 1000), then
 * answers `{moved, remaining, done}`; the caller repeats until `done`. Each article is rewritten
 * through `writeArticle` (store/articles.ts: index keys, commit, stale keys, feed versions) with
 * `from` replaced by `into` and a fresh `rev` (tags/merge.ts), keeping its `received` stamp.
 * When nothing of `from` remains, its tag record is deleted.
 *
 * Index entries of `from` whose article no longer claims them are a write in flight, or debris of
 * a crash once older than `debrisGraceMs`: debris is deleted, a young one is left and counted in
 * `remaining` (call again later). The article record is the truth (store/articles.ts).
 *
 * Cost per moved article with t tags: about 2t + 5 KV writes (t+1 index keys, the record, one
 * stale key, t+2 feed-version bumps); plus 1 list per 1000 entries of `from`, 1 bulk read per 100
 * articles, the `into` tag record, and one final bump of every feed touched. Articles are written
 * `concurrency` at a time: feed-version bumps of one key within a second are refused by KV and
 * retried (feed-versions.ts), and the final bump names a state that includes every move.
 */
import type { Article } from "../domain/article";
import type { Tag } from "../domain/tag";
import { stampArticle } from "../ingest/normalize";
import { type TagRef, retagArticle } from "../tags/merge";
import { type IndexEntry, feedsOf, getArticles, indexKeysOf, listFeedEntries, writeArticle } from "./articles";
import { bumpFeedVersions } from "./feed-versions";
import { type FeedKey, tagFeedKey } from "./keys";
import { deleteTagRecord, ensureTagRecords } from "./tags";

export interface MoveLimits {
  maxArticles: number;
  opsBudget: number;
  /** How many index entries of `from` are listed (and so counted in `remaining`) per call. */
  listLimit: number;
  concurrency: number;
  debrisGraceMs: number;
}

export const MOVE_LIMITS: MoveLimits = {
  maxArticles: 200,
  opsBudget: 800,
  listLimit: 5000,
  concurrency: 10,
  debrisGraceMs: 10 * 60_000,
};

export interface MoveProgress {
  /** Articles moved by this call. */
  moved: number;
  /** Index entries of `from` still to handle (counting at most `listLimit`). */
  remaining: number;
  /** Nothing of `from` is left: its feed is empty and its tag record deleted. */
  done: boolean;
}

export async function moveTagArticles(
  kv: KVNamespace,
  from: TagRef,
  into: Tag,
  nowMs: number,
  limits: MoveLimits = MOVE_LIMITS,
): Promise<MoveProgress> {
  const fromFeed = tagFeedKey(from);
  const { entries, more } = await listFeedEntries(kv, fromFeed, { limit: limits.listLimit });
  let ops = Math.max(1, Math.ceil(entries.length / 1000));

  // The first `maxArticles` distinct articles listed, and every entry of theirs.
  const ids = new Set<string>();
  for (const entry of entries) {
    if (ids.size === limits.maxArticles) break;
    ids.add(entry.id);
  }
  const articles = await getArticles(kv, [...ids]);
  ops += Math.ceil(ids.size / 100);

  const moves: Article[] = [];
  const queued = new Set<string>();
  const debris: IndexEntry[] = [];
  const nowSeconds = nowMs / 1000;
  for (const entry of entries) {
    if (!ids.has(entry.id)) continue;
    const article = articles.get(entry.id) ?? null;
    const carries = article?.tags.some((t) => t.type === from.type && t.slug === from.slug) ?? false;
    if (article && carries && indexKeysOf(article).includes(entry.key)) {
      if (!queued.has(article.id)) moves.push(article);
      queued.add(article.id);
    } else if (nowSeconds - (entry.meta?.w ?? 0) > limits.debrisGraceMs / 1000) {
      debris.push(entry);
    }
  }

  const touched = new Set<FeedKey>();
  const handled = new Set<string>();
  let moved = 0;
  if (moves.length > 0) {
    await ensureTagRecords(kv, [into], new Date(nowMs).toISOString());
    ops += 2;
  }
  const costOf = (article: Article) => 2 * article.tags.length + 5;
  for (let start = 0; start < moves.length; ) {
    // As many of the next articles as the budget still takes, and always at least one per call:
    // articles with many tags must not stall a merge forever.
    let end = start;
    let cost = 0;
    while (end < moves.length && end - start < limits.concurrency) {
      const next = costOf(moves[end]!);
      if (ops + cost + next + touched.size + 3 > limits.opsBudget && !(moved === 0 && end === start)) break;
      cost += next;
      end += 1;
    }
    if (end === start) break;
    const chunk = moves.slice(start, end);
    start = end;
    // Re-read right before writing: a publisher's update since the listing is retagged, not
    // overwritten with the version read then (KV has no compare-and-swap; this narrows the window
    // to the time between this read and the write). An article deleted meanwhile stays deleted.
    const fresh = await getArticles(kv, chunk.map((a) => a.id));
    ops += 1;
    const results = await Promise.all(
      chunk.map(async (listed) => {
        const prev = fresh.get(listed.id);
        if (!prev) return { writes: 0, deletes: 0 };
        const draft = await retagArticle(prev, from, into);
        if (!draft) return { writes: 0, deletes: 0 };
        const next = stampArticle(draft, prev, nowMs);
        for (const feed of [...feedsOf(prev), ...feedsOf(next)]) touched.add(feed);
        for (const key of indexKeysOf(prev)) handled.add(key);
        return writeArticle(kv, next, prev, nowMs);
      }),
    );
    for (const { writes, deletes } of results) ops += writes + deletes;
    moved += chunk.length;
  }

  for (const entry of debris) {
    if (ops + touched.size + 1 > limits.opsBudget) break;
    await kv.delete(entry.key);
    handled.add(entry.key);
    ops += 1;
  }

  if (touched.size > 0) await bumpFeedVersions(kv, [...touched], nowMs);
  const remaining = entries.filter((e) => !handled.has(e.key)).length;
  const done = remaining === 0 && !more;
  if (done) await deleteTagRecord(kv, from);
  return { moved, remaining, done };
}
