/**
 * RFC 5005 §4 archived feeds, the KV side: each feed's history cut into archives of `size`
 * entries (1 = oldest), each one KV document (`arc:{feed}:{n}`) holding the articles it shows,
 * and a small index (`arcidx:{feed}`, the count). A reader walking a feed's history reads one
 * document per archive, whatever its depth, instead of listing the index from the top each page.
 *
 * The sealer (the cron, `sealArchives`) works from the article writers' ledgers
 * (store/archive-ledger.ts), which follow every write of an article:
 *   - a feed whose unarchived entries reach 2 × size gets its `size` oldest sealed as the next
 *     archive (the current feed keeps at least `size` unarchived), repeatedly, within the bound;
 *   - an archive an article entered or left (update, delete, retag, expiry, a backdated article)
 *     is rewritten whole from the ledgers: removed articles leave their archives.
 * Archive boundaries never move once sealed, so links between archives stay right.
 *
 * Costs (KV operations): reading an archive page, 1 read of `arc:` + 1 of `arcidx:` (none of
 * either when this isolate read it lately); sealing one archive, 1 write, plus per sealed feed
 * 1 write of `arcidx:` and its version bump (the current feed then links its newest archive);
 * rewriting an archive, 1 write. The ledgers live in the writers' SQLite: no KV list, no read.
 */
import * as z from "zod";
import type { Article } from "../domain/article";
import { TagSchema, type Tag } from "../domain/tag";
import { compareNewestFirst } from "../render/feed-document";
import { ARTICLE_SHARDS } from "./article-ops";
import type { LedgerPoint } from "./archive-ledger";
import type { ArticleWriter } from "./article-writer";
import { writerName } from "./articles";
import { bumpFeedVersions } from "./feed-versions";
import { ALL_FEED, type FeedKey, archiveIndexKey, archiveKey, tagFeedKey } from "./keys";

export const DEFAULT_ARCHIVE_SIZE = 100;

/** What one archive document holds: the articles, newest first, as the renderer takes them. */
export interface StoredArchive {
  n: number;
  articles: Article[];
  /** The tag as its articles name it (the taxonomy's name wins when there is one). */
  tag?: Tag;
  /** When this archive was last written (unix ms): its Last-Modified and feed `updated`. */
  changedMs: number;
  /** Random, new at every write: names this version of the document (isolate caches key on it). */
  token: string;
}

const ArchiveIndexSchema = z.object({ count: z.number().int().nonnegative(), changed: z.number() });
export type ArchiveIndex = z.infer<typeof ArchiveIndexSchema>;

const StoredArchiveHead = z.object({
  n: z.number().int().positive(),
  articles: z.array(z.unknown()),
  changedMs: z.number(),
  token: z.string(),
  tag: TagSchema.optional(),
});

/** The archive size from configuration (ARCHIVE_SIZE), else the default. */
export function archiveSize(raw: string | undefined): number {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= 1000 ? n : DEFAULT_ARCHIVE_SIZE;
}

/** Archive counts read lately in this isolate: a seal elsewhere shows within this long. */
const INDEX_REUSE_MS = 60_000;
const recentIndexes = new Map<FeedKey, { index: ArchiveIndex | null; readAt: number }>();

export async function getArchiveIndex(kv: KVNamespace, feed: FeedKey, nowMs = Date.now()): Promise<ArchiveIndex | null> {
  const recent = recentIndexes.get(feed);
  if (recent && nowMs - recent.readAt < INDEX_REUSE_MS) return recent.index;
  const parsed = ArchiveIndexSchema.safeParse(await kv.get(archiveIndexKey(feed), "json"));
  const index = parsed.success ? parsed.data : null;
  if (recentIndexes.size >= 1000) recentIndexes.clear();
  recentIndexes.set(feed, { index, readAt: nowMs });
  return index;
}

/** An archive document this module wrote (its articles were validated when stored), or null. */
export async function getArchive(kv: KVNamespace, feed: FeedKey, n: number): Promise<StoredArchive | null> {
  const raw = await kv.get(archiveKey(feed, n), "json");
  const parsed = StoredArchiveHead.safeParse(raw);
  if (!parsed.success) return null;
  const { n: number, articles, changedMs, token, tag } = parsed.data;
  return { n: number, articles: articles as Article[], changedMs, token, ...(tag && { tag }) };
}

type Writers = DurableObjectNamespace<ArticleWriter>;
const shards = (writers: Writers) => Array.from({ length: ARTICLE_SHARDS }, (_, shard) => writers.getByName(writerName(shard)));

/** Oldest first: the feed's order reversed (store/archive-ledger.ts). */
const oldestFirst = (a: LedgerPoint, b: LedgerPoint): number => a.ms - b.ms || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

export interface SealReport {
  sealed: number;
  rewritten: number;
  feeds: number;
  /** Work left for the next call (the bound was reached). */
  more: boolean;
}

/**
 * One bounded pass: rewrites dirty archives and seals full ones, at most `maxWrites` archive
 * documents. Safe to run concurrently with writes: an article written meanwhile marks its
 * archive dirty again in its writer, and the next pass rewrites it.
 */
export async function sealArchives(
  env: { KV: KVNamespace; ARTICLE_WRITER: Writers },
  options: { size: number; nowMs: number; maxWrites?: number },
): Promise<SealReport> {
  const { size, nowMs } = options;
  const maxWrites = options.maxWrites ?? 20;
  const stubs = shards(env.ARTICLE_WRITER);
  const work = await Promise.all(stubs.map((stub) => stub.archiveWork(maxWrites)));
  let writes = 0;
  let more = false;
  const report = { sealed: 0, rewritten: 0, feeds: 0 };

  // Rewrites first: a removed article must leave its archive before anything else is sealed.
  const dirty = new Map<string, { feed: FeedKey; n: number }>();
  for (const w of work) for (const d of w.dirty) dirty.set(`${d.feed}\n${d.n}`, { feed: d.feed, n: d.n });
  for (const { feed, n } of dirty.values()) {
    if (writes >= maxWrites) {
      more = true;
      break;
    }
    const parts = await Promise.all(stubs.map((stub) => stub.archiveRead(feed, n)));
    await putArchive(env.KV, feed, n, parts.flatMap((p) => p.articles), nowMs);
    await Promise.all(stubs.map((stub, i) => stub.archiveWritten(feed, n, parts[i]?.ver ?? 0)));
    writes++;
    report.rewritten++;
  }

  const grown = [...new Set(work.flatMap((w) => w.grown))];
  if (grown.length === 0) return { ...report, more };
  const counts = await Promise.all(stubs.map((stub) => stub.archiveCounts(grown)));
  for (const feed of grown) {
    const here = counts.flatMap((c) => c.filter((x) => x.feed === feed));
    let unarchived = here.reduce((sum, x) => sum + x.unarchived, 0);
    let archives = Math.max(0, ...here.map((x) => x.archives));
    const before = archives;
    while (unarchived >= 2 * size) {
      if (writes >= maxWrites) {
        more = true;
        break;
      }
      const oldest = (await Promise.all(stubs.map((stub) => stub.archiveOldest(feed, size)))).flat().sort(oldestFirst).slice(0, size);
      const bound = oldest[oldest.length - 1];
      if (!bound) break;
      const n = archives + 1;
      const parts = await Promise.all(stubs.map((stub) => stub.archiveSeal(feed, n, bound)));
      await putArchive(env.KV, feed, n, parts.flatMap((p) => p.articles), nowMs);
      await Promise.all(stubs.map((stub, i) => stub.archiveWritten(feed, n, parts[i]?.ver ?? 0)));
      archives = n;
      unarchived -= oldest.length;
      writes++;
      report.sealed++;
    }
    if (archives > before) {
      const index: ArchiveIndex = { count: archives, changed: nowMs };
      await env.KV.put(archiveIndexKey(feed), JSON.stringify(index));
      recentIndexes.set(feed, { index, readAt: Date.now() });
      // The current feed links its newest archive: a new version renders the link.
      await bumpFeedVersions(env.KV, [feed], nowMs);
      report.feeds++;
    }
    // Stopped within the bound: look at this feed again next time.
    if (unarchived >= 2 * size) await stubs[0]?.archiveRegrow(feed);
  }
  return { ...report, more };
}

async function putArchive(kv: KVNamespace, feed: FeedKey, n: number, articles: Article[], nowMs: number): Promise<void> {
  const sorted = [...new Map(articles.map((a) => [a.id, a])).values()].sort(compareNewestFirst);
  const tag = tagOf(feed, sorted);
  const doc: StoredArchive = { n, articles: sorted, changedMs: nowMs, token: crypto.randomUUID().slice(0, 8), ...(tag && { tag }) };
  await kv.put(archiveKey(feed, n), JSON.stringify(doc));
}

function tagOf(feed: FeedKey, articles: readonly Article[]): Tag | undefined {
  if (feed === ALL_FEED) return undefined;
  for (const article of articles) {
    const tag = article.tags.find((t) => tagFeedKey(t) === feed);
    if (tag) return tag;
  }
  return undefined;
}
