/**
 * Source claims: who may refresh a source now. A refresh (the queue producer's message, the in-tick
 * refresh, `POST /api/sources/{id}/refresh`) first claims its source with a fresh token; while the
 * claim holds, nobody else enqueues or refreshes it, and its final state write lands only if the
 * claim is still its own, releasing it in the same step.
 *
 * The truth is a `claims` table in the article writers' SQLite storage (store/article-writer.ts),
 * the shard chosen by the source id's hash like an article's: the platform's own serializer, so a
 * claim is a compare-and-set, not KV's read then blind write. Why those objects rather than one of
 * their own: they already exist in every deployment (no new class, binding or migration), and
 * sources spread over 8 shards, so a tick's claims cost one call per shard however many sources it
 * takes (at most 8 subrequests, next to 50 per invocation on the free plan), and no shard is a hot
 * spot. The claim calls run on their own, not after the shard's queued article writes: each is
 * synchronous SQL (atomic within the object), except `finish`, whose KV write waits while the row
 * still holds.
 *
 * Semantics, per source (`until`, `now`: unix ms):
 * - take(id, token, until): granted unless another token holds a claim that has not expired;
 * - renew(id, token, until): only while the row is still this token's (expired or not: then nobody
 *   took it since), the lease extended — a queued message's check before it works;
 * - finish(id, token, record): only while the row is this token's: the record is written to KV,
 *   then the row deleted. A refresh whose claim was taken over leaves its state unwritten;
 * - release(id, token): the row deleted if it is this token's (a claimed source a tick did not reach).
 * Rows expired for a day are dropped when a shard takes claims: no message lives that long.
 *
 * The record's `claim` field and the key's metadata `c` (store/sources.ts) are the claim's copy in
 * KV, written by the queue producer and a manual refresh: the cheap filter the tick lists by, and
 * what GET /api/sources shows. The in-tick refresh writes no copy (it would cost a KV write per
 * source); its claims exist only here, for as long as the tick runs.
 */
import type { Source } from "../domain/source";
import type { ArticleWriter } from "./article-writer";
import { byShard, shardOf } from "./article-ops";
import { writerName } from "./articles";
import { putSource } from "./sources";

/** How long a claim holds: longer than a queued refresh takes, its retries included. */
export const CLAIM_MS = 15 * 60_000;
/** An expired row is kept this long, so a late message of its token still knows it was the last one. */
const KEEP_EXPIRED_MS = 24 * 3_600_000;

export interface ClaimRequest {
  id: string;
  token: string;
}

/** One shard's answer: the ids granted, and until when the others are held. */
export interface ShardClaims {
  granted: string[];
  held: { id: string; until: number }[];
}

export interface Claims {
  /** When the claims granted expire (unix ms). */
  untilMs: number;
  /** id → the token now holding it for the caller. */
  granted: Map<string, string>;
  /** id → until when another refresh holds it (unix ms). */
  held: Map<string, number>;
  /** Shards that could not be asked (their ids are neither granted nor held). */
  errors: string[];
}

// Inside the writer (its SQLite storage). -----------------------------------------------------

export function ensureClaims(sql: SqlStorage): void {
  sql.exec("CREATE TABLE IF NOT EXISTS claims (source TEXT PRIMARY KEY, token TEXT NOT NULL, until INTEGER NOT NULL)");
}

export function takeClaims(sql: SqlStorage, wanted: readonly ClaimRequest[], untilMs: number, nowMs: number): ShardClaims {
  sql.exec("DELETE FROM claims WHERE until < ?", nowMs - KEEP_EXPIRED_MS);
  const answer: ShardClaims = { granted: [], held: [] };
  for (const { id, token } of wanted) {
    const row = holderOf(sql, id);
    if (row && row.token !== token && row.until > nowMs) {
      answer.held.push({ id, until: row.until });
      continue;
    }
    sql.exec("INSERT OR REPLACE INTO claims (source, token, until) VALUES (?, ?, ?)", id, token, untilMs);
    answer.granted.push(id);
  }
  return answer;
}

export function renewClaim(sql: SqlStorage, id: string, token: string, untilMs: number): boolean {
  return sql.exec("UPDATE claims SET until = max(until, ?) WHERE source = ? AND token = ?", untilMs, id, token).rowsWritten > 0;
}

/** The record written only while `token` holds the claim, and the claim released after it. */
export async function finishClaim(sql: SqlStorage, kv: KVNamespace, token: string, record: Source): Promise<boolean> {
  if (holderOf(sql, record.id)?.token !== token) return false;
  // Meanwhile the row still holds: a take for this source is refused until the write is done.
  await putSource(kv, record);
  sql.exec("DELETE FROM claims WHERE source = ? AND token = ?", record.id, token);
  return true;
}

export function releaseClaims(sql: SqlStorage, held: readonly ClaimRequest[]): void {
  for (const { id, token } of held) sql.exec("DELETE FROM claims WHERE source = ? AND token = ?", id, token);
}

function holderOf(sql: SqlStorage, id: string): { token: string; until: number } | undefined {
  return sql.exec<{ token: string; until: number }>("SELECT token, until FROM claims WHERE source = ?", id).toArray()[0];
}

// The callers' side. ---------------------------------------------------------------------------

type Writers = DurableObjectNamespace<ArticleWriter>;

const writerOf = (writers: Writers, id: string) => writers.getByName(writerName(shardOf(id)));

/** Claims the sources for `CLAIM_MS` from `nowMs`, one call per shard they fall in (none for none). */
export async function claimSources(writers: Writers, wanted: readonly ClaimRequest[], nowMs: number): Promise<Claims> {
  const claims: Claims = { untilMs: nowMs + CLAIM_MS, granted: new Map(), held: new Map(), errors: [] };
  const tokens = new Map(wanted.map((w) => [w.id, w.token]));
  await Promise.all(
    [...byShard(wanted, (w) => w.id)].map(async ([shard, requests]) => {
      try {
        const answer = await writers.getByName(writerName(shard)).takeClaims(requests, claims.untilMs, nowMs);
        for (const id of answer.granted) claims.granted.set(id, tokens.get(id) ?? "");
        for (const { id, until } of answer.held) claims.held.set(id, until);
      } catch (error) {
        claims.errors.push(`claims of ${requests.length} sources not taken: ${error instanceof Error ? error.message : String(error)}`.slice(0, 300));
      }
    }),
  );
  return claims;
}

/** Releases claims this caller holds and will not finish, one call per shard. */
export async function releaseSourceClaims(writers: Writers, held: readonly ClaimRequest[]): Promise<void> {
  await Promise.all([...byShard(held, (h) => h.id)].map(([shard, requests]) => writers.getByName(writerName(shard)).releaseClaims(requests)));
}

/** Whether `token` still holds the source's claim; if so it holds for another `CLAIM_MS` from `nowMs`. */
export async function renewSourceClaim(writers: Writers, id: string, token: string, nowMs: number): Promise<boolean> {
  return writerOf(writers, id).renewClaim(id, token, nowMs + CLAIM_MS);
}

/** Writes a claimed refresh's final record and releases the claim, only while `token` holds it. */
export async function finishSourceClaim(writers: Writers, token: string, record: Source): Promise<boolean> {
  return writerOf(writers, record.id).finishClaim(token, record);
}
