/**
 * Change journal: what lets the index repair cost work proportional to what was written, not to
 * the size of the store. Every write batch (articles.ts `writeArticles`, `deleteArticle`) first
 * puts one entry naming the index keys it may add or drop and its article ids; a crash at any later
 * step leaves the entry behind. The repair pass (`repairChanges`) lists the journal, oldest first,
 * and checks only those keys against the articles' records — the same two fixes as the full sweep
 * (store/repair.ts): debris deleted, missing keys put back (and their feeds' versions bumped) —
 * then deletes the entries it checked. An idle store costs one list returning nothing.
 *
 * An entry younger than the grace period may be a write in flight and waits. Entries expire after
 * 7 days, so a journal nobody repairs (no cron) cannot grow for ever; damage older than that is the
 * full sweep's (repairIndexes).
 *
 * KV operations of a pass over J entries naming A articles and K keys: 1 list + ⌈J/100⌉ reads +
 * ⌈A/100⌉ + ⌈K/100⌉ bulk reads + J deletes, plus 1 put per key restored or 1 delete per debris key.
 */
import * as z from "zod";
import type { Article } from "../domain/article";
import { type IndexEntryMeta, indexKeysOf, readArticleRecords } from "./articles";
import { bumpFeedVersions } from "./feed-versions";
import { JOURNAL_PREFIX, journalKey, journalTimeOf, parseIndexKey } from "./keys";
import { REPAIR_GRACE_MS } from "./repair";

const JournalEntrySchema = z.object({ ids: z.array(z.string()), keys: z.array(z.string()) });
export type JournalEntry = z.infer<typeof JournalEntrySchema>;

const JOURNAL_TTL_SECONDS = 7 * 24 * 3600;
const BULK_GET_MAX = 100;
/** Entries checked per pass at most (one list page). */
const PAGE_SIZE = 100;

/** Records that a batch is about to write these articles (1 put). */
export async function journalChange(kv: KVNamespace, articles: readonly Pick<Article, "id" | "published" | "tags">[], nowMs: number): Promise<void> {
  if (articles.length === 0) return;
  const entry: JournalEntry = { ids: [...new Set(articles.map((a) => a.id))], keys: [...new Set(articles.flatMap(indexKeysOf))] };
  await kv.put(journalKey(nowMs, crypto.randomUUID().slice(0, 8)), JSON.stringify(entry), { expirationTtl: JOURNAL_TTL_SECONDS });
}

export interface ChangeRepairReport {
  ops: number;
  /** Journal entries checked and deleted. */
  entries: number;
  removed: string[];
  restored: string[];
  /** Entries left because they are younger than the grace period. */
  young: number;
}

export async function repairChanges(kv: KVNamespace, options: { nowMs: number; budget: number; graceMs?: number }): Promise<ChangeRepairReport> {
  const graceMs = options.graceMs ?? REPAIR_GRACE_MS;
  const report: ChangeRepairReport = { ops: 0, entries: 0, removed: [], restored: [], young: 0 };
  if (options.budget < 1) return report;
  const page = await kv.list({ prefix: JOURNAL_PREFIX, limit: PAGE_SIZE });
  report.ops += 1;
  const ripe: string[] = [];
  for (const key of page.keys) {
    const at = journalTimeOf(key.name) ?? 0;
    if (options.nowMs - at < graceMs) report.young += 1;
    else ripe.push(key.name);
  }
  if (ripe.length === 0) return report;

  // Entries, then the articles they name and the keys they and the records claim.
  const left = (): number => options.budget - report.ops;
  const entries: { key: string; entry: JournalEntry | null }[] = [];
  for (let start = 0; start < ripe.length && left() > 0; start += BULK_GET_MAX) {
    const chunk = ripe.slice(start, start + BULK_GET_MAX);
    const values = await kv.get(chunk, "json");
    report.ops += 1;
    for (const key of chunk) {
      const parsed = JournalEntrySchema.safeParse(values.get(key));
      entries.push({ key, entry: parsed.success ? parsed.data : null });
    }
  }
  // As many entries as the budget takes for their reads (plus their deletes); the rest next pass.
  const taken: typeof entries = [];
  const ids = new Set<string>();
  const journalKeys = new Set<string>();
  for (const item of entries) {
    const nextIds = new Set([...ids, ...(item.entry?.ids ?? [])]);
    const nextKeys = new Set([...journalKeys, ...(item.entry?.keys ?? [])]);
    // Claimed keys are at most a few per article beyond the journal's: counted at 4 per article.
    const reads = Math.ceil(nextIds.size / BULK_GET_MAX) + Math.ceil((nextKeys.size + 4 * nextIds.size) / BULK_GET_MAX);
    if (taken.length > 0 && reads + taken.length + 1 > left()) break;
    taken.push(item);
    for (const id of item.entry?.ids ?? []) ids.add(id);
    for (const key of item.entry?.keys ?? []) journalKeys.add(key);
  }
  const idList = [...ids];
  const { articles, present } = idList.length > 0 ? await readArticleRecords(kv, idList) : { articles: new Map<string, Article | null>(), present: new Set<string>() };
  report.ops += Math.ceil(idList.length / BULK_GET_MAX);
  const claimed = new Map<string, Article>();
  for (const article of articles.values()) if (article) for (const key of indexKeysOf(article)) claimed.set(key, article);
  const toCheck = [...new Set([...journalKeys, ...claimed.keys()])];
  const existing = new Set<string>();
  for (let start = 0; start < toCheck.length; start += BULK_GET_MAX) {
    const chunk = toCheck.slice(start, start + BULK_GET_MAX);
    const values = await kv.get(chunk, "text");
    for (const key of chunk) if (values.get(key) != null) existing.add(key);
  }
  report.ops += Math.ceil(toCheck.length / BULK_GET_MAX);

  const doomed: string[] = [];
  const missing: string[] = [];
  for (const key of toCheck) {
    const owner = claimed.get(key);
    if (owner && !existing.has(key)) missing.push(key);
    if (!owner && existing.has(key)) {
      const id = parseIndexKey(key)?.id;
      // A record that exists but does not parse (another schema wrote it) is not ours to judge.
      if (id !== undefined && !(present.has(id) && !articles.get(id))) doomed.push(key);
    }
  }
  // Fixes within what is left after the entries' own deletes; an entry whose fixes did not all fit stays.
  let room = left() - taken.length;
  const fixedDoomed = doomed.slice(0, Math.max(0, room));
  room -= fixedDoomed.length;
  const restoring: string[] = [];
  const feeds = new Set<string>();
  for (const key of missing) {
    const feed = parseIndexKey(key)?.feed;
    const extra = feed !== undefined && !feeds.has(feed) ? 2 : 1;
    if (extra > room) break;
    restoring.push(key);
    if (feed !== undefined) feeds.add(feed);
    room -= extra;
  }
  await Promise.all(fixedDoomed.map((key) => kv.delete(key)));
  const nowSeconds = Math.floor(options.nowMs / 1000);
  await Promise.all(
    restoring.map((key) => {
      const article = claimed.get(key) as Article;
      const meta: IndexEntryMeta = { r: article.rev, w: nowSeconds };
      return kv.put(key, "", { metadata: meta });
    }),
  );
  if (feeds.size > 0) await bumpFeedVersions(kv, [...feeds], options.nowMs);
  report.ops += fixedDoomed.length + restoring.length + feeds.size;
  report.removed.push(...fixedDoomed);
  report.restored.push(...restoring);
  if (fixedDoomed.length === doomed.length && restoring.length === missing.length) {
    await Promise.all(taken.map((item) => kv.delete(item.key)));
    report.ops += taken.length;
    report.entries = taken.length;
  }
  return report;
}
