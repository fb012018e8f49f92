/**
 * Recently deleted entries (RFC 6721), per feed: what an Atom page announces as
 * `at:deleted-entry` (render/atom1.ts). One KV key per (feed, deleted article),
 * `del:{feedKey}:{id}`, metadata `{at}` (the deletion time, unix ms), expiring after
 * DELETION_TTL_S: written by the article writer when a deletion (admin or publisher, never
 * retention) has landed, removed when a publisher's changed version restores the article. Read
 * with one list when a feed's first page is rendered, which happens once per change of the feed.
 */
import type { Article } from "../domain/article";
import { feedsOf } from "./articles";
import { type FeedKey, deletionKey, deletionPrefix } from "./keys";

/** RFC 6721 leaves the period to the publisher: long enough for a reader that polls weekly. */
export const DELETION_TTL_S = 30 * 86_400;

/** Deleted entries a page announces at most (one KV list page holds 1000 keys). */
export const DELETIONS_PER_PAGE = 100;

export interface DeletionMeta {
  at: number;
}

export interface RecentDeletion {
  id: string;
  atMs: number;
}

/** The deletion of `record` is announced in every feed it was in. */
export async function announceDeletion(kv: KVNamespace, record: Pick<Article, "id" | "tags">, nowMs: number): Promise<void> {
  const meta: DeletionMeta = { at: nowMs };
  await Promise.all(feedsOf(record).map((feed) => kv.put(deletionKey(feed, record.id), "", { metadata: meta, expirationTtl: DELETION_TTL_S })));
}

/** A restored article is no longer announced as deleted in the feeds it is back in. */
export async function withdrawDeletion(kv: KVNamespace, record: Pick<Article, "id" | "tags">): Promise<void> {
  await Promise.all(feedsOf(record).map((feed) => kv.delete(deletionKey(feed, record.id))));
}

/** A feed's recent deletions, newest first, at most DELETIONS_PER_PAGE: one KV list. */
export async function recentDeletions(kv: KVNamespace, feed: FeedKey): Promise<RecentDeletion[]> {
  const prefix = deletionPrefix(feed);
  const page = await kv.list<DeletionMeta>({ prefix });
  const found: RecentDeletion[] = [];
  for (const key of page.keys) {
    const at = key.metadata?.at;
    const id = key.name.slice(prefix.length);
    if (typeof at === "number" && Number.isFinite(at) && id !== "") found.push({ id, atMs: at });
  }
  found.sort((a, b) => b.atMs - a.atMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return found.slice(0, DELETIONS_PER_PAGE);
}
