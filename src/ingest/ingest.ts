/**
 * Stores normalized articles: the step both ways in (webhook and upstream refresh) share.
 * Compares each draft with the stored version: unchanged content writes nothing; new or changed
 * content is stamped and written through the store's commit protocol.
 *
 * KV operations for a batch of n articles with t distinct tags: ceil(n/100) bulk article reads +
 * ceil(t/100) bulk tag-record reads, then the writes store/write-cost.ts counts: per new
 * article 1 record + 1 index key per feed (all + one per tag); an update writes its record and only
 * the index keys it adds, and deletes those it no longer has; once per batch one version bump per
 * touched feed, a record for each tag seen for the first time, and the writers' reads of articles
 * new to them. test/write-cost.test.ts holds the estimate to the real count (Worker and writers).
 *
 * Two entry points with different semantics for an article that already exists:
 * - `ingestArticles` (webhook): the publisher owns its article; a changed submission replaces the
 *   stored version (tags it lost no longer list it).
 * - `ingestUpstream` (refresh job): several feeds may carry the same story (one article, its id
 *   derived from the canonical URL). Replacing would make the article flip between the feeds'
 *   versions on every refresh, each flip a write, and drop every source but the last. So an
 *   upstream draft is merged (`mergeUpstream`): the sources and the tags are unions; the content
 *   is replaced only by the source that first brought the article (its first source); and a date
 *   the refresh job invented for an undated item never replaces the stored one. A merge that
 *   changes nothing writes nothing.
 */
import type { Article, SourceRef } from "../domain/article";
import type { Tag } from "../domain/tag";
import { type Result, err, ok } from "../domain/result";
import { type ArticleStore, applyArticleOps, getArticles } from "../store/articles";
import { guardKv, newKvCounts, totalKvOps } from "../store/guard";
import type { ArticleOp, OpOutcome } from "../store/article-ops";
import { missingTagRecords, putTagRecords } from "../store/tags";
import { BatchCost, tagIdentity } from "../store/write-cost";
import { plainUrlWithoutUserinfo } from "./ids";
import { type ArticleDraft, reviseDraft, stampArticle } from "./normalize";

/**
 * `retracted`: an admin deleted the article and this version may not bring it back (a tombstone,
 * store/article-writer.ts); nothing was stored. Only the webhook answers it: an upstream copy of a
 * retracted article counts as unchanged in a refresh (the feed keeps carrying it; nothing to do).
 */
export type IngestStatus = "created" | "updated" | "unchanged" | "retracted";
/** `expired`: retention would have removed the new article at once, so it was not written (refresh-source.ts). */
export type UpstreamStatus = Exclude<IngestStatus, "retracted"> | "expired";

export interface IngestOutcome<S extends IngestStatus | UpstreamStatus = IngestStatus> {
  id: string;
  status: S;
  tags: Tag[];
  url?: string;
}

/**
 * KV operations one webhook request may spend on storing its batch: the platform allows 1000 per
 * invocation, and the request also reads its `seen:` key and the taxonomy and writes `seen:`.
 */
export const REQUEST_KV_BUDGET = 900;

export interface OverBudget {
  kvOperations: number;
  budget: number;
}

/**
 * Stores a webhook batch. Before writing anything it counts the KV operations the batch needs
 * (an upper bound); past `budget` it writes nothing and says so, since a batch cut off by the
 * platform's limit half-way would be stored in part.
 */
export async function ingestArticles(
  store: ArticleStore,
  drafts: readonly ArticleDraft[],
  nowMs: number,
  budget = REQUEST_KV_BUDGET,
): Promise<Result<IngestOutcome[], OverBudget>> {
  const { kv } = store;
  // An estimate from KV: the writers decide from their own record what each draft changes.
  const previous = await getArticles(kv, drafts.map((d) => d.id));
  const changed: { next: Article; prev: Article | null }[] = [];
  for (const draft of drafts) {
    const prev = previous.get(draft.id) ?? null;
    if (!prev || prev.rev !== draft.rev) changed.push({ next: stampArticle(draft, prev, nowMs), prev });
  }
  const tags = uniqueTags(changed.flatMap((c) => c.next.tags));
  const missing = await missingTagRecords(kv, tags);
  const cost = new BatchCost(new Set(missing.map(tagIdentity)));
  for (const { next, prev } of changed) cost.add(next, prev);
  const kvOperations = Math.ceil(drafts.length / 100) + Math.ceil(tags.length / 100) + cost.total;
  if (kvOperations > budget) return err({ kvOperations, budget });
  // Every draft goes to its writer, unchanged ones too: a retried delivery of a stored batch
  // finishes whatever an earlier, interrupted one left (its feed-version bumps).
  const applied = await applyArticleOps(store, drafts.map((draft): ArticleOp => ({ kind: "replace", draft })), nowMs);
  await putStoredTagRecords(kv, missing, applied, nowMs);
  return ok(applied.map((outcome) => toIngestOutcome(outcome, outcome.status === "retracted" ? "retracted" : undefined)));
}

/**
 * The missing tag records of the tags the writers' stored records carry, written after the
 * writers answered: a draft they refused (`retracted`) or that failed leaves no record of a tag
 * without articles behind. A feed may list an article for a moment before its tag's record exists.
 */
async function putStoredTagRecords(kv: KVNamespace, missing: readonly Tag[], applied: readonly OpOutcome[], nowMs: number): Promise<void> {
  if (missing.length === 0) return;
  const stored = new Set(applied.filter((o) => o.status !== "retracted" && o.status !== "expired").flatMap((o) => o.tags.map(tagIdentity)));
  await putTagRecords(kv, missing.filter((tag) => stored.has(tagIdentity(tag))), new Date(nowMs).toISOString());
}

/** A writer's outcome as ingest answers it: created and updated as they are, the rest unchanged unless `other` says. */
function toIngestOutcome<S extends IngestStatus | UpstreamStatus = UpstreamStatus>(outcome: OpOutcome, other?: S): IngestOutcome<"created" | "updated" | "unchanged" | S> {
  const status = outcome.status === "created" || outcome.status === "updated" ? outcome.status : (other ?? "unchanged");
  return { id: outcome.id, status, tags: outcome.tags, ...(outcome.url !== undefined && { url: outcome.url }) };
}

function uniqueTags(tags: readonly Tag[]): Tag[] {
  const byKey = new Map<string, Tag>();
  for (const tag of tags) byKey.set(`${tag.type}/${tag.slug}`, tag);
  return [...byKey.values()];
}

/**
 * An upstream item after normalize, whether its `published` was invented (the fetch time), and
 * whether retention would remove it at once on its own (then it is only merged into a stored article).
 */
export interface UpstreamDraft {
  draft: ArticleDraft;
  inventedDate: boolean;
  expired?: boolean;
}

export interface UpstreamIngestOptions {
  /**
   * At most this many KV operations for writing (store/write-cost.ts: index keys, record, feed
   * versions, stale index keys, new tag records). Changed articles past it are not written
   * and counted `deferred`, for the next refresh. Default: unlimited.
   */
  maxWriteOps?: number;
}

export interface UpstreamIngestResult {
  outcomes: IngestOutcome<UpstreamStatus>[];
  /** Changed articles left unwritten because `maxWriteOps` ran out. */
  deferred: number;
  /** The first of them: the document is continued from it (items after it, changed or not, wait too). */
  firstDeferredId?: string;
  /** KV operations really used, the writers' included (counted: store/guard.ts). */
  kvOps: number;
  /** What store/write-cost.ts estimated for them before writing (the figure `maxWriteOps` is held to, plus the reads). */
  kvEstimate: number;
}

/**
 * Stores upstream drafts with merge semantics (see the header). Drafts repeating an id already in
 * the batch are ignored (a feed listing one story twice). Order matters: when `maxWriteOps` runs
 * out, the earliest drafts (a feed's newest items, for most feeds) are the ones written.
 */
export async function ingestUpstream(
  store: ArticleStore,
  items: readonly UpstreamDraft[],
  nowMs: number,
  options: UpstreamIngestOptions = {},
): Promise<UpstreamIngestResult> {
  const counts = newKvCounts();
  const kv = guardKv(store.kv, counts);
  const counted: ArticleStore = { ...store, kv };
  const unique = new Map<string, UpstreamDraft>();
  for (const item of items) if (!unique.has(item.draft.id)) unique.set(item.draft.id, item);
  const batch = [...unique.values()];
  // An estimate from KV for the budget; the writers merge into their own record.
  const previous = await getArticles(kv, batch.map((b) => b.draft.id));
  let kvOps = Math.ceil(batch.length / 100);

  const budget = options.maxWriteOps ?? Number.POSITIVE_INFINITY;
  const candidates: { draft: ArticleDraft; inventedDate: boolean; merged: ArticleDraft; prev: Article | null; expired?: true }[] = [];
  const outcomes: IngestOutcome<UpstreamStatus>[] = [];
  for (const { draft, inventedDate, expired } of batch) {
    const prev = previous.get(draft.id) ?? null;
    // Expired, and KV knows no article for it: its writer only looks it up, and writes nothing unless it holds one after all.
    if (!prev && expired === true) {
      candidates.push({ draft, inventedDate, merged: draft, prev, expired: true });
      continue;
    }
    const merged = prev ? await mergeUpstream(prev, draft, inventedDate) : draft;
    if (prev && prev.rev === merged.rev) {
      outcomes.push({ ...outcomeBase(merged), status: "unchanged" });
      continue;
    }
    candidates.push({ draft, inventedDate, merged, prev });
  }
  if (candidates.length === 0) return { outcomes, deferred: 0, kvOps: totalKvOps(counts), kvEstimate: kvOps };

  const tags = uniqueTags(candidates.flatMap((c) => (c.expired ? [] : c.merged.tags)));
  const missing = await missingTagRecords(kv, tags);
  kvOps += Math.ceil(tags.length / 100);
  const cost = new BatchCost(new Set(missing.map(tagIdentity)));
  let deferred = 0;
  let firstDeferredId: string | undefined;
  const ops: ArticleOp[] = [];
  const used = new Set<string>();
  for (const { draft, inventedDate, merged, prev, expired } of candidates) {
    if (deferred > 0 || cost.total + (expired ? cost.costOfLookup(draft.id) : cost.costOf(merged, prev)) > budget) {
      firstDeferredId ??= draft.id;
      deferred += 1;
      continue;
    }
    if (expired) {
      cost.addLookup(draft.id);
      ops.push({ kind: "merge", draft, inventedDate, expired });
      continue;
    }
    cost.add(merged, prev);
    for (const tag of merged.tags) used.add(tagIdentity(tag));
    ops.push({ kind: "merge", draft, inventedDate });
  }
  if (ops.length > 0) {
    const applied = await applyArticleOps(counted, ops, nowMs);
    await putStoredTagRecords(kv, missing.filter((tag) => used.has(tagIdentity(tag))), applied, nowMs);
    outcomes.push(...applied.map((outcome) => toIngestOutcome(outcome, outcome.status === "expired" ? "expired" : undefined)));
  }
  return { outcomes, deferred, ...(firstDeferredId !== undefined && { firstDeferredId }), kvOps: totalKvOps(counts), kvEstimate: kvOps + cost.total };
}

const outcomeBase = (merged: ArticleDraft) => ({ id: merged.id, tags: merged.tags, ...(merged.url !== undefined && { url: merged.url }) });

/**
 * The stored article with an upstream draft merged in. Sources and tags: unions (stored ones
 * first). Content: the draft's when it comes from the article's first source (its owner: the feed,
 * or the publisher, that brought it first), else the stored content. A date invented for an
 * undated item never replaces the stored one. `rev` is recomputed over the result, so an equal rev
 * means nothing to write.
 */
export async function mergeUpstream(prev: Article, draft: ArticleDraft, inventedDate: boolean): Promise<ArticleDraft> {
  const { received: _received, modified: _modified, rev: _prevRev, ...stored } = prev;
  const { rev: _draftRev, ...incoming } = draft;
  const owner = prev.sources[0];
  // Ownership uses the same key as the union: a publisher's `{name}` never matches a feed's
  // `{name, url}`, so an upstream refresh cannot take over (and rewrite) a webhook article.
  const fromOwner = owner !== undefined && draft.sources.some((s) => sourceKey(s) === sourceKey(owner));
  const content = fromOwner ? { ...incoming, ...(inventedDate && { published: prev.published }) } : stored;
  const merged: Omit<ArticleDraft, "rev"> = {
    ...content,
    sources: unionBy(prev.sources, draft.sources, sourceKey),
    tags: unionBy(prev.tags, draft.tags, (t) => `${t.type}/${t.slug}`),
  };
  return reviseDraft(merged);
}

/**
 * A source's identity: its URL without userinfo (drafts are stored without it, normalize.ts;
 * records stored before that may still carry it, and must still match their source), else its name.
 */
function sourceKey(s: SourceRef): string {
  if (s.url === undefined) return `name:${s.name}`;
  try {
    return `url:${plainUrlWithoutUserinfo(s.url)}`;
  } catch {
    return `url:${s.url}`;
  }
}


function unionBy<T>(first: readonly T[], second: readonly T[], key: (value: T) => string): T[] {
  const seen = new Set(first.map(key));
  const union = [...first];
  for (const value of second) {
    const k = key(value);
    if (seen.has(k)) continue;
    seen.add(k);
    union.push(value);
  }
  return union;
}
