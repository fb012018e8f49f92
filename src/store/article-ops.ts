/**
 * The operations the article writers apply (store/article-writer.ts) and which writer owns an
 * article: plain data and pure functions, shared by the writers and their callers.
 */
import type { Tag } from "../domain/tag";
import type { ArticleDraft } from "../ingest/normalize";
import type { TagRef } from "../tags/merge";
import type { KvCounts } from "./guard";
import type { FeedKey } from "./keys";

export const ARTICLE_SHARDS = 8;

export type ArticleOp =
  /** A publisher's version replaces the stored one (webhook). */
  | { kind: "replace"; draft: ArticleDraft }
  /**
   * An upstream version is merged into the stored one (ingest.ts, `mergeUpstream`). `expired`:
   * retention would remove the draft on its own at once (refresh-source.ts): merged into a stored
   * article (whose other sources may keep it), never created.
   */
  | { kind: "merge"; draft: ArticleDraft; inventedDate: boolean; expired?: true }
  /** Tag `from` becomes `into` (a merge or slug rename, store/merge.ts). */
  | { kind: "retag"; id: string; from: TagRef; into: Tag }
  | { kind: "delete"; id: string }
  /**
   * Retention (store/retention.ts): the article leaves the feeds of `drop`, or every feed and its
   * record ("all"). It is left as it is when it is no longer version `rev` (an age rule), or was
   * re-dated later than `publishedAtMost` (a count rule, which sees only the index).
   */
  | { kind: "expire"; id: string; rev?: string; publishedAtMost?: number; drop: TagRef[] | "all" }
  /** An index key of the article's that its record no longer claims: deleted unless it claims it again. */
  | { kind: "debris"; id: string; key: string };

/**
 * `retracted`: the article was deleted and this operation may not bring it back (a tombstone).
 * `expired`: an `expired` merge found no stored article: nothing written.
 */
export type OpStatus = "created" | "updated" | "unchanged" | "deleted" | "absent" | "retracted" | "expired";

export interface OpOutcome {
  id: string;
  status: OpStatus;
  /** Tags of the record now stored (of the removed one, for a delete). */
  tags: Tag[];
  url?: string;
}

/** `kv`: the writer's own KV operations for this call (its invocation's, not the caller's). */
export type ApplyAnswer =
  | { ok: true; outcomes: OpOutcome[]; feeds: FeedKey[]; seq: number; kv: KvCounts }
  | { ok: false; reason: "storage_unavailable"; feeds: FeedKey[]; seq: number; kv: KvCounts };

export const opId = (op: ArticleOp): string => ("draft" in op ? op.draft.id : op.id);

/** FNV-1a of the id: which writer owns an article. */
export function shardOf(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % ARTICLE_SHARDS;
}

/** `items` grouped by the writer that owns `idOf(item)`, in their order (one call per shard). */
export function byShard<T>(items: readonly T[], idOf: (item: T) => string): Map<number, T[]> {
  const shards = new Map<number, T[]>();
  for (const item of items) {
    const shard = shardOf(idOf(item));
    const group = shards.get(shard);
    if (group) group.push(item);
    else shards.set(shard, [item]);
  }
  return shards;
}

