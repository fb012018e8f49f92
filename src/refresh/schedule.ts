/**
 * When a source is next due, and which sources a tick takes. Pure. No I/O; the clock comes in.
 *
 * - After a success (200 or 304): `now + interval`.
 * - After the n-th consecutive failure: `now + min(interval × 2^n, 24 h)` — exponential backoff,
 *   so a dead feed costs one fetch a day, and the first retry comes at twice the interval.
 * - A `Retry-After` (RFC 9110 §10.2.3, on 429 and 503, and on any failure that sends one) moves
 *   the next fetch to at least that time, capped at 7 days so a hostile header cannot retire a
 *   source for ever.
 * - `pickDue`: the due sources, those in the middle of a document first (a part of it waits,
 *   refresh/resume.ts: finished before others are started), then oldest `next_due` first (ties by
 *   id, for determinism), at most `limit`; the rest wait for the next tick, still the oldest.
 */

export const MAX_BACKOFF_MS = 24 * 3600 * 1000;
export const MAX_RETRY_AFTER_MS = 7 * 24 * 3600 * 1000;

export interface NextDueInput {
  nowMs: number;
  intervalMinutes: number;
  /** Consecutive failures including the refresh just done (0 after a success). */
  failures: number;
  /** Absolute time (ms) a Retry-After asked for, if any. */
  retryAtMs?: number | undefined;
}

export function backoffDelayMs(intervalMinutes: number, failures: number): number {
  const base = intervalMinutes * 60_000;
  if (failures <= 0) return base;
  // 2^failures overflows nothing: the cap applies long before (2^11 × 5 min > 24 h).
  return Math.min(base * 2 ** Math.min(failures, 30), MAX_BACKOFF_MS);
}

export function nextDueMs({ nowMs, intervalMinutes, failures, retryAtMs }: NextDueInput): number {
  const due = nowMs + backoffDelayMs(intervalMinutes, failures);
  if (retryAtMs === undefined || !Number.isFinite(retryAtMs)) return due;
  return Math.max(due, Math.min(retryAtMs, nowMs + MAX_RETRY_AFTER_MS));
}

/**
 * RFC 9110 §10.2.3: `Retry-After: <delay-seconds>` or an HTTP-date. The absolute time it names,
 * or undefined when absent or unreadable (a date in the past is "now").
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (/^\d{1,10}$/.test(value)) return nowMs + Number(value) * 1000;
  if (!/[a-z]/i.test(value)) return undefined;
  const dateMs = Date.parse(value);
  if (Number.isNaN(dateMs)) return undefined;
  return Math.max(dateMs, nowMs);
}

export interface DueCandidate {
  id: string;
  /** Epoch ms the source is due at; 0 for one with no recorded schedule. */
  dueMs: number;
  /** Epoch ms until which a part of a document waits for the source; absent or 0: none. */
  resumeUntilMs?: number;
}

export function pickDue<T extends DueCandidate>(candidates: readonly T[], nowMs: number, limit: number): T[] {
  const resuming = (c: T): number => ((c.resumeUntilMs ?? 0) > nowMs ? 0 : 1);
  return candidates
    .filter((c) => c.dueMs <= nowMs)
    .sort((a, b) => resuming(a) - resuming(b) || a.dueMs - b.dueMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, Math.max(0, limit));
}
