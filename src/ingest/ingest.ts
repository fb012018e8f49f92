/**
 * Stores normalized articles: the step both ways in (webhook and upstream refresh) share.
 * Compares each draft with the stored version: unchanged content writes nothing; new or changed
 * content is stamped and written through the store's commit protocol.
 *
 * KV operations for a batch of n articles with t distinct new tags:
 *   reads: ceil(n/100) bulk article reads + ceil(tags/100) bulk tag-record reads;
 *   writes per new or changed article: 1 record + 1 per feed (all + one per tag), plus a tag record
 *   for each tag seen for the first time; an update also deletes the index keys it no longer has.
 */
import type { Article } from "../domain/article";
import type { Tag } from "../domain/tag";
import { getArticles, writeArticle } from "../store/articles";
import { ensureTagRecords } from "../store/tags";
import type { ArticleDraft } from "./normalize";
import { stampArticle } from "./normalize";

export type IngestStatus = "created" | "updated" | "unchanged";

export interface IngestOutcome {
  id: string;
  status: IngestStatus;
  tags: Tag[];
  url?: string;
}

export async function ingestArticles(kv: KVNamespace, drafts: readonly ArticleDraft[], nowMs: number): Promise<IngestOutcome[]> {
  const previous = await getArticles(kv, drafts.map((d) => d.id));
  const changed: { next: Article; prev: Article | null }[] = [];
  const outcomes = drafts.map((draft): IngestOutcome => {
    const prev = previous.get(draft.id) ?? null;
    const base = { id: draft.id, tags: draft.tags, ...(draft.url !== undefined && { url: draft.url }) };
    if (prev && prev.rev === draft.rev) return { ...base, status: "unchanged" };
    changed.push({ next: stampArticle(draft, prev, nowMs), prev });
    return { ...base, status: prev ? "updated" : "created" };
  });
  if (changed.length > 0) {
    const tags = uniqueTags(changed.flatMap((c) => c.next.tags));
    await ensureTagRecords(kv, tags, new Date(nowMs).toISOString());
    await Promise.all(changed.map(({ next, prev }) => writeArticle(kv, next, prev, nowMs)));
  }
  return outcomes;
}

function uniqueTags(tags: readonly Tag[]): Tag[] {
  const byKey = new Map<string, Tag>();
  for (const tag of tags) byKey.set(`${tag.type}/${tag.slug}`, tag);
  return [...byKey.values()];
}
