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
 * What expires goes through the writers like any write (an `expire` op): logged first, KV after,
 * rolled forward or back by the writers' own machinery, so a sweep that dies or meets a KV failure
 * never leaves half an article. A removed article leaves a tombstone (as a deletion does, but
 * announced nowhere: retention is not a retraction), so an upstream feed that still carries it
 * does not bring it back.
 */
import { sourceIdFor } from "../domain/source";
import { type RetentionRules, hasRetention, retentionVerdict, rulesSignature, shortestRuleMs } from "../domain/retention";
import { type Article, parseIsoDate } from "../domain/article";
import { reviseDraft, stampArticle } from "../ingest/normalize";
import type { Taxonomy } from "../domain/taxonomy";
import { ARTICLE_SHARDS, type ArticleOp } from "./article-ops";
import { type ArticleStore, applyArticleOps, feedsOf, scanFeedEntries, writerName } from "./articles";
import { SOURCE_PREFIX, publishedMsOfIndexKey } from "./keys";
import type { SourceListMeta } from "./sources";
import { loadTaxonomy } from "./taxonomy";

export type ExpireOp = Extract<ArticleOp, { kind: "expire" }>;

/** One writer's answer to the sweep: the age ops it chose, and the counted feeds it grew. */
export interface RetentionPick {
  ops: ExpireOp[];
  cost: number;
  looked: number;
  grown: { feeds: string[]; seq: number };
}

/** Rows one writer looks at per sweep, whatever the KV budget: bounds its SQL and CPU. */
const ROWS_PER_SWEEP = 200;

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
}

/** KV operations an expire op may cost at most: its record, an index key and a feed version per feed it touches. */
export function expireCost(record: Pick<Article, "tags">, op: ExpireOp): number {
  const feeds = feedsOf(record).length;
  return op.drop === "all" ? 1 + 2 * feeds : 1 + op.drop.length + feeds;
}

/**
 * The expire ops this writer's due rows call for, within `budget` KV operations. Rows looked at
 * and kept get their next due time; rows chosen stay due until their write lands (the trigger
 * then moves or drops them), so a failed or overtaken write is simply chosen again.
 */
export async function pickExpiring(sql: SqlStorage, rules: RetentionRules, nowMs: number, budget: number): Promise<Omit<RetentionPick, "grown">> {
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
  if (shortest === null) return { ops: [], cost: 0, looked: 0 };
  const rows = sql.exec<{ id: string; record: string }>(
    `SELECT d.id AS id, a.record AS record FROM retention_due d JOIN articles a ON a.id = d.id
     WHERE d.due IS NOT NULL AND d.due <= ? AND a.pending = 0 AND a.record IS NOT NULL ORDER BY d.due LIMIT ?`,
    nowMs,
    ROWS_PER_SWEEP,
  ).toArray();
  const ops: ExpireOp[] = [];
  let cost = 0;
  let looked = 0;
  for (const row of rows) {
    const article = JSON.parse(row.record) as Article;
    const sourceIds = await Promise.all(article.sources.map(async (s) => (s.url === undefined ? undefined : sourceIdFor(s.url))));
    const verdict = retentionVerdict(article, sourceIds, rules, nowMs);
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
  }
  return { ops, cost, looked };
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
export function rulesOf(taxonomy: Taxonomy, sources: ReadonlyMap<string, number>): RetentionRules {
  const types: Record<string, number | null> = {};
  const counts: Record<string, number> = {};
  for (const def of taxonomy.types) {
    if (def.retention?.max_age_days !== undefined) types[def.type] = def.retention.max_age_days;
    if (def.retention?.max_count !== undefined) counts[def.type] = def.retention.max_count;
  }
  return { all: taxonomy.retention?.all?.max_age_days ?? null, types, sources: Object.fromEntries(sources), counts };
}

/** Source id → days, from the source list alone (one KV list per 1000 sources). */
async function sourceRules(kv: KVNamespace): Promise<{ rules: Map<string, number>; lists: number }> {
  const rules = new Map<string, number>();
  let cursor: string | undefined;
  let lists = 0;
  for (;;) {
    const page = await kv.list<SourceListMeta>({ prefix: SOURCE_PREFIX, cursor });
    lists += 1;
    for (const key of page.keys) {
      const k = key.metadata?.k;
      if (typeof k === "number" && Number.isInteger(k) && k > 0) rules.set(key.name.slice(SOURCE_PREFIX.length), k);
    }
    if (page.list_complete) return { rules, lists };
    cursor = page.cursor;
  }
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
  failed?: string;
}

/**
 * One sweep: reads the rules (the taxonomy, the source list), asks every writer for what is due
 * within its share of `budget`, and applies it through the writers (one call per shard, a version
 * bump per touched feed).
 */
export async function sweepRetention(store: ArticleStore, options: { nowMs: number; budget: number }): Promise<RetentionReport> {
  const { taxonomy } = await loadTaxonomy(store.kv, { maxAgeMs: 0 });
  const sources = await sourceRules(store.kv);
  const report: RetentionReport = { kvOps: 1 + sources.lists, removed: 0, trimmed: 0, skipped: 0, looked: 0 };
  const rules = rulesOf(taxonomy, sources.rules);
  const left = options.budget - report.kvOps;
  if (!hasRetention(rules) || left <= 0) return report;
  const counted = Object.keys(rules.counts ?? {}).length > 0;
  // Age rules get their share of the budget; count rules (listing indexes) what is left after them.
  const share = Math.floor((counted ? left / 2 : left) / ARTICLE_SHARDS);
  const stubs = Array.from({ length: ARTICLE_SHARDS }, (_, shard) => store.writers.getByName(writerName(shard)));
  const picked = await Promise.all(stubs.map((stub) => stub.retentionDue(rules, options.nowMs, share)));
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
  // The feeds looked at whole are done, unless written again meanwhile; the others wait for the next sweep.
  const done = new Set(counts.done);
  await Promise.all(
    picked.map(async (p, shard) => {
      const seen = p.grown.feeds.filter((feed) => done.has(feed));
      if (seen.length > 0) await stubs[shard]?.retentionSeen(seen, p.grown.seq);
    }),
  );
  return report;
}
