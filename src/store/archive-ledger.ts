/**
 * The archive ledger: each article writer's ordered list of the feed entries it owns, and which
 * sealed archive (RFC 5005 §4) each one is in. Kept in the writer's SQLite storage and updated in
 * the same step as the row it follows (`syncLedger` is called wherever a row is saved), so every
 * write path (create, update, delete, retag, expiry) keeps it right without knowing of archives.
 *
 *   entries(feed, id, ms, rev, archive): one per (feed, article); `archive` null until sealed;
 *   bounds(feed, n, ms, id): the newest entry archive n holds (archives are cut by feed order and
 *     never move: an entry belongs to the first archive whose bound is not older than it);
 *   dirty(feed, n, ver): archives whose document must be rewritten (an entry left, came, changed);
 *   grown(feed): feeds that gained unarchived entries since the sealer last asked.
 *
 * Order: the feed's order reversed, oldest first: published ascending, equal dates by id
 * descending (feeds show equal dates by id ascending, store/keys.ts).
 *
 * Pure SQL over the writer's storage: the coordinator (store/archives.ts) talks to the writers.
 */
import type { Article } from "../domain/article";
import { parseIsoDate } from "../domain/article";
import { feedsOf } from "./articles";
import type { FeedKey } from "./keys";

/** An entry's place in feed order. */
export interface LedgerPoint {
  ms: number;
  id: string;
}

export interface ArchiveWork {
  /** Feeds that grew (reported once; the flag is cleared). */
  grown: FeedKey[];
  /** Archives to rewrite, with the version each was marked at. */
  dirty: { feed: FeedKey; n: number; ver: number }[];
}

export function ensureLedger(sql: SqlStorage): void {
  sql.exec(
    "CREATE TABLE IF NOT EXISTS arc_entries (feed TEXT NOT NULL, id TEXT NOT NULL, ms INTEGER NOT NULL, rev TEXT NOT NULL, archive INTEGER, PRIMARY KEY (feed, id))",
  );
  sql.exec("CREATE INDEX IF NOT EXISTS arc_entries_order ON arc_entries (feed, archive, ms, id)");
  sql.exec("CREATE TABLE IF NOT EXISTS arc_bounds (feed TEXT NOT NULL, n INTEGER NOT NULL, ms INTEGER NOT NULL, id TEXT NOT NULL, PRIMARY KEY (feed, n))");
  sql.exec("CREATE TABLE IF NOT EXISTS arc_dirty (feed TEXT NOT NULL, n INTEGER NOT NULL, ver INTEGER NOT NULL, PRIMARY KEY (feed, n))");
  sql.exec("CREATE TABLE IF NOT EXISTS arc_grown (feed TEXT PRIMARY KEY)");
  sql.exec("CREATE TABLE IF NOT EXISTS arc_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
  // Rows written before the ledger existed enter it once.
  const filled = sql.exec<{ value: number }>("SELECT value FROM arc_meta WHERE name = 'filled'").toArray()[0];
  if (filled) return;
  for (const row of sql.exec<{ id: string; record: string }>("SELECT id, record FROM articles WHERE record IS NOT NULL")) {
    syncLedger(sql, row.id, JSON.parse(row.record) as Article);
  }
  sql.exec("INSERT OR REPLACE INTO arc_meta (name, value) VALUES ('filled', 1)");
}

/** The ledger follows the article's record (null: gone from every feed). Unchanged entries are left alone. */
export function syncLedger(sql: SqlStorage, id: string, record: Article | null): void {
  const old = new Map(
    sql.exec<{ feed: string; ms: number; rev: string; archive: number | null }>("SELECT feed, ms, rev, archive FROM arc_entries WHERE id = ?", id)
      .toArray()
      .map((e) => [e.feed, e]),
  );
  const ms = record ? (parseIsoDate(record.published) ?? 0) : 0;
  const wanted = new Set(record ? feedsOf(record) : []);
  for (const [feed, entry] of old) {
    if (record && wanted.has(feed) && entry.ms === ms && entry.rev === record.rev) {
      wanted.delete(feed);
      continue;
    }
    sql.exec("DELETE FROM arc_entries WHERE feed = ? AND id = ?", feed, id);
    if (entry.archive !== null) markDirty(sql, feed, entry.archive);
  }
  if (!record) return;
  for (const feed of wanted) {
    const archive = archiveCovering(sql, feed, { ms, id });
    sql.exec("INSERT INTO arc_entries (feed, id, ms, rev, archive) VALUES (?, ?, ?, ?, ?)", feed, id, ms, record.rev, archive);
    if (archive === null) sql.exec("INSERT OR IGNORE INTO arc_grown (feed) VALUES (?)", feed);
    else markDirty(sql, feed, archive);
  }
}

/** The first sealed archive whose newest entry is not older than `point` (a backdated entry goes there). */
function archiveCovering(sql: SqlStorage, feed: FeedKey, point: LedgerPoint): number | null {
  return (
    sql.exec<{ n: number }>(
      "SELECT n FROM arc_bounds WHERE feed = ? AND (ms > ? OR (ms = ? AND id <= ?)) ORDER BY n LIMIT 1",
      feed,
      point.ms,
      point.ms,
      point.id,
    ).toArray()[0]?.n ?? null
  );
}

function markDirty(sql: SqlStorage, feed: FeedKey, n: number): void {
  const ver = (sql.exec<{ value: number }>("SELECT value FROM arc_meta WHERE name = 'ver'").toArray()[0]?.value ?? 0) + 1;
  sql.exec("INSERT OR REPLACE INTO arc_meta (name, value) VALUES ('ver', ?)", ver);
  sql.exec("INSERT OR REPLACE INTO arc_dirty (feed, n, ver) VALUES (?, ?, ?)", feed, n, ver);
}

/** What the sealer should look at: at most `limit` grown feeds (their flags cleared) and dirty archives. */
export function takeArchiveWork(sql: SqlStorage, limit: number): ArchiveWork {
  const grown = sql.exec<{ feed: string }>("SELECT feed FROM arc_grown ORDER BY feed LIMIT ?", limit).toArray().map((r) => r.feed);
  for (const feed of grown) sql.exec("DELETE FROM arc_grown WHERE feed = ?", feed);
  const dirty = sql.exec<{ feed: string; n: number; ver: number }>("SELECT feed, n, ver FROM arc_dirty ORDER BY ver LIMIT ?", limit).toArray();
  return { grown, dirty: dirty.map((d) => ({ feed: d.feed, n: d.n, ver: d.ver })) };
}

/** Flags a feed to be looked at again (the sealer stopped within its bound). */
export function markGrown(sql: SqlStorage, feed: FeedKey): void {
  sql.exec("INSERT OR IGNORE INTO arc_grown (feed) VALUES (?)", feed);
}

/** Unarchived entries of each feed here, and how many archives it has. */
export function unarchivedCounts(sql: SqlStorage, feeds: readonly FeedKey[]): { feed: FeedKey; unarchived: number; archives: number }[] {
  return feeds.map((feed) => ({
    feed,
    unarchived: sql.exec<{ c: number }>("SELECT count(*) AS c FROM arc_entries WHERE feed = ? AND archive IS NULL", feed).one().c,
    archives: sql.exec<{ n: number | null }>("SELECT max(n) AS n FROM arc_bounds WHERE feed = ?", feed).one().n ?? 0,
  }));
}

/** The `limit` oldest unarchived entries of a feed here, oldest first. */
export function oldestUnarchived(sql: SqlStorage, feed: FeedKey, limit: number): LedgerPoint[] {
  return sql.exec<{ ms: number; id: string }>(
    "SELECT ms, id FROM arc_entries WHERE feed = ? AND archive IS NULL ORDER BY ms ASC, id DESC LIMIT ?",
    feed,
    limit,
  ).toArray().map((e) => ({ ms: e.ms, id: e.id }));
}

/**
 * Seals archive `n` of a feed here: every unarchived entry up to `bound` (inclusive) joins it, and
 * the bound is kept so later writes find their archive. Returns what archive `n` now holds here.
 */
export function sealHere(sql: SqlStorage, feed: FeedKey, n: number, bound: LedgerPoint): { articles: Article[]; ver: number } {
  sql.exec("INSERT OR REPLACE INTO arc_bounds (feed, n, ms, id) VALUES (?, ?, ?, ?)", feed, n, bound.ms, bound.id);
  sql.exec(
    "UPDATE arc_entries SET archive = ? WHERE feed = ? AND archive IS NULL AND (ms < ? OR (ms = ? AND id >= ?))",
    n,
    feed,
    bound.ms,
    bound.ms,
    bound.id,
  );
  // Dirty until its document is written: a sealer that dies here leaves it for the next pass.
  markDirty(sql, feed, n);
  return archiveHere(sql, feed, n);
}

/** The records archive `n` of a feed holds here, and the dirty version this answer covers. */
export function archiveHere(sql: SqlStorage, feed: FeedKey, n: number): { articles: Article[]; ver: number } {
  const ver = sql.exec<{ value: number }>("SELECT value FROM arc_meta WHERE name = 'ver'").toArray()[0]?.value ?? 0;
  const articles = sql.exec<{ record: string }>(
    "SELECT a.record AS record FROM arc_entries e JOIN articles a ON a.id = e.id WHERE e.feed = ? AND e.archive = ? AND a.record IS NOT NULL",
    feed,
    n,
  ).toArray().map((r) => JSON.parse(r.record) as Article);
  return { articles, ver };
}

/** Archive `n` was written from an answer at `ver`: it is clean unless marked again since. */
export function cleanArchive(sql: SqlStorage, feed: FeedKey, n: number, ver: number): void {
  sql.exec("DELETE FROM arc_dirty WHERE feed = ? AND n = ? AND ver <= ?", feed, n, ver);
}
