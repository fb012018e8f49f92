/**
 * Repair of the feed indexes, for what the platform itself loses (a crash between writes is
 * finished by the article writers from their logs): an operator's action, `POST /api/admin/repair`
 * (routes/repair.ts), since a full pass costs in proportion to the store.
 *
 * The write protocol (store/articles.ts) keeps what readers see consistent — a reader only
 * accepts an index entry that the article record still claims — but it can leave two kinds of
 * damage behind, which this bounded sweep finds and fixes:
 *
 * (a) Debris: an index key whose article is missing or no longer claims it. Left by a Worker that
 *     died between putting the index keys and the record (step 1 → 2), or between the record and
 *     deleting the stale keys (2 → 3); by a delete that died after removing the record; by an
 *     update racing a delete. Readers skip it, but it costs them (a feed page with debris is
 *     shorter, and is never saved as a snapshot). Removed once older than a grace period: a
 *     younger one may be a write in flight (its record not yet written, or not yet replicated:
 *     KV takes up to about 60 s to show a write elsewhere).
 * (b) Missing keys: an article whose record claims an index key that does not exist — invisible
 *     in that feed. Two concurrent updates of one article can cause it: each writes from the
 *     version it read and deletes that version's stale keys, which the other version may claim
 *     (writeArticle, step 3); so can an update racing a delete. Re-put (with metadata naming the
 *     article's rev), and the feed's version bumped so its snapshot is rendered again.
 *
 * Both fixes are idempotent and commute with concurrent writes: re-putting a key a concurrent
 * update has just dropped makes debris, removed by a later sweep; deleting a key a concurrent
 * update claims makes a missing key, restored by a later sweep. Nothing is visible that the record
 * does not claim, whatever the interleaving.
 *
 * Bounded: at most `budget` KV operations per call (default 300; a bulk get of 100 keys counts as
 * one), so a call fits an invocation's 1000. The sweep walks `idx:` keys, then `article:`
 * keys, 100 per page, and keeps its place in `repair:cursor` (store/keys.ts) between calls: the
 * KV list cursor of the current page and the last key of it that is done. A call stops at the end
 * of a full pass, so the next one starts a new pass.
 */
import * as z from "zod";
import type { Article } from "../domain/article";
import { type IndexEntryMeta, getArticles, indexKeysOf, readArticleRecords } from "./articles";
import { bumpFeedVersions } from "./feed-versions";
import { ARTICLE_PREFIX, INDEX_PREFIX, REPAIR_CURSOR_KEY, articleIdFromKey, parseIndexKey } from "./keys";

/** Index keys younger than this may belong to a write in flight: never removed. */
export const REPAIR_GRACE_MS = 10 * 60 * 1000;
/** KV operations per call, by default. */
export const REPAIR_BUDGET = 300;
/** Keys per list page: one bulk get reads all their articles. */
const PAGE_SIZE = 100;
const BULK_GET_MAX = 100;

const RepairCursorSchema = z.object({
  phase: z.enum(["index", "articles"]),
  /** KV list cursor of the page being swept; absent for the first page of a phase. */
  cursor: z.string().optional(),
  /** The last key of that page already swept (keys come in byte order, so the rest sort after it). */
  after: z.string().optional(),
});
type RepairCursor = z.infer<typeof RepairCursorSchema>;

const START: RepairCursor = { phase: "index" };

export interface RepairOptions {
  /** The clock (unix ms): ages are measured against it. */
  nowMs: number;
  /** At most this many KV operations (default REPAIR_BUDGET). */
  budget?: number;
  /** Index keys younger than this are left alone (default REPAIR_GRACE_MS). */
  graceMs?: number;
}

export interface RepairReport {
  /** KV operations used (bulk gets count one each). */
  ops: number;
  /** Index entries and articles looked at. */
  entriesChecked: number;
  articlesChecked: number;
  /** Index keys deleted as debris (a). */
  removed: string[];
  /** Debris left because it is younger than the grace period. */
  youngDebris: number;
  /** Index keys put back for the articles that claim them (b). */
  restored: string[];
  /** This call reached the end of a full pass over the indexes and articles. */
  passComplete: boolean;
}

export async function repairIndexes(kv: KVNamespace, options: RepairOptions): Promise<RepairReport> {
  const budget = options.budget ?? REPAIR_BUDGET;
  const graceMs = options.graceMs ?? REPAIR_GRACE_MS;
  const nowSeconds = Math.floor(options.nowMs / 1000);
  const report: RepairReport = { ops: 0, entriesChecked: 0, articlesChecked: 0, removed: [], youngDebris: 0, restored: [], passComplete: false };
  // One operation stays in reserve for saving the cursor.
  const remaining = (): number => budget - 1 - report.ops;

  // Too small to read the cursor, list a page and act on it: do nothing (the cron's leftovers may be tiny).
  if (budget < 4) return report;

  report.ops++;
  const stored = RepairCursorSchema.safeParse(await kv.get(REPAIR_CURSOR_KEY, "json"));
  let state: RepairCursor = stored.success ? stored.data : START;
  const initial = JSON.stringify(state);

  /** Deletes debris among `keys`; returns how many keys were dealt with (fewer when the budget ran out). */
  const sweepEntries = async (keys: readonly KVNamespaceListKey<IndexEntryMeta>[]): Promise<number> => {
    const entries = keys.map((key) => ({ key: key.name, parsed: parseIndexKey(key.name), meta: key.metadata ?? undefined }));
    const ids = [...new Set(entries.flatMap((e) => (e.parsed ? [e.parsed.id] : [])))];
    if (remaining() < Math.ceil(ids.length / BULK_GET_MAX) + 1) return 0;
    const { articles, present } = ids.length > 0 ? await readArticleRecords(kv, ids) : { articles: new Map<string, Article | null>(), present: new Set<string>() };
    report.ops += Math.ceil(ids.length / BULK_GET_MAX);
    const doomed: string[] = [];
    let done = 0;
    for (const entry of entries) {
      // A key that does not parse is never read as a feed entry (idFromIndexKey skips it): not ours to judge.
      // Nor is a key whose record exists but does not parse (another schema wrote it): not debris.
      if (entry.parsed && !(present.has(entry.parsed.id) && !articles.get(entry.parsed.id))) {
        const article = articles.get(entry.parsed.id);
        if (!article || !indexKeysOf(article).includes(entry.key)) {
          const writtenMs = (typeof entry.meta?.w === "number" ? entry.meta.w : 0) * 1000;
          if (options.nowMs - writtenMs < graceMs) report.youngDebris++;
          else if (doomed.length < remaining()) doomed.push(entry.key);
          else break;
        }
      }
      done++;
    }
    await Promise.all(doomed.map((key) => kv.delete(key)));
    report.ops += doomed.length;
    report.removed.push(...doomed);
    report.entriesChecked += done;
    return done;
  };

  /** Restores the missing index keys of the articles among `keys`; returns how many were dealt with. */
  const sweepArticles = async (keys: readonly KVNamespaceListKey<unknown>[]): Promise<number> => {
    const ids = keys.map((key) => articleIdFromKey(key.name));
    const valid = [...new Set(ids.filter((id): id is string => id !== undefined))];
    if (remaining() < Math.ceil(valid.length / BULK_GET_MAX) + 1) return 0;
    const records = valid.length > 0 ? await getArticles(kv, valid) : new Map<string, Article | null>();
    report.ops += Math.ceil(valid.length / BULK_GET_MAX);

    let i = 0;
    while (i < ids.length) {
      // A group of consecutive articles whose claimed keys fit one bulk get (or one article alone).
      const group: { index: number; article: Article | null; claimed: string[] }[] = [];
      let groupKeys = 0;
      for (let j = i; j < ids.length; j++) {
        const id = ids[j];
        const article = id === undefined ? null : (records.get(id) ?? null);
        const claimed = article ? indexKeysOf(article) : [];
        if (group.length > 0 && groupKeys + claimed.length > BULK_GET_MAX) break;
        group.push({ index: j, article, claimed });
        groupKeys += claimed.length;
      }
      const allClaimed = group.flatMap((g) => g.claimed);
      const checkCost = Math.ceil(allClaimed.length / BULK_GET_MAX);
      if (remaining() < checkCost) return i;
      const present = new Set<string>();
      for (let start = 0; start < allClaimed.length; start += BULK_GET_MAX) {
        const chunk = allClaimed.slice(start, start + BULK_GET_MAX);
        const values = await kv.get(chunk, "text");
        for (const key of chunk) if (values.get(key) != null) present.add(key);
      }
      report.ops += checkCost;

      for (const { index, article, claimed } of group) {
        const missing = claimed.filter((key) => !present.has(key));
        if (article && missing.length > 0) {
          // Each key costs a put and at most one feed-version bump. An article missing more keys than
          // the budget allows gets part of them now and the rest next call (so a call always progresses).
          const batch = missing.slice(0, Math.floor(remaining() / 2));
          if (batch.length === 0) return index;
          const feeds = [...new Set(batch.flatMap((key) => parseIndexKey(key)?.feed ?? []))];
          const meta: IndexEntryMeta = { r: article.rev, w: nowSeconds };
          await Promise.all(batch.map((key) => kv.put(key, "", { metadata: meta })));
          await bumpFeedVersions(kv, feeds, options.nowMs);
          report.ops += batch.length + feeds.length;
          report.restored.push(...batch);
          if (batch.length < missing.length) return index;
        }
        if (article) report.articlesChecked++;
        i = index + 1;
      }
    }
    return ids.length;
  };

  while (remaining() >= 2) {
    const prefix = state.phase === "index" ? INDEX_PREFIX : ARTICLE_PREFIX;
    let page: KVNamespaceListResult<IndexEntryMeta>;
    try {
      page = await kv.list<IndexEntryMeta>({ prefix, limit: PAGE_SIZE, ...(state.cursor !== undefined && { cursor: state.cursor }) });
    } catch (error) {
      report.ops++;
      // A saved cursor KV no longer takes (expired, or from another namespace): restart the phase.
      if (state.cursor === undefined) throw error;
      state = { phase: state.phase };
      continue;
    }
    report.ops++;
    // Not an offset: the sweep deletes keys, and a page listed again would shift under it.
    const after = state.after;
    const keys = after === undefined ? page.keys : page.keys.filter((key) => key.name > after);
    const done = state.phase === "index" ? await sweepEntries(keys) : await sweepArticles(keys);
    if (done < keys.length) {
      const last = keys[done - 1];
      if (last) state = { ...state, after: last.name };
      break;
    }
    if (!page.list_complete) {
      state = { phase: state.phase, cursor: page.cursor };
    } else if (state.phase === "index") {
      state = { phase: "articles" };
    } else {
      state = START;
      report.passComplete = true;
      break;
    }
  }

  if (JSON.stringify(state) !== initial) {
    await kv.put(REPAIR_CURSOR_KEY, JSON.stringify(state));
    report.ops++;
  }
  return report;
}
