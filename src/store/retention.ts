/**
 * Retention (README, "Retention"; the rules: domain/retention.ts): the cron's sweep, and its part
 * inside the article writers.
 *
 * Each writer keeps, beside its `articles` rows, `retention_due(id, published, due)`: when each
 * stored article must next be looked at. A trigger on `articles` keeps it (a write sets it to
 * published + the shortest rule, a removal drops it), so ingest pays nothing for it; the sweep sets
 * `due` to the next time a rule can act on an article it kept (null: never, under these rules), and
 * when the rules change every `due` later than published + the shortest rule moves up to it. So a tick
 * reads, by index, only the rows that are due: its cost follows what expires, not how much is stored.
 *
 * A source's `max_count` ranks the articles it carries across every writer. Each writer keeps
 * `retention_src(url, id, ms)`: the source URLs each of its articles records, by a trigger again,
 * and `retention_src_grown(url, seq)`: the URLs a write added an article to since the sweep last
 * ranked them. A sweep ranks only the counted sources that grew (or whose rule is new): every
 * writer tells how many articles of each it holds, then sends its newest (or oldest) few, the
 * sweep merges them into the cutoff (the oldest article the source keeps), and each writer looks
 * at its articles of the source past the cutoff, oldest first, from where it stopped last time
 * (`retention_src_scan`): the cost follows what grew, not what is stored.
 *
 * What expires goes through the writers like any write (an `expire` op): logged first, KV after,
 * rolled forward or back by the writers' own machinery, so a sweep that dies or meets a KV failure
 * never leaves half an article. A removed article leaves a tombstone (as a deletion does, but
 * announced nowhere: retention is not a retraction), so an upstream feed that still carries it
 * does not bring it back.
 */
import { sourceIdFor } from "../domain/source";
import {
  type FeedPoint,
  type RetentionRules,
  cutoffOf,
  cutoffPlan,
  hasRetention,
  isOlder,
  retentionVerdict,
  rulesSignature,
  shortestRuleMs,
} from "../domain/retention";
import { type Article, parseIsoDate } from "../domain/article";
import { reviseDraft, stampArticle } from "../ingest/normalize";
import type { Taxonomy } from "../domain/taxonomy";
import { ARTICLE_SHARDS, type ArticleOp } from "./article-ops";
import { type ArticleStore, applyArticleOps, feedsOf, scanFeedEntries, writerName } from "./articles";
import { publishedMsOfIndexKey } from "./keys";
import { type DueEntry, listDue } from "./sources";
import type { ArticleWriter } from "./article-writer";
import { loadTaxonomy } from "./taxonomy";

export type ExpireOp = Extract<ArticleOp, { kind: "expire" }>;

/** One writer's answer to the sweep: the ops it chose, the counted feeds it grew, and how far it got through each ranked source. */
export interface RetentionPick {
  ops: ExpireOp[];
  cost: number;
  looked: number;
  grown: { feeds: string[]; seq: number };
  sources: SourceScan[];
}

/** How far a writer looked at a ranked source's articles past its cutoff (`ms`: every one published before it). */
export interface SourceScan {
  source: string;
  ms: number;
  /** Everything past the cutoff looked at, and nothing held back: its marks can go. */
  finished: boolean;
}

/** A source count ranked this sweep: its rule and cutoff (the oldest article it keeps; null: it keeps all it has). */
export interface RankedSource {
  n: number;
  cutoff: FeedPoint | null;
}

/** Rows one writer looks at per sweep, whatever the KV budget: bounds its SQL and CPU. */
const ROWS_PER_SWEEP = 200;

/** A published time as the writers' triggers store it (unix ms), from the record's JSON. */
const PUBLISHED_MS_SQL = (record: string) => `CAST(round(unixepoch(json_extract(${record}, '$.published'), 'subsec') * 1000) AS INTEGER)`;

// --- inside a writer -----------------------------------------------------------------------------

/** Creates the writer's retention table and its trigger; fills it once from the rows already there. */
export function initRetention(sql: SqlStorage): void {
  const existed = sql.exec<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'retention_due'").one().n > 0;
  sql.exec("CREATE TABLE IF NOT EXISTS retention_meta (name TEXT PRIMARY KEY, value)");
  sql.exec("CREATE TABLE IF NOT EXISTS retention_due (id TEXT PRIMARY KEY, published INTEGER, due INTEGER)");
  sql.exec("CREATE INDEX IF NOT EXISTS retention_due_by_due ON retention_due (due) WHERE due IS NOT NULL");
  // INSERT OR REPLACE (every saveRow) fires the insert trigger: once the write is done (not while
  // pending), the row's published time, due at published + the shortest rule the last sweep saw
  // (0 before any: looked at on the first sweep).
  sql.exec(`CREATE TRIGGER IF NOT EXISTS retention_on_write AFTER INSERT ON articles BEGIN
    DELETE FROM retention_due WHERE id = NEW.id;
    INSERT INTO retention_due (id, published, due)
      SELECT NEW.id, p, p + COALESCE((SELECT value FROM retention_meta WHERE name = 'shortest'), 0)
      FROM (SELECT CAST(unixepoch(json_extract(NEW.record, '$.published')) AS INTEGER) * 1000 AS p)
      WHERE NEW.record IS NOT NULL AND NEW.pending = 0 AND p IS NOT NULL;
  END`);
  // Tag feeds a write may have grown, for count rules: `idx:{feed}:{13 digits}:{id}` → feed, with
  // the writer's write sequence, so a sweep clears only what it has looked at.
  sql.exec("CREATE TABLE IF NOT EXISTS retention_grown (feed TEXT PRIMARY KEY, seq INTEGER NOT NULL)");
  sql.exec(`CREATE TRIGGER IF NOT EXISTS retention_grown_on_write AFTER INSERT ON articles WHEN NEW.record IS NOT NULL AND NEW.pending = 0 BEGIN
    INSERT OR REPLACE INTO retention_grown (feed, seq)
      SELECT substr(value, 5, length(value) - 19 - length(NEW.id)), COALESCE((SELECT value FROM meta WHERE name = 'seq'), 0)
      FROM json_each(NEW.keys) WHERE value LIKE 'idx:t/%';
  END`);
  if (!existed) {
    sql.exec(`INSERT OR REPLACE INTO retention_due (id, published, due)
      SELECT id, p, p FROM (SELECT id, CAST(unixepoch(json_extract(record, '$.published')) AS INTEGER) * 1000 AS p FROM articles WHERE record IS NOT NULL)
      WHERE p IS NOT NULL`);
  }
  initSourceRanks(sql);
}

/**
 * Source counts: which source URLs each stored article records (`retention_src`), the URLs that
 * gained an article since last ranked (`retention_src_grown`, with the write sequence), each URL's
 * source id (`retention_src_ids`, filled by the sweep: SQL has no SHA-256), how far the sweep
 * looked past each URL's cutoff (`retention_src_scan`) and the count each source was last ranked
 * with (`retention_src_rule`: a new or changed rule ranks it again).
 */
function initSourceRanks(sql: SqlStorage): void {
  const existed = sql.exec<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'retention_src'").one().n > 0;
  sql.exec("CREATE TABLE IF NOT EXISTS retention_src (url TEXT NOT NULL, id TEXT NOT NULL, ms INTEGER NOT NULL, PRIMARY KEY (url, id))");
  sql.exec("CREATE INDEX IF NOT EXISTS retention_src_order ON retention_src (url, ms, id)");
  sql.exec("CREATE INDEX IF NOT EXISTS retention_src_by_id ON retention_src (id)");
  sql.exec("CREATE TABLE IF NOT EXISTS retention_src_grown (url TEXT PRIMARY KEY, seq INTEGER NOT NULL)");
  sql.exec("CREATE TABLE IF NOT EXISTS retention_src_ids (url TEXT PRIMARY KEY, source TEXT NOT NULL)");
  sql.exec("CREATE INDEX IF NOT EXISTS retention_src_ids_by_source ON retention_src_ids (source)");
  sql.exec("CREATE TABLE IF NOT EXISTS retention_src_scan (url TEXT PRIMARY KEY, ms INTEGER NOT NULL)");
  sql.exec("CREATE TABLE IF NOT EXISTS retention_src_rule (source TEXT PRIMARY KEY, n INTEGER NOT NULL)");
  // Like retention_due: a finished write lists the record's source URLs; a removal (or a pending
  // write) lists none. A URL that gains an article is marked grown, and an article published
  // before where the sweep stopped looking moves that point back to it.
  sql.exec(`CREATE TRIGGER IF NOT EXISTS retention_src_on_write AFTER INSERT ON articles BEGIN
    DELETE FROM retention_src WHERE id = NEW.id;
    INSERT OR IGNORE INTO retention_src (url, id, ms)
      SELECT json_extract(s.value, '$.url'), NEW.id, p
      FROM json_each(NEW.record, '$.sources') AS s, (SELECT ${PUBLISHED_MS_SQL("NEW.record")} AS p)
      WHERE NEW.record IS NOT NULL AND NEW.pending = 0 AND p IS NOT NULL AND json_extract(s.value, '$.url') IS NOT NULL;
    INSERT OR REPLACE INTO retention_src_grown (url, seq)
      SELECT url, COALESCE((SELECT value FROM meta WHERE name = 'seq'), 0) FROM retention_src WHERE id = NEW.id;
    UPDATE retention_src_scan SET ms = (SELECT r.ms FROM retention_src r WHERE r.id = NEW.id AND r.url = retention_src_scan.url)
      WHERE url IN (SELECT url FROM retention_src WHERE id = NEW.id AND ms < retention_src_scan.ms);
  END`);
  if (!existed) {
    sql.exec(`INSERT OR IGNORE INTO retention_src (url, id, ms)
      SELECT json_extract(s.value, '$.url'), a.id, ${PUBLISHED_MS_SQL("a.record")}
      FROM articles a, json_each(a.record, '$.sources') AS s
      WHERE a.record IS NOT NULL AND a.pending = 0 AND json_extract(s.value, '$.url') IS NOT NULL AND ${PUBLISHED_MS_SQL("a.record")} IS NOT NULL`);
    sql.exec("INSERT OR REPLACE INTO retention_src_grown (url, seq) SELECT DISTINCT url, 0 FROM retention_src");
  }
}

/** KV operations an expire op may cost at most: its record, an index key and a feed version per feed it touches. */
export function expireCost(record: Pick<Article, "tags">, op: ExpireOp): number {
  const feeds = feedsOf(record).length;
  return op.drop === "all" ? 1 + 2 * feeds : 1 + op.drop.length + feeds;
}

/**
 * The expire ops this writer's due rows call for, then (with what is left of `budget` KV
 * operations) those its articles past the cutoffs of `ranked` sources call for. Rows looked at and
 * kept get their next due time; rows chosen stay due until their write lands (the trigger then
 * moves or drops them), so a failed or overtaken write is simply chosen again.
 */
export async function pickExpiring(
  sql: SqlStorage,
  rules: RetentionRules,
  nowMs: number,
  budget: number,
  ranked: Readonly<Record<string, RankedSource>> = {},
): Promise<Omit<RetentionPick, "grown">> {
  const signature = rulesSignature(rules);
  const stored = sql.exec<{ value: string }>("SELECT value FROM retention_meta WHERE name = 'rules'").toArray()[0]?.value;
  const shortest = shortestRuleMs(rules);
  if (stored !== signature) {
    sql.exec("INSERT OR REPLACE INTO retention_meta (name, value) VALUES ('rules', ?)", signature);
    if (shortest === null) sql.exec("DELETE FROM retention_meta WHERE name = 'shortest'");
    else sql.exec("INSERT OR REPLACE INTO retention_meta (name, value) VALUES ('shortest', ?)", shortest);
    // published + the shortest rule is the earliest any rule can act: rows due later (or never)
    // move up to it; rows due sooner are looked at early and pushed back, so a loosened rule rewrites nothing.
    if (shortest !== null) sql.exec("UPDATE retention_due SET due = published + ? WHERE due IS NULL OR due > published + ?", shortest, shortest);
  }
  // No source counts at all (grownSources, which forgets removed ones, is not asked): none is remembered.
  if (Object.keys(rules.sourceCounts ?? {}).length === 0) sql.exec("DELETE FROM retention_src_rule");
  const ops: ExpireOp[] = [];
  const chosen = new Set<string>();
  let cost = 0;
  let looked = 0;
  const rows =
    shortest === null
      ? []
      : sql.exec<{ id: string; record: string }>(
          `SELECT d.id AS id, a.record AS record FROM retention_due d JOIN articles a ON a.id = d.id
           WHERE d.due IS NOT NULL AND d.due <= ? AND a.pending = 0 AND a.record IS NOT NULL ORDER BY d.due LIMIT ?`,
          nowMs,
          ROWS_PER_SWEEP,
        ).toArray();
  for (const row of rows) {
    const article = JSON.parse(row.record) as Article;
    const { verdict } = await judge(sql, article, rules, nowMs, ranked);
    if (verdict.action === "keep") {
      looked += 1;
      sql.exec("UPDATE retention_due SET due = ? WHERE id = ?", verdict.nextMs, row.id);
      continue;
    }
    const op: ExpireOp = {
      kind: "expire",
      id: article.id,
      rev: article.rev,
      drop: verdict.action === "remove" ? "all" : verdict.drop.map((t) => ({ type: t.type, slug: t.slug })),
    };
    const opCost = expireCost(article, op);
    if (cost + opCost > budget) break;
    looked += 1;
    cost += opCost;
    ops.push(op);
    chosen.add(article.id);
  }
  // Source counts: each ranked source's articles here past its cutoff, oldest first, from where the last look stopped.
  const sources: SourceScan[] = [];
  for (const [source, rank] of Object.entries(ranked)) {
    const urls = sql.exec<{ url: string; scan: number | null }>(
      "SELECT i.url AS url, (SELECT ms FROM retention_src_scan s WHERE s.url = i.url) AS scan FROM retention_src_ids i WHERE i.source = ?",
      source,
    ).toArray();
    if (urls.length === 0) continue;
    const floor = urls.some((u) => u.scan === null) ? Number.MIN_SAFE_INTEGER : Math.min(...urls.map((u) => u.scan ?? 0));
    if (rank.cutoff === null) {
      sources.push({ source, ms: floor, finished: true });
      continue;
    }
    const limit = ROWS_PER_SWEEP - looked;
    const past = limit <= 0 ? [] : sql.exec<{ id: string; ms: number; record: string }>(
      `SELECT DISTINCT r.id AS id, r.ms AS ms, a.record AS record FROM retention_src r
       JOIN retention_src_ids i ON i.url = r.url JOIN articles a ON a.id = r.id
       WHERE i.source = ? AND r.ms >= ? AND (r.ms < ? OR (r.ms = ? AND r.id > ?)) AND a.pending = 0 AND a.record IS NOT NULL
       ORDER BY r.ms ASC, r.id DESC LIMIT ?`,
      source,
      floor,
      rank.cutoff.ms,
      rank.cutoff.ms,
      rank.cutoff.id,
      Math.max(limit, 0),
    ).toArray();
    let finished = limit > 0 && past.length < limit;
    let progress = floor;
    let held = Infinity;
    for (const row of past) {
      if (!chosen.has(row.id)) {
        const article = JSON.parse(row.record) as Article;
        const { verdict, blocked } = await judge(sql, article, rules, nowMs, ranked);
        if (blocked) held = Math.min(held, row.ms);
        if (verdict.action === "remove") {
          const op: ExpireOp = { kind: "expire", id: article.id, rev: article.rev, drop: "all" };
          const opCost = expireCost(article, op);
          if (cost + opCost > budget) {
            finished = false;
            break;
          }
          cost += opCost;
          ops.push(op);
          chosen.add(article.id);
        }
        looked += 1;
      }
      progress = row.ms;
    }
    if (finished) progress = rank.cutoff.ms;
    // An article only counts of sources not ranked this sweep still keep: looked at again with them.
    if (held < Infinity) finished = false;
    sources.push({ source, ms: Math.min(progress, held), finished });
  }
  return { ops, cost, looked, sources };
}

/**
 * The verdict on a stored article: its source ids from its source URLs, and the ranked sources it
 * is past the count of. `blocked`: it would go, but for the count of a source not ranked this
 * sweep: that source is marked to be ranked (its look moved back to the article), so the next
 * sweep ranks it and decides with every cutoff fresh.
 */
async function judge(
  sql: SqlStorage,
  article: Article,
  rules: RetentionRules,
  nowMs: number,
  ranked: Readonly<Record<string, RankedSource>>,
): Promise<{ verdict: ReturnType<typeof retentionVerdict>; blocked: boolean }> {
  const sourceIds = await Promise.all(article.sources.map(async (s) => (s.url === undefined ? undefined : sourceIdOf(s.url))));
  const counted = [...new Set(sourceIds.filter((id): id is string => id !== undefined && rules.sourceCounts?.[id] !== undefined))];
  if (counted.length === 0) return { verdict: retentionVerdict(article, sourceIds, rules, nowMs), blocked: false };
  const point: FeedPoint = { ms: parseIsoDate(article.published) ?? 0, id: article.id };
  const past = new Set(counted.filter((id) => { const cutoff = ranked[id]?.cutoff; return cutoff != null && isOlder(point, cutoff); }));
  const verdict = retentionVerdict(article, sourceIds, rules, nowMs, past);
  const unranked = counted.filter((id) => ranked[id] === undefined);
  if (verdict.action === "remove" || unranked.length === 0) return { verdict, blocked: false };
  if (retentionVerdict(article, sourceIds, rules, nowMs, new Set([...past, ...unranked])).action !== "remove") return { verdict, blocked: false };
  const seq = sql.exec<{ value: number }>("SELECT value FROM meta WHERE name = 'seq'").toArray()[0]?.value ?? 0;
  for (const source of unranked) {
    for (const { url } of sql.exec<{ url: string }>("SELECT url FROM retention_src_ids WHERE source = ?", source).toArray()) {
      sql.exec("INSERT OR REPLACE INTO retention_src_grown (url, seq) VALUES (?, ?)", url, seq);
      sql.exec("UPDATE retention_src_scan SET ms = ? WHERE url = ? AND ms > ?", point.ms, url, point.ms);
    }
  }
  return { verdict, blocked: true };
}

/** A source URL's id (that of the configured source it names); "" for a URL no source can have. */
async function sourceIdOf(url: string): Promise<string> {
  try {
    return await sourceIdFor(url);
  } catch {
    return "";
  }
}

/**
 * Counted sources to rank: those a write grew here since they were last ranked, and those whose
 * rule is new or changed. Marks of sources without a count are forgotten.
 */
export async function grownSources(sql: SqlStorage, sourceCounts: Readonly<Record<string, number>>): Promise<{ sources: string[]; seq: number }> {
  for (const { url } of sql.exec<{ url: string }>("SELECT url FROM retention_src_grown WHERE url NOT IN (SELECT url FROM retention_src_ids)").toArray()) {
    sql.exec("INSERT OR REPLACE INTO retention_src_ids (url, source) VALUES (?, ?)", url, await sourceIdOf(url));
  }
  const rows = sql.exec<{ url: string; seq: number; source: string }>(
    "SELECT g.url AS url, g.seq AS seq, i.source AS source FROM retention_src_grown g JOIN retention_src_ids i ON i.url = g.url",
  ).toArray();
  const sources = new Set<string>();
  for (const row of rows) {
    if (sourceCounts[row.source] !== undefined) sources.add(row.source);
    else sql.exec("DELETE FROM retention_src_grown WHERE url = ? AND seq <= ?", row.url, row.seq);
  }
  const known = new Map(sql.exec<{ source: string; n: number }>("SELECT source, n FROM retention_src_rule").toArray().map((r) => [r.source, r.n]));
  for (const [source, n] of Object.entries(sourceCounts)) if (known.get(source) !== n) sources.add(source);
  // A rule removed is forgotten: set again, it ranks its source again (its marks were forgotten meanwhile).
  for (const source of known.keys()) if (sourceCounts[source] === undefined) sql.exec("DELETE FROM retention_src_rule WHERE source = ?", source);
  return { sources: [...sources].sort(), seq: Math.max(0, ...rows.map((r) => r.seq)) };
}

/** How many articles of each source this writer holds. */
export function sourceTotals(sql: SqlStorage, sources: readonly string[]): Record<string, number> {
  return Object.fromEntries(
    sources.map((source) => [
      source,
      sql.exec<{ n: number }>("SELECT count(DISTINCT r.id) AS n FROM retention_src r JOIN retention_src_ids i ON i.url = r.url WHERE i.source = ?", source).one().n,
    ]),
  );
}

/** Each asked source's `k` newest (or oldest) articles here, in feed order, with how many it holds. */
export function sourcePoints(sql: SqlStorage, asks: readonly SourceAsk[]): { source: string; total: number; points: FeedPoint[] }[] {
  return asks.map(({ source, side, k }) => ({
    source,
    total: sourceTotals(sql, [source])[source] ?? 0,
    points: sql.exec<{ id: string; ms: number }>(
      `SELECT DISTINCT r.id AS id, r.ms AS ms FROM retention_src r JOIN retention_src_ids i ON i.url = r.url WHERE i.source = ?
       ORDER BY ${side === "newest" ? "r.ms DESC, r.id ASC" : "r.ms ASC, r.id DESC"} LIMIT ?`,
      source,
      k,
    ).toArray().map((r) => ({ ms: r.ms, id: r.id })),
  }));
}

export interface SourceAsk {
  source: string;
  side: "newest" | "oldest";
  k: number;
}

/**
 * The sweep applied what it chose: ranked sources keep how far this writer looked and the count
 * they were ranked with; those looked at whole lose their marks up to write `seq`, the others stay
 * marked for the next sweep. A URL a write marked since keeps the lower of its two looks.
 */
export function sourcesSeen(sql: SqlStorage, scans: readonly SourceScan[], seq: number, counts: Readonly<Record<string, number>>): void {
  for (const scan of scans) {
    for (const { url } of sql.exec<{ url: string }>("SELECT url FROM retention_src_ids WHERE source = ?", scan.source).toArray()) {
      const rewritten = sql.exec<{ n: number }>("SELECT count(*) AS n FROM retention_src_grown WHERE url = ? AND seq > ?", url, seq).one().n > 0;
      if (rewritten) sql.exec("INSERT INTO retention_src_scan (url, ms) VALUES (?, ?) ON CONFLICT (url) DO UPDATE SET ms = min(ms, excluded.ms)", url, scan.ms);
      else sql.exec("INSERT OR REPLACE INTO retention_src_scan (url, ms) VALUES (?, ?)", url, scan.ms);
      if (scan.finished) sql.exec("DELETE FROM retention_src_grown WHERE url = ? AND seq <= ?", url, seq);
      else sql.exec("INSERT OR IGNORE INTO retention_src_grown (url, seq) VALUES (?, ?)", url, seq);
    }
  }
  for (const [source, n] of Object.entries(counts)) sql.exec("INSERT OR REPLACE INTO retention_src_rule (source, n) VALUES (?, ?)", source, n);
}

/** Tag feeds of counted types that writes may have grown since they were last looked at, with the sequence to clear them up to. */
export function grownFeeds(sql: SqlStorage, counts: Readonly<Record<string, number>>): { feeds: string[]; seq: number } {
  const rows = sql.exec<{ feed: string; seq: number }>("SELECT feed, seq FROM retention_grown").toArray();
  const feeds = rows.map((r) => r.feed).filter((feed) => countOf(counts, feed) !== undefined);
  // Feeds of types without a count rule need no look: forget them now.
  if (feeds.length < rows.length) {
    for (const row of rows) if (countOf(counts, row.feed) === undefined) sql.exec("DELETE FROM retention_grown WHERE feed = ? AND seq <= ?", row.feed, row.seq);
  }
  return { feeds, seq: Math.max(0, ...rows.map((r) => r.seq)) };
}

/** The feeds the sweep has looked at: cleared unless a write after `seq` grew them again. */
export function clearGrown(sql: SqlStorage, feeds: readonly string[], seq: number): void {
  for (const feed of feeds) sql.exec("DELETE FROM retention_grown WHERE feed = ? AND seq <= ?", feed, seq);
}

/** The count rule of a tag feed (`t/{type}/{slug}`), if its type has one. */
function countOf(counts: Readonly<Record<string, number>>, feed: string): number | undefined {
  const match = /^t\/([^/]+)\/[^/]+$/.exec(feed);
  return match?.[1] === undefined ? undefined : counts[match[1]];
}

/** What an expire op makes of the stored version (the writer's `nextRecord`). */
export async function expiredRecord(op: ExpireOp, prev: Article | null, nowMs: number): Promise<{ status: "absent" | "unchanged" | "deleted" | "updated"; record: Article | null }> {
  if (!prev) return { status: "absent", record: null };
  // Changed since the sweep chose it: the change reset its due time, and it is looked at again.
  if (op.rev !== undefined && prev.rev !== op.rev) return { status: "unchanged", record: prev };
  if (op.publishedAtMost !== undefined && (parseIsoDate(prev.published) ?? 0) > op.publishedAtMost) return { status: "unchanged", record: prev };
  if (op.drop === "all") return { status: "deleted", record: null };
  const gone = new Set(op.drop.map((t) => `${t.type}/${t.slug}`));
  const tags = prev.tags.filter((t) => !gone.has(`${t.type}/${t.slug}`));
  if (tags.length === prev.tags.length) return { status: "unchanged", record: prev };
  const { received: _received, modified: _modified, rev: _rev, ...content } = prev;
  return { status: "updated", record: stampArticle(await reviseDraft({ ...content, tags }), prev, nowMs) };
}

// --- the cron's sweep ----------------------------------------------------------------------------

/** KV operations one sweep may spend on expiring (it also reads the rules: 1 + 1 per 1000 sources). */
export const RETENTION_BUDGET = 400;

/** The sweep runs in the cron's ticks at minutes 30-39 of each hour: hourly at the 10-minute cron. */
export const isRetentionTick = (at: Date): boolean => at.getUTCMinutes() >= 30 && at.getUTCMinutes() < 40;

/** The rules in force: the taxonomy's (`retention.all`, `types[].retention`) and the sources' (their list metadata). */
export function rulesOf(taxonomy: Taxonomy, sources: ReadonlyMap<string, number>, sourceCounts: ReadonlyMap<string, number> = new Map()): RetentionRules {
  const types: Record<string, number | null> = {};
  const counts: Record<string, number> = {};
  for (const def of taxonomy.types) {
    if (def.retention?.max_age_days !== undefined) types[def.type] = def.retention.max_age_days;
    if (def.retention?.max_count !== undefined) counts[def.type] = def.retention.max_count;
  }
  return { all: taxonomy.retention?.all?.max_age_days ?? null, types, sources: Object.fromEntries(sources), counts, sourceCounts: Object.fromEntries(sourceCounts) };
}

/**
 * Source id → days and source id → count, from the source list alone: the cron tick's own list
 * when it passes it (no operation), else one KV list per 1000 sources.
 */
async function sourceRules(kv: KVNamespace, listed: readonly DueEntry[] | undefined): Promise<{ rules: Map<string, number>; counts: Map<string, number>; lists: number }> {
  const entries = listed ?? (await listDue(kv));
  const rules = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const entry of entries) {
    if (entry.keepDays !== undefined) rules.set(entry.id, entry.keepDays);
    if (entry.keepCount !== undefined) counts.set(entry.id, entry.keepCount);
  }
  return { rules, counts, lists: listed ? 0 : Math.max(1, Math.ceil(entries.length / 1000)) };
}

/** Points one writer answers per sweep for source ranks (a source's rank asks each writer at most its count). */
const RANK_POINTS_PER_SWEEP = 20_000;

type Writer = DurableObjectStub<ArticleWriter>;

/**
 * The cutoffs of the grown counted sources, two questions to every writer: how many articles of
 * each it holds, then its newest or oldest few of each source that holds more than its count
 * (whichever side is shorter, `cutoffPlan`). A source whose total changed between the two, or
 * that does not fit this sweep's points, is not ranked: it stays marked for the next sweep. The
 * sources fitted first turn with the hour, so none waits for ever behind the others.
 */
async function rankSources(stubs: readonly Writer[], sourceCounts: Readonly<Record<string, number>>, grown: readonly string[], nowMs: number): Promise<Record<string, RankedSource>> {
  const ranked: Record<string, RankedSource> = {};
  if (grown.length === 0) return ranked;
  const totals = await Promise.all(stubs.map((stub) => stub.retentionSourceTotals([...grown])));
  const start = Math.floor(nowMs / 3_600_000) % grown.length;
  const asks: (SourceAsk & { n: number; total: number })[] = [];
  let points = 0;
  for (const source of [...grown.slice(start), ...grown.slice(0, start)]) {
    const n = sourceCounts[source];
    if (n === undefined) continue;
    const total = totals.reduce((sum, t) => sum + (t[source] ?? 0), 0);
    const plan = cutoffPlan(n, total);
    if (plan === null) ranked[source] = { n, cutoff: null };
    else if (points + plan.k <= RANK_POINTS_PER_SWEEP) {
      points += plan.k;
      asks.push({ source, ...plan, n, total });
    }
  }
  if (asks.length === 0) return ranked;
  const answers = await Promise.all(stubs.map((stub) => stub.retentionSourcePoints(asks.map(({ source, side, k }) => ({ source, side, k })))));
  for (const ask of asks) {
    const parts = answers.flatMap((answer) => answer.filter((a) => a.source === ask.source));
    if (parts.reduce((sum, p) => sum + p.total, 0) !== ask.total) continue;
    const cutoff = cutoffOf(ask, parts.flatMap((p) => p.points));
    if (cutoff !== null) ranked[ask.source] = { n: ask.n, cutoff };
  }
  return ranked;
}

/** KV operations a count rule's trim may cost, estimated (the record's other feeds are not known from the index): its record, the index key, a few feed versions. */
const COUNT_TRIM_COST = 4;

/**
 * Count rules: each grown feed's index is listed from its newest entry (one KV list per 1000);
 * entries past the type's `max_count` leave that feed. Within `budget`; a feed not listed whole
 * is not done and waits for the next sweep.
 */
async function overCount(
  kv: KVNamespace,
  feeds: readonly string[],
  counts: Readonly<Record<string, number>>,
  budget: number,
): Promise<{ ops: ExpireOp[]; kvOps: number; done: string[] }> {
  const ops: ExpireOp[] = [];
  const done: string[] = [];
  let kvOps = 0;
  for (const feed of feeds) {
    const limit = countOf(counts, feed);
    const [, type, slug] = feed.split("/");
    if (limit === undefined || type === undefined || slug === undefined) continue;
    let rank = 0;
    let complete = false;
    const excess: ExpireOp[] = [];
    for await (const page of scanFeedEntries(kv, feed)) {
      kvOps += 1;
      for (const entry of page.entries) {
        rank += 1;
        const publishedMs = publishedMsOfIndexKey(feed, entry.key);
        if (rank > limit && publishedMs !== undefined) excess.push({ kind: "expire", id: entry.id, publishedAtMost: publishedMs, drop: [{ type, slug }] });
      }
      if (page.done) complete = true;
      if (page.done || kvOps + 1 + (ops.length + excess.length) * COUNT_TRIM_COST > budget) break;
    }
    const fits = Math.max(0, Math.floor((budget - kvOps) / COUNT_TRIM_COST) - ops.length);
    ops.push(...excess.slice(0, fits));
    if (complete && excess.length <= fits) done.push(feed);
    if (kvOps + ops.length * COUNT_TRIM_COST >= budget) break;
  }
  return { ops, kvOps: kvOps + ops.length * COUNT_TRIM_COST, done };
}

export interface RetentionReport {
  /** KV operations spent: reading the rules, then at most the budget on expiring. */
  kvOps: number;
  removed: number;
  trimmed: number;
  /** Articles chosen whose write did not apply (changed meanwhile, or KV failed): chosen again next time. */
  skipped: number;
  /** Rows looked at (kept ones get their next due time). */
  looked: number;
  /** Tag feeds of counted types listed whole this sweep. */
  listedFeeds?: number;
  /** Counted sources ranked this sweep. */
  rankedSources?: number;
  failed?: string;
}

/**
 * One sweep: reads the rules (the taxonomy, the source list), ranks the counted sources that grew,
 * asks every writer for what is due within its share of `budget`, and applies it through the
 * writers (one call per shard, a version bump per touched feed).
 */
export async function sweepRetention(store: ArticleStore, options: { nowMs: number; budget: number; sources?: readonly DueEntry[] }): Promise<RetentionReport> {
  const { taxonomy } = await loadTaxonomy(store.kv, { maxAgeMs: 0 });
  const sources = await sourceRules(store.kv, options.sources);
  const report: RetentionReport = { kvOps: 1 + sources.lists, removed: 0, trimmed: 0, skipped: 0, looked: 0 };
  const rules = rulesOf(taxonomy, sources.rules, sources.counts);
  const left = options.budget - report.kvOps;
  if (!hasRetention(rules) || left <= 0) return report;
  const counted = Object.keys(rules.counts ?? {}).length > 0;
  const stubs = Array.from({ length: ARTICLE_SHARDS }, (_, shard) => store.writers.getByName(writerName(shard)));
  const sourceCounts = rules.sourceCounts ?? {};
  const grownSources = Object.keys(sourceCounts).length === 0 ? [] : await Promise.all(stubs.map((stub) => stub.retentionGrownSources(sourceCounts)));
  const ranked = await rankSources(stubs, sourceCounts, [...new Set(grownSources.flatMap((g) => g.sources))].sort(), options.nowMs);
  const rankedCounts = Object.fromEntries(Object.entries(ranked).map(([source, rank]) => [source, rank.n]));
  report.rankedSources = Object.keys(ranked).length;
  // Age rules and source counts (in the writers) get their share of the budget; tag counts (listing indexes) what is left after them.
  const share = Math.floor((counted ? left / 2 : left) / ARTICLE_SHARDS);
  const picked = await Promise.all(stubs.map((stub) => stub.retentionDue(rules, options.nowMs, share, ranked)));
  const ops = picked.flatMap((p) => p.ops);
  report.looked = picked.reduce((n, p) => n + p.looked, 0);
  report.kvOps += picked.reduce((n, p) => n + p.cost, 0);
  const grown = [...new Set(picked.flatMap((p) => p.grown.feeds))];
  const counts = await overCount(store.kv, grown, rules.counts ?? {}, options.budget - report.kvOps);
  ops.push(...counts.ops);
  report.kvOps += counts.kvOps;
  report.listedFeeds = counts.done.length;
  if (ops.length > 0) {
    try {
      const outcomes = await applyArticleOps(store, ops, options.nowMs);
      for (const outcome of outcomes) {
        if (outcome.status === "deleted") report.removed += 1;
        else if (outcome.status === "updated") report.trimmed += 1;
        else report.skipped += 1;
      }
    } catch (error) {
      // A shard's KV failed: its writes roll back (or forward) in the writer; chosen again next sweep.
      report.failed = String(error);
      report.skipped = ops.length;
      return report;
    }
  }
  // The feeds looked at whole are done, unless written again meanwhile; the others wait for the
  // next sweep. Ranked sources keep how far each writer looked, and their rule.
  const done = new Set(counts.done);
  await Promise.all(
    picked.map(async (p, shard) => {
      const seen = p.grown.feeds.filter((feed) => done.has(feed));
      if (seen.length > 0 || report.rankedSources) {
        await stubs[shard]?.retentionSeen(seen, p.grown.seq, { scans: p.sources, seq: grownSources[shard]?.seq ?? 0, counts: rankedCounts });
      }
    }),
  );
  return report;
}
