/**
 * Moving a tag's articles to another tag (a merge, or an entry's slug rename), in bounded steps.
 *
 * Contract: `moveTagArticles(kv, from, into, nowMs)` moves at most `maxArticles` articles and
 * spends at most about `opsBudget` KV operations (a Worker invocation may make 1000), then
 * answers `{moved, remaining, done}`; the caller repeats until `done`. Each article is retagged by
 * its writer (store/article-writer.ts: the version it holds, `from` replaced by `into`, a fresh
 * `rev` (tags/merge.ts), its `received` stamp kept), so a merge racing a publisher's update or a
 * delete never resurrects or overwrites either.
 * When nothing of `from` remains, its tag record is deleted.
 *
 * Index entries of `from` whose article no longer claims them are a write in flight, or debris of
 * a crash once older than `debrisGraceMs`: debris is deleted, a young one is left and counted in
 * `remaining` (call again later). The article record is the truth (store/articles.ts).
 *
 * Cost per moved article with t tags: about 2t + 5 KV writes (t+1 index keys, the record, one
 * stale key, t+2 feed-version bumps); plus 1 list per 1000 entries of `from`, 1 bulk read per 100
 * articles, the `into` tag record, and one final bump of every feed touched. Articles are written
 * `concurrency` per writer call, each call bumping the feeds it touched once.
 */
import type { Article } from "../domain/article";
import type { Tag } from "../domain/tag";
import type { TagRef } from "../tags/merge";
import { type ArticleStore, type IndexEntry, applyArticleOps, getArticles, indexKeysOf, listFeedEntries } from "./articles";
import { tagFeedKey } from "./keys";
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
  store: ArticleStore,
  from: TagRef,
  into: Tag,
  nowMs: number,
  limits: MoveLimits = MOVE_LIMITS,
): Promise<MoveProgress> {
  const { kv } = store;
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
      if (ops + cost + next + 3 > limits.opsBudget && !(moved === 0 && end === start)) break;
      cost += next;
      end += 1;
    }
    if (end === start) break;
    const chunk = moves.slice(start, end);
    start = end;
    // The writer retags the version it holds: a publisher's update since the listing is
    // retagged, not overwritten with the version read then; an article deleted meanwhile stays deleted.
    const outcomes = await applyArticleOps(store, chunk.map((a) => ({ kind: "retag", id: a.id, from, into })), nowMs);
    outcomes.forEach((outcome, i) => {
      const listed = chunk[i];
      if (outcome.status === "updated" && listed) for (const key of indexKeysOf(listed)) handled.add(key);
    });
    ops += cost;
    moved += chunk.length;
  }

  // Debris goes through the writers too, so a key an article claims again meanwhile is kept.
  const sweep = debris.slice(0, Math.max(0, limits.opsBudget - ops));
  if (sweep.length > 0) {
    const outcomes = await applyArticleOps(store, sweep.map((entry) => ({ kind: "debris", id: entry.id, key: entry.key })), nowMs);
    outcomes.forEach((outcome, i) => {
      const entry = sweep[i];
      if (entry && outcome.status === "deleted") handled.add(entry.key);
    });
  }

  const remaining = entries.filter((e) => !handled.has(e.key)).length;
  const done = remaining === 0 && !more;
  if (done) await deleteTagRecord(kv, from);
  return { moved, remaining, done };
}
