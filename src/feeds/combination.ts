/**
 * Combination feeds: the articles holding every one of 2-3 tags (an AND), newest first.
 *
 * KV has no intersection and no seek, so the page is found by walking one tag's index, the
 * sparsest ("driver"), and keeping the candidates whose article record names the other tags too
 * (the record is the truth, store/articles.ts; it also tells an entry in flight). The driver is
 * chosen by one list per tag: a tag whose first list page is complete and shortest is the
 * smallest; if every first page is full, the one whose 1000th entry is oldest has the fewest
 * entries per unit of time. Its first page is reused, the others are dropped.
 *
 * Cost per page rendered (k tags; the driver's index holds D entries before the cursor):
 *   lists      ≤ k + ceil(D / 1000) + SCAN_LISTS
 *   bulk reads ≤ SCAN_READS (100 candidates each)
 * The skipped part (D / 1000) is the same cost a tag feed's `?after=` page pays. When the scan
 * budget runs out before the page is full, the page says so (`partial`) and its next link
 * continues from the last candidate checked: a page never runs long, it just ends early.
 */
import type { Article } from "../domain/article";
import type { Tag } from "../domain/tag";
import { type IndexEntry, type IndexScanPage, entryCursor, resolveEntries, scanFeedEntries } from "../store/articles";
import type { RecentDeletion } from "../store/deletions";
import { tagFeedKey } from "../store/keys";

/** Index list pages (1000 entries each) of the driver a page may scan past its cursor. */
export const SCAN_LISTS = 4;
/** Bulk reads (100 candidate articles each) a page may spend checking membership. */
export const SCAN_READS = 5;
const READ_CHUNK = 100;

export const MAX_COMBINED_TAGS = 3;

export interface CombinationPage {
  articles: Article[];
  next: string | undefined;
  /** The scan budget ran out before the page was full. */
  partial: boolean;
  /** No candidate was in flight: the page may be kept. */
  complete: boolean;
  /** Deletions recorded in every one of the tags' feeds (first page only; store/deletions.ts). */
  deletions: RecentDeletion[];
}

const holdsTag = (article: Article, tag: Pick<Tag, "type" | "slug">): boolean =>
  article.tags.some((t) => t.type === tag.type && t.slug === tag.slug);

/** Which of the first pages belongs to the sparsest tag (see the module comment). */
export function pickDriver(firstPages: readonly Pick<IndexScanPage, "listed" | "lastKey" | "done">[]): number {
  let best = 0;
  for (let i = 1; i < firstPages.length; i++) {
    const a = firstPages[i]!;
    const b = firstPages[best]!;
    const better =
      a.done !== b.done
        ? a.done
        : a.done
          ? a.listed < b.listed
          : // Full pages: a larger inverted time is an older 1000th entry.
            suffix(a.lastKey) > suffix(b.lastKey);
    if (better) best = i;
  }
  return best;
}

/** `{invertedTime}:{id}` of an index key `idx:{feed}:{invertedTime}:{id}` (neither feed keys nor ids hold a colon). */
const suffix = (key: string | undefined): string => (key === undefined ? "" : key.split(":").slice(2).join(":"));

export async function loadCombinationPage(
  kv: KVNamespace,
  tags: readonly Tag[],
  options: { limit: number; after: string | undefined },
): Promise<CombinationPage> {
  const scans = tags.map((tag) => scanFeedEntries(kv, tagFeedKey(tag), options.after));
  const firsts = await Promise.all(scans.map(async (scan) => (await scan.next()).value ?? { entries: [], listed: 0, lastKey: undefined, done: true }));
  const driverIndex = pickDriver(firsts);
  // A deleted article was announced in each feed it was in: those of every tag were in the combination.
  const deletions = commonDeletions(firsts.map((first) => first.deletions ?? []));
  await Promise.all(scans.map((scan, i) => (i === driverIndex ? undefined : scan.return(undefined))));
  const driver = tags[driverIndex]!;
  const driverFeed = tagFeedKey(driver);
  const scan = scans[driverIndex]!;
  const others = tags.filter((_, i) => i !== driverIndex);

  const articles: Article[] = [];
  let complete = true;
  let scanLists = 0;
  let reads = 0;
  let last: IndexEntry | undefined;
  let page: IndexScanPage = firsts[driverIndex]!;
  for (;;) {
    if (page.entries.length > 0) scanLists += 1;
    for (let start = 0; start < page.entries.length; start += READ_CHUNK) {
      if (reads === SCAN_READS) return stop(true);
      reads += 1;
      const chunk = page.entries.slice(start, start + READ_CHUNK);
      const { articles: consistent, pending } = await resolveEntries(kv, chunk);
      if (pending.length > 0) complete = false;
      const byId = new Map(consistent.map((a) => [a.id, a]));
      for (const [i, entry] of chunk.entries()) {
        last = entry;
        const article = byId.get(entry.id);
        if (!article || !others.every((tag) => holdsTag(article, tag))) continue;
        articles.push(article);
        if (articles.length === options.limit) {
          const atEnd = page.done && start + i === page.entries.length - 1;
          return { articles, next: atEnd ? undefined : entryCursor(driverFeed, entry), partial: false, complete, deletions };
        }
      }
    }
    if (page.done) return { articles, next: undefined, partial: false, complete, deletions };
    if (scanLists === SCAN_LISTS) return stop(true);
    const step = await scan.next();
    if (step.done) return { articles, next: undefined, partial: false, complete, deletions };
    page = step.value;
  }

  function stop(partial: boolean): CombinationPage {
    void scan.return(undefined);
    // Nothing checked yet (cannot happen with a positive budget): continue from the same cursor.
    const next = last ? entryCursor(driverFeed, last) : options.after;
    return { articles, next, partial, complete, deletions };
  }
}

/** The deletions every list holds (by id), with the latest of their times. */
export function commonDeletions(lists: readonly (readonly RecentDeletion[])[]): RecentDeletion[] {
  const [first, ...rest] = lists;
  if (first === undefined) return [];
  const others = rest.map((list) => new Map(list.map((d) => [d.id, d.atMs])));
  return first.flatMap((d) => {
    const times = others.map((byId) => byId.get(d.id));
    return times.every((t) => t !== undefined) ? [{ id: d.id, atMs: Math.max(d.atMs, ...times) }] : [];
  });
}
