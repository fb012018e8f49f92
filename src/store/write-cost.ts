/**
 * What writing a batch of articles costs in KV operations, as the write path spends them (the
 * article writers' puts and deletes, store/article-writer.ts; the feed-version bumps of
 * articles.ts `applyArticleOps`; tags.ts `putTagRecords`), so budgets are neither
 * overdrawn nor left half idle. The one place these costs are computed: the webhook's batch check
 * and the refresh's per-item planning both use it, and test/write-cost.test.ts holds it to the
 * counting guard's real count.
 *
 * Per article: 1 record put + 1 put per index key the new version adds + 1 delete per index key
 * it drops (an update keeping its tags and date adds and drops none). Once per batch: 1 version
 * bump per distinct feed touched (new and old feeds), 1 put per tag without a
 * record yet plus 1 tag-set bump when there is any, and 1 bulk read per writer that receives new
 * articles (a writer reads an article it has never seen from KV once, 100 a read). The caller's
 * own reads (articles and tag records, bulk, 100 keys each) come on top.
 *
 * What the figure bounds: the whole write, both sides. The Worker spends the reads, tag records
 * and version bumps in its own invocation; each writer spends its share of the puts and deletes
 * in its own (a call to a Durable Object is an invocation with its own 1000 KV operations). So a
 * batch whose figure fits the Worker's budget fits every invocation involved: neither side can
 * spend more than the total.
 */
import type { Article } from "../domain/article";
import type { Tag } from "../domain/tag";
import { shardOf } from "./article-ops";
import { feedsOf, indexKeysOf } from "./articles";

type Indexed = Pick<Article, "id" | "published" | "tags">;

export const tagIdentity = (tag: Pick<Tag, "type" | "slug">): string => `${tag.type}/${tag.slug}`;

/** Record put + added index puts + stale index deletes of one article. */
export function articleWriteCost(next: Indexed, prev: Indexed | null): number {
  const nextKeys = indexKeysOf(next);
  if (!prev) return nextKeys.length + 1;
  const had = new Set(indexKeysOf(prev));
  const keep = new Set(nextKeys);
  let cost = 1;
  for (const key of nextKeys) if (!had.has(key)) cost += 1;
  for (const key of had) if (!keep.has(key)) cost += 1;
  return cost;
}

/** The running cost of a batch, article by article (shared feeds and tags are counted once). */
export class BatchCost {
  private readonly feeds = new Set<string>();
  private readonly newTags = new Set<string>();
  /** New articles per writer: each writer reads 100 of them from KV per bulk read. */
  private readonly created = new Map<number, number>();
  total = 0;

  /** `missingTags`: identities (`type/slug`) of the tags that have no record yet. */
  constructor(private readonly missingTags: ReadonlySet<string>) {}

  /** What adding this article would add to the total. */
  costOf(next: Indexed, prev: Indexed | null): number {
    let cost = articleWriteCost(next, prev);
    if (!prev && (this.created.get(shardOf(next.id)) ?? 0) % 100 === 0) cost += 1;
    const feeds = new Set([...feedsOf(next), ...(prev ? feedsOf(prev) : [])]);
    for (const feed of feeds) if (!this.feeds.has(feed)) cost += 1;
    // The first tag record of the batch also bumps the tag set's version.
    let first = this.newTags.size === 0;
    const counted = new Set<string>();
    for (const tag of next.tags) {
      const id = tagIdentity(tag);
      if (!this.missingTags.has(id) || this.newTags.has(id) || counted.has(id)) continue;
      counted.add(id);
      cost += first ? 2 : 1;
      first = false;
    }
    return cost;
  }

  /** What a draft its writer only looks up (an expired upstream item, ingest.ts) would add: its share of the writer's bulk read. */
  costOfLookup(id: string): number {
    return (this.created.get(shardOf(id)) ?? 0) % 100 === 0 ? 1 : 0;
  }

  addLookup(id: string): number {
    const cost = this.costOfLookup(id);
    this.created.set(shardOf(id), (this.created.get(shardOf(id)) ?? 0) + 1);
    this.total += cost;
    return cost;
  }

  add(next: Indexed, prev: Indexed | null): number {
    const cost = this.costOf(next, prev);
    if (!prev) this.created.set(shardOf(next.id), (this.created.get(shardOf(next.id)) ?? 0) + 1);
    for (const feed of feedsOf(next)) this.feeds.add(feed);
    if (prev) for (const feed of feedsOf(prev)) this.feeds.add(feed);
    for (const tag of next.tags) if (this.missingTags.has(tagIdentity(tag))) this.newTags.add(tagIdentity(tag));
    this.total += cost;
    return cost;
  }
}
