/**
 * Recently deleted entries (RFC 6721), per feed: what an Atom page announces as
 * `at:deleted-entry` (render/atom1.ts). One KV key per (feed, deleted article) among the feed's
 * index keys, `idx:{feedKey}:!{id}` (store/keys.ts), metadata `{at}` (the deletion time, unix ms),
 * expiring after DELETION_TTL_S: written by the article writer when a deletion (admin or
 * publisher, never retention) has landed, removed when a publisher's changed version restores
 * the article. They sort before the feed's entries, so the list that reads a feed's first page
 * returns them too (store/articles.ts, `scanFeedEntries`): announcing costs readers nothing.
 */
import type { Article } from "../domain/article";
import { feedsOf } from "./articles";
import { type FeedKey, deletionKey, idFromDeletionKey } from "./keys";

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

/** The deletion a listed key records, or undefined for any other key. */
export function deletionOf(feed: FeedKey, key: { name: string; metadata?: unknown }): RecentDeletion | undefined {
  const id = idFromDeletionKey(feed, key.name);
  const at = (key.metadata as Partial<DeletionMeta> | null | undefined)?.at;
  return id !== undefined && typeof at === "number" && Number.isFinite(at) ? { id, atMs: at } : undefined;
}

/** Newest first, at most DELETIONS_PER_PAGE. */
export function newestDeletions(found: readonly RecentDeletion[]): RecentDeletion[] {
  return [...found].sort((a, b) => b.atMs - a.atMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).slice(0, DELETIONS_PER_PAGE);
}
