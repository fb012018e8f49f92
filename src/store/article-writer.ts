/**
 * Article writers: Durable Objects that serialize every write of an article (create, update,
 * delete, the retag of a merge) and make it survive the death of the invocation that asked for it.
 * `ARTICLE_SHARDS` objects, an article always going to the one its id hashes to; a batch costs one
 * call per shard it touches (store/articles.ts, `applyArticleOps`), however many articles it holds.
 *
 * Each writer keeps, in its SQLite storage, the truth about the articles it owns:
 *   articles(id, record, keys, pending): the current record (null once deleted), every index key
 *     KV may hold for it, and whether the KV writes for that record are still to be done;
 *   bumps(feed, seq): feeds whose version must still be bumped (store/feed-versions.ts).
 *   arc_*: the archive ledger, each of its articles' feed entries and their archive, kept by saveRow
 *     (store/archive-ledger.ts; the sealer, store/archives.ts, reads it);
 *   claims: who may refresh the sources whose id hashes here (store/claims.ts), served beside the
 *     article writes rather than after them.
 * One write, one article at a time (a batch after the one before it):
 *   1. compute the next version from the stored one (never from a KV read another writer may
 *      have overtaken), and log it: row := next, keys := old ∪ new, pending; its feeds into bumps.
 *      Durable before any KV write (`storage.sync()`).
 *   2. KV, in the commit order of store/articles.ts: the new index keys, the record (the commit
 *      point), then every other key of the row's set is deleted. Then row := keys of next, done.
 *   3. The caller bumps the feeds once per batch and settles them (`settle`); what it does not
 *      settle, the alarm bumps.
 * A KV failure in step 2 rolls the row back to the previous version (still pending): the caller
 * answers 503, and the next call or the alarm rewrites the previous version whole. An invocation
 * that dies anywhere leaves a pending row: the next call to the shard, its alarm or the cron's
 * sweep rolls it forward (it was logged, so the write is kept) and bumps its feeds. So an
 * article whose record is stored is in every feed it claims once the pending bumps are done, and
 * after any mix of concurrent writes each feed's keys are exactly those its final record claims.
 *
 * An article the writer has never seen (stored before writers existed) is read once from KV.
 */
import { DurableObject } from "cloudflare:workers";
import type { Article } from "../domain/article";
import { mergeUpstream } from "../ingest/ingest";
import { stampArticle } from "../ingest/normalize";
import { retagArticle } from "../tags/merge";
import { type IndexEntryMeta, feedsOf, getArticles, indexKeysOf } from "./articles";
import type { ChangeSite } from "../hub/hub-object";
import { notifyFeedsChanged } from "../hub/notify";
import { bumpFeedVersions } from "./feed-versions";
import { type ApplyAnswer, type ArticleOp, type OpOutcome, type OpStatus, opId } from "./article-ops";
import { type KvCounts, guardKv, newKvCounts } from "./guard";
import { type FeedKey, articleKey, parseIndexKey } from "./keys";
import type { RetentionRules } from "../domain/retention";
import type { FeedPoint } from "../domain/retention";
import {
  type RankedSource,
  type RetentionPick,
  type SourceAsk,
  type SourceScan,
  clearGrown,
  expiredRecord,
  grownFeeds,
  grownSources,
  initRetention,
  pickExpiring,
  sourcePoints,
  sourceTotals,
  sourcesSeen,
} from "./retention";
import { announceDeletion, withdrawDeletion } from "./deletions";
import * as ledger from "./archive-ledger";
import * as claims from "./claims";
import type { Source } from "../domain/source";

/** Feeds logged as still to bump are bumped by the alarm this long after the write, unless settled. */
const BUMP_GRACE_MS = 20_000;
const RETRY_MS = 5_000;
/**
 * KV operations finishing earlier writes may spend in one call, so a call stays inside its
 * invocation's 1000: next to a batch (whose own share is at most the Worker's budget, 900,
 * store/write-cost.ts) 100; in the alarm or the cron's sweep, which also bump the feeds, 600.
 * What is left stays pending for the next call or alarm.
 */
const FINISH_OPS_WITH_BATCH = 100;
const FINISH_OPS_ALONE = 600;

interface Row {
  record: Article | null;
  keys: string[];
  pending: boolean;
}

export class ArticleWriter extends DurableObject<Env> {
  /** The KV binding writes go to (tests substitute a failing one). */
  kv: KVNamespace;
  /** `kv`, counted: the KV operations of the call being served, reported in its answer. */
  private io: KVNamespace;
  private counts: KvCounts = newKvCounts();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.kv = env.KV;
    this.io = guardKv(this.kv, this.counts);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS articles (id TEXT PRIMARY KEY, record TEXT, keys TEXT NOT NULL, pending INTEGER NOT NULL)",
    );
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS bumps (feed TEXT PRIMARY KEY, seq INTEGER NOT NULL)");
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
    // Retractions: a deleted article's id and the content version it had, so no upstream refresh
    // or re-sent copy brings it back; a publisher's changed version restores it.
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS tombstones (id TEXT PRIMARY KEY, rev TEXT NOT NULL, at INTEGER NOT NULL)");
    // Retention: when each article is next due for a look (store/retention.ts).
    initRetention(ctx.storage.sql);
    // RFC 5005 archives: the ordered per-feed ledger, kept by saveRow (store/archive-ledger.ts).
    ledger.ensureLedger(ctx.storage.sql);
    claims.ensureClaims(ctx.storage.sql);
  }

  // Source claims (store/claims.ts). Not `serially`: each is atomic on its own, and waiting behind
  // an article batch would hold up a tick's claims for nothing. -----------------------------------

  async takeClaims(wanted: claims.ClaimRequest[], untilMs: number, nowMs: number): Promise<claims.ShardClaims> {
    return claims.takeClaims(this.ctx.storage.sql, wanted, untilMs, nowMs);
  }

  async renewClaim(id: string, token: string, untilMs: number): Promise<boolean> {
    return claims.renewClaim(this.ctx.storage.sql, id, token, untilMs);
  }

  async finishClaim(token: string, record: Source): Promise<boolean> {
    return claims.finishClaim(this.ctx.storage.sql, this.kv, token, record);
  }

  async releaseClaims(held: claims.ClaimRequest[]): Promise<void> {
    claims.releaseClaims(this.ctx.storage.sql, held);
  }

  // Archives (store/archives.ts drives these; store/archive-ledger.ts holds the logic). -----------

  async archiveWork(limit: number): Promise<ledger.ArchiveWork> {
    return this.serially(async () => ledger.takeArchiveWork(this.ctx.storage.sql, limit));
  }

  async archiveCounts(feeds: FeedKey[]): Promise<ReturnType<typeof ledger.unarchivedCounts>> {
    return this.serially(async () => ledger.unarchivedCounts(this.ctx.storage.sql, feeds));
  }

  async archiveOldest(feed: FeedKey, limit: number): Promise<ledger.LedgerPoint[]> {
    return this.serially(async () => ledger.oldestUnarchived(this.ctx.storage.sql, feed, limit));
  }

  async archiveSeal(feed: FeedKey, n: number, bound: ledger.LedgerPoint): Promise<{ articles: Article[]; ver: number }> {
    return this.serially(async () => ledger.sealHere(this.ctx.storage.sql, feed, n, bound));
  }

  async archiveRead(feed: FeedKey, n: number): Promise<{ articles: Article[]; ver: number }> {
    return this.serially(async () => ledger.archiveHere(this.ctx.storage.sql, feed, n));
  }

  async archiveWritten(feed: FeedKey, n: number, ver: number): Promise<void> {
    await this.serially(async () => ledger.cleanArchive(this.ctx.storage.sql, feed, n, ver));
  }

  async archiveRegrow(feed: FeedKey): Promise<void> {
    await this.serially(async () => ledger.markGrown(this.ctx.storage.sql, feed));
  }

  /** Applies a batch of operations on this shard's articles, in order, after every batch before it. */
  async apply(ops: ArticleOp[], nowMs: number): Promise<ApplyAnswer> {
    return this.counted(async () => {
      let finished: Set<FeedKey>;
      try {
        finished = await this.finishPending(FINISH_OPS_WITH_BATCH);
      } catch (error) {
        console.error("finishing an earlier write failed", error);
        await this.ensureAlarm(Date.now() + RETRY_MS, true);
        return { ok: false, reason: "storage_unavailable", feeds: [...this.pendingFeeds()], seq: this.seq() };
      }
      const touched = new Set<FeedKey>(finished);
      const rows = await this.rowsOf(ops.map(opId));
      const outcomes: OpOutcome[] = [];
      const writes: { id: string; before: Row; after: Row }[] = [];
      const debris: string[] = [];
      const tombstones = new Map<string, string | null>();
      /** RFC 6721 announcements (store/deletions.ts): deletions, and restores of deleted articles. */
      const announced = new Map<string, "deleted" | "restored">();
      /** The tombstone each changed one had before this batch: a write rolled back puts it back. */
      const priorTombstones = new Map<string, string | undefined>();
      for (const op of ops) {
        const id = opId(op);
        const before = rows.get(id) ?? { record: null, keys: [], pending: false };
        const tombstone = tombstones.has(id) ? (tombstones.get(id) ?? undefined) : this.tombstoneOf(id);
        if (!priorTombstones.has(id)) priorTombstones.set(id, tombstone);
        const { status, record } = await nextRecord(op, before, nowMs, tombstone);
        if (status === "deleted" && (op.kind === "delete" || op.kind === "expire") && before.record) tombstones.set(id, before.record.rev);
        if (tombstone !== undefined && record !== null && op.kind === "replace") tombstones.set(id, null);
        if (status === "deleted" && op.kind === "delete") announced.set(id, "deleted");
        else if (tombstone !== undefined && record !== null && op.kind === "replace") announced.set(id, "restored");
        const shown = record ?? before.record;
        outcomes.push({ id, status, tags: shown?.tags ?? [], ...(shown?.url !== undefined && { url: shown.url }) });
        if (op.kind === "debris") {
          if (status === "deleted") debris.push(op.key);
          continue;
        }
        if (status === "unchanged" || status === "absent" || status === "retracted" || status === "expired") continue;
        const after: Row = { record, keys: [...before.keys, ...(record ? indexKeysOf(record) : [])], pending: true };
        writes.push({ id, before, after });
        rows.set(id, after);
        for (const feed of [...(before.record ? feedsOf(before.record) : []), ...(record ? feedsOf(record) : [])]) touched.add(feed);
      }
      try {
        // No write of this article can run meanwhile: a key its record does not claim stays unclaimed.
        await Promise.all(debris.map((key) => this.io.delete(key)));
      } catch (error) {
        console.error("deleting debris failed; the repair sweep finds it again", error);
      }
      if (writes.length === 0) {
        if (touched.size > 0) this.logBumps([...touched], this.nextSeq());
        return { ok: true, outcomes, feeds: [...this.pendingFeeds()], seq: this.seq() };
      }

      // 1. The log: every row and feed, durable before KV sees anything.
      const seq = this.nextSeq();
      for (const { id, after } of writes) this.saveRow(id, after);
      for (const [id, rev] of tombstones) this.saveTombstone(id, rev, nowMs);
      this.logBumps([...touched], seq);
      await this.ctx.storage.sync();
      await this.ensureAlarm(Date.now() + BUMP_GRACE_MS);

      // 2. KV, article by article in parallel; a failure rolls that article back.
      let failed = false;
      await Promise.all(
        writes.map(async ({ id, before, after }) => {
          // Keys of a finished row exist in KV: only the new ones are put.
          const trusted = before.pending ? [] : before.keys;
          try {
            const keys = await this.writeThrough(id, after, trusted, nowMs);
            this.saveRow(id, { record: after.record, keys, pending: false });
            await this.announce(id, announced.get(id), before.record, after.record, nowMs);
          } catch (error) {
            failed = true;
            console.error("article write failed; rolling back to the previous version", id, error);
            this.saveRow(id, { record: before.record, keys: after.keys, pending: true });
            if (tombstones.has(id)) this.saveTombstone(id, priorTombstones.get(id) ?? null, nowMs);
          }
        }),
      );
      const feeds = [...this.pendingFeeds()];
      if (failed) {
        await this.ensureAlarm(Date.now() + RETRY_MS, true);
        return { ok: false, reason: "storage_unavailable", feeds, seq };
      }
      return { ok: true, outcomes, feeds, seq };
    });
  }

  /**
   * The caller bumped these feeds after write `seq`: they are done unless a later write logged them
   * again. Every bump ends here or in `sweep`, so this is where the WebSub hub hears of changes.
   */
  async settle(feeds: FeedKey[], seq: number, site?: ChangeSite): Promise<void> {
    await notifyFeedsChanged(this.env, feeds, site);
    await this.serially(async () => {
      for (const feed of feeds) this.ctx.storage.sql.exec("DELETE FROM bumps WHERE feed = ? AND seq <= ?", feed, seq);
      // Nothing left to finish: no alarm (it would cost a request for nothing).
      const left = this.ctx.storage.sql.exec<{ n: number }>(
        "SELECT (SELECT count(*) FROM bumps) + (SELECT count(*) FROM articles WHERE pending = 1) AS n",
      ).one().n;
      if (left === 0) await this.ctx.storage.deleteAlarm();
    });
  }

  /** Finishes whatever a dead invocation left: pending rows, then unbumped feeds. The alarm, and the cron's sweep. */
  async sweep(): Promise<{ feeds: number; failed: number; pending: number; kv: KvCounts }> {
    return this.counted(async () => {
      let rows = new Set<FeedKey>();
      try {
        rows = await this.finishPending(FINISH_OPS_ALONE);
      } catch (error) {
        console.error("finishing an earlier write failed; retrying from the alarm", error);
      }
      const seq = this.seq();
      const feeds = [...this.pendingFeeds()];
      const failed = feeds.length === 0 ? [] : await bumpFeedVersions(this.io, feeds, Date.now());
      const done = feeds.filter((feed) => !failed.includes(feed));
      await notifyFeedsChanged(this.env, done);
      for (const feed of done) this.ctx.storage.sql.exec("DELETE FROM bumps WHERE feed = ? AND seq <= ?", feed, seq);
      const left = this.ctx.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM articles WHERE pending = 1").one().n;
      if (failed.length > 0 || left > 0) await this.ensureAlarm(Date.now() + RETRY_MS, true);
      return { feeds: done.length, failed: failed.length, pending: left };
    });
  }

  /**
   * Retention: the expire ops this shard's due articles, and its articles past the cutoffs of the
   * `ranked` sources, call for, within `budget` KV operations (applied by the caller through
   * `apply`), and the counted feeds it grew.
   */
  async retentionDue(rules: RetentionRules, nowMs: number, budget: number, ranked: Record<string, RankedSource> = {}): Promise<RetentionPick> {
    return this.serially(async () => ({
      ...(await pickExpiring(this.ctx.storage.sql, rules, nowMs, budget, ranked)),
      grown: grownFeeds(this.ctx.storage.sql, rules.counts ?? {}),
    }));
  }

  /** Retention: the counted sources to rank (grown here, or with a new rule), and the write sequence they were read at. */
  async retentionGrownSources(sourceCounts: Record<string, number>): Promise<{ sources: string[]; seq: number }> {
    return this.serially(async () => grownSources(this.ctx.storage.sql, sourceCounts));
  }

  /** Retention: how many articles of each source this shard holds. */
  async retentionSourceTotals(sources: string[]): Promise<Record<string, number>> {
    return this.serially(async () => sourceTotals(this.ctx.storage.sql, sources));
  }

  /** Retention: each asked source's newest or oldest few articles here, with its total. */
  async retentionSourcePoints(asks: SourceAsk[]): Promise<{ source: string; total: number; points: FeedPoint[] }[]> {
    return this.serially(async () => sourcePoints(this.ctx.storage.sql, asks));
  }

  /** Retention looked at these grown feeds (up to write `seq`), and at the ranked sources as far as `sources.scans` say. */
  async retentionSeen(feeds: string[], seq: number, sources?: { scans: SourceScan[]; seq: number; counts: Record<string, number> }): Promise<void> {
    await this.serially(async () => {
      clearGrown(this.ctx.storage.sql, feeds, seq);
      if (sources) sourcesSeen(this.ctx.storage.sql, sources.scans, sources.seq, sources.counts);
    });
  }

  override async alarm(): Promise<void> {
    await this.sweep();
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * KV writes for one row, in the commit order: the keys the record claims that are not known to
   * exist, the record (or its deletion), then every other key the row may hold. Returns the keys now held.
   */
  private async writeThrough(id: string, row: Row, trusted: readonly string[], nowMs: number): Promise<string[]> {
    const claimed = row.record ? indexKeysOf(row.record) : [];
    const known = new Set(trusted);
    if (row.record) {
      const meta: IndexEntryMeta = { r: row.record.rev, w: Math.floor(nowMs / 1000) };
      await Promise.all(claimed.filter((key) => !known.has(key)).map((key) => this.io.put(key, "", { metadata: meta })));
      await this.io.put(articleKey(id), JSON.stringify(row.record));
    } else {
      await this.io.delete(articleKey(id));
    }
    const keep = new Set(claimed);
    await Promise.all(row.keys.filter((key) => !keep.has(key)).map((key) => this.io.delete(key)));
    return claimed;
  }

  /**
   * Rolls pending rows forward (each was logged, so it is kept), as many as `budget` KV operations
   * allow (at least one, so every call progresses); the rest wait for the alarm. Returns the feeds
   * of the rows finished.
   */
  private async finishPending(budget: number): Promise<Set<FeedKey>> {
    const pending = this.ctx.storage.sql.exec<{ id: string; record: string | null; keys: string }>(
      "SELECT id, record, keys FROM articles WHERE pending = 1",
    ).toArray();
    const feeds = new Set<FeedKey>();
    const rows: { id: string; row: Row }[] = [];
    let cost = 0;
    for (const raw of pending) {
      const row = parseRow(raw);
      // writeThrough with nothing trusted: every claimed key and the record put, every other key deleted.
      const claimed = row.record ? indexKeysOf(row.record) : [];
      const ops = 1 + claimed.length + row.keys.filter((key) => !claimed.includes(key)).length;
      if (rows.length > 0 && cost + ops > budget) break;
      rows.push({ id: raw.id, row });
      cost += ops;
    }
    if (rows.length < pending.length) await this.ensureAlarm(Date.now() + RETRY_MS, true);
    for (const { row } of rows) {
      for (const key of row.keys) {
        const feed = parseIndexKey(key)?.feed;
        if (feed !== undefined) feeds.add(feed);
      }
      if (row.record) for (const feed of feedsOf(row.record)) feeds.add(feed);
    }
    if (feeds.size === 0 && rows.length === 0) return feeds;
    // The feeds first: a failure half-way must still leave them to bump.
    this.logBumps([...feeds], this.nextSeq());
    for (const { id, row } of rows) {
      const keys = await this.writeThrough(id, row, [], Date.now());
      this.saveRow(id, { record: row.record, keys, pending: false });
    }
    return feeds;
  }

  /** Announces a landed deletion in its feeds (or withdraws it on a restore); best effort: the write stands. */
  private async announce(id: string, what: "deleted" | "restored" | undefined, before: Article | null, after: Article | null, nowMs: number): Promise<void> {
    try {
      if (what === "deleted" && before) await announceDeletion(this.kv, before, nowMs);
      else if (what === "restored" && after) await withdrawDeletion(this.kv, after);
    } catch (error) {
      console.error("announcing a deletion failed", id, error);
    }
  }

  private async rowsOf(ids: readonly string[]): Promise<Map<string, Row>> {
    const rows = new Map<string, Row>();
    const unknown: string[] = [];
    for (const id of new Set(ids)) {
      const found = this.ctx.storage.sql.exec<{ id: string; record: string | null; keys: string; pending: number }>(
        "SELECT id, record, keys, pending FROM articles WHERE id = ?",
        id,
      ).toArray()[0];
      if (found) rows.set(id, parseRow(found));
      else unknown.push(id);
    }
    if (unknown.length > 0) {
      // Stored before this writer existed (or never): KV's record is the truth this once.
      const stored = await getArticles(this.io, unknown);
      for (const id of unknown) {
        const record = stored.get(id) ?? null;
        rows.set(id, { record, keys: record ? indexKeysOf(record) : [], pending: false });
      }
    }
    return rows;
  }

  private tombstoneOf(id: string): string | undefined {
    return this.ctx.storage.sql.exec<{ rev: string }>("SELECT rev FROM tombstones WHERE id = ?", id).toArray()[0]?.rev;
  }

  /** Records a retraction (`rev`: the deleted version), or lifts it (null). */
  private saveTombstone(id: string, rev: string | null, nowMs: number): void {
    if (rev === null) this.ctx.storage.sql.exec("DELETE FROM tombstones WHERE id = ?", id);
    else this.ctx.storage.sql.exec("INSERT OR REPLACE INTO tombstones (id, rev, at) VALUES (?, ?, ?)", id, rev, nowMs);
  }

  private saveRow(id: string, row: Row): void {
    this.ctx.storage.sql.exec(
      "INSERT OR REPLACE INTO articles (id, record, keys, pending) VALUES (?, ?, ?, ?)",
      id,
      row.record ? JSON.stringify(row.record) : null,
      JSON.stringify([...new Set(row.keys)]),
      row.pending ? 1 : 0,
    );
    ledger.syncLedger(this.ctx.storage.sql, id, row.record);
  }

  private logBumps(feeds: readonly FeedKey[], seq: number): void {
    for (const feed of feeds) this.ctx.storage.sql.exec("INSERT OR REPLACE INTO bumps (feed, seq) VALUES (?, ?)", feed, seq);
  }

  private pendingFeeds(): Set<FeedKey> {
    return new Set(this.ctx.storage.sql.exec<{ feed: string }>("SELECT feed FROM bumps").toArray().map((r) => r.feed));
  }

  private seq(): number {
    return this.ctx.storage.sql.exec<{ value: number }>("SELECT value FROM meta WHERE name = 'seq'").toArray()[0]?.value ?? 0;
  }

  private nextSeq(): number {
    const next = this.seq() + 1;
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO meta (name, value) VALUES ('seq', ?)", next);
    return next;
  }

  private async ensureAlarm(atMs: number, sooner = false): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || (sooner && current > atMs)) await this.ctx.storage.setAlarm(atMs);
  }

  /**
   * `serially`, counting the KV operations of `work` (the writer runs in its own invocation: the
   * caller's counter does not see them) and adding them to its answer.
   */
  private counted<T extends object>(work: () => Promise<T>): Promise<T & { kv: KvCounts }> {
    return this.serially(async () => {
      this.counts = newKvCounts();
      this.io = guardKv(this.kv, this.counts);
      const answer = await work();
      return { ...answer, kv: this.counts };
    });
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function parseRow(raw: { record: string | null; keys: string; pending?: number }): Row {
  return {
    record: raw.record === null ? null : (JSON.parse(raw.record) as Article),
    keys: JSON.parse(raw.keys) as string[],
    pending: raw.pending === 1,
  };
}

/**
 * What one operation makes of the stored version: pure but for WebCrypto digests. `tombstone` is
 * the content version a deleted article had: an upstream item never brings it back, and neither
 * does a publisher's copy of that same version; a changed version from the publisher restores it.
 */
async function nextRecord(op: ArticleOp, before: Row, nowMs: number, tombstone: string | undefined): Promise<{ status: OpStatus; record: Article | null }> {
  const prev = before.record;
  const retracted = tombstone !== undefined && prev === null;
  switch (op.kind) {
    case "replace": {
      if (retracted && op.draft.rev === tombstone) return { status: "retracted", record: null };
      if (prev && prev.rev === op.draft.rev) return { status: "unchanged", record: prev };
      return { status: prev ? "updated" : "created", record: stampArticle(op.draft, prev, nowMs) };
    }
    case "merge": {
      if (retracted) return { status: "retracted", record: null };
      if (!prev && op.expired) return { status: "expired", record: null };
      const merged = prev ? await mergeUpstream(prev, op.draft, op.inventedDate) : op.draft;
      if (prev && prev.rev === merged.rev) return { status: "unchanged", record: prev };
      return { status: prev ? "updated" : "created", record: stampArticle(merged, prev, nowMs) };
    }
    case "retag": {
      const draft = prev ? await retagArticle(prev, op.from, op.into) : null;
      if (!prev) return { status: "absent", record: null };
      if (!draft) return { status: "unchanged", record: prev };
      return { status: "updated", record: stampArticle(draft, prev, nowMs) };
    }
    case "delete":
      return prev ? { status: "deleted", record: null } : { status: "absent", record: null };
    case "debris":
      return { status: prev && indexKeysOf(prev).includes(op.key) ? "unchanged" : "deleted", record: prev };
    case "expire":
      return expiredRecord(op, prev, nowMs);
  }
}
