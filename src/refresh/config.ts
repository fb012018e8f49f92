/**
 * The refresh job's knobs, read from the Worker's vars with safe defaults. Pure.
 *
 * | var                        | default  | what                                                        |
 * |----------------------------|----------|-------------------------------------------------------------|
 * | `REFRESH_MAX_SOURCES`      | 20       | sources refreshed per cron tick at most                     |
 * | `REFRESH_SUBREQUESTS`      | 40       | fetches per tick, redirect hops included (free plan: 50)     |
 * | `REFRESH_KV_OPS`           | 800      | KV operations per tick (the platform allows 1000)           |
 * | `REFRESH_WALL_MS`          | 20000    | no new source is started after this long (at most 5 min)    |
 * | `REFRESH_CONCURRENCY`      | 4        | sources fetched at once (the platform allows 6 connections) |
 * | `REFRESH_FETCH_TIMEOUT_MS` | 10000    | one fetch, redirects and body included                      |
 * | `REFRESH_MAX_BYTES`        | 5242880  | body limit (decompressed)                                    |
 * | `REFRESH_ITEMS_PER_PART`   | 6        | new or changed items one invocation maps and stores (CPU): a |
 * |                            |          | queued part, a cron tick in all, a manual refresh            |
 * | `REFRESH_RETRY_SECONDS`    | 30       | a queued refresh's first retry after a storage failure; doubling |
 * | `ALLOW_PRIVATE_SOURCES`    | false    | `true`: loopback/private upstreams allowed (local testing)   |
 * | `PUBLIC_ORIGIN`            |          | named in the User-Agent, so publishers can see who fetches   |
 *
 * The defaults fit the Workers free plan (10 ms of CPU per invocation: 6 new items, parse included,
 * measured at 4.6-8.9 ms), so `REFRESH_ITEMS_PER_PART` means the same on every path; on the paid
 * plan an operator without a queue raises it (200) and the tick's KV budget bounds it instead.
 */

import { DEFAULT_FETCH_LIMITS, type FetchLimits } from "./fetch-upstream";

export interface RefreshConfig extends FetchLimits {
  maxSources: number;
  subrequests: number;
  kvOps: number;
  wallMs: number;
  concurrency: number;
  allowPrivate: boolean;
  userAgent: string;
  /**
   * New or changed items one invocation maps and stores (a queued part; a cron tick, shared by its
   * sources; a manual refresh); the document continues after them in a stored part.
   */
  itemsPerPart: number;
  /** Seconds before a failed queued refresh's first retry (refresh/queue.ts); each next one waits twice as long. */
  retrySeconds: number;
}

export const USER_AGENT_PRODUCT = "tagfeed/0.1";

export function refreshConfig(env: Env): RefreshConfig {
  const origin = env.PUBLIC_ORIGIN?.trim();
  return {
    maxSources: int(env.REFRESH_MAX_SOURCES, 20, 1, 1000),
    subrequests: int(env.REFRESH_SUBREQUESTS, 40, 1, 1000),
    kvOps: int(env.REFRESH_KV_OPS, 800, 10, 1000),
    // At most 5 minutes: a tick must end well before the next one (every 10 minutes) starts, since
    // a source is marked refreshed only when its refresh ends and two ticks would both take it.
    wallMs: int(env.REFRESH_WALL_MS, 20_000, 0, 5 * 60_000),
    concurrency: int(env.REFRESH_CONCURRENCY, 4, 1, 6),
    timeoutMs: int(env.REFRESH_FETCH_TIMEOUT_MS, DEFAULT_FETCH_LIMITS.timeoutMs, 100, 120_000),
    maxBytes: int(env.REFRESH_MAX_BYTES, DEFAULT_FETCH_LIMITS.maxBytes, 1024, 50 * 1024 * 1024),
    maxRedirects: DEFAULT_FETCH_LIMITS.maxRedirects,
    allowPrivate: allowPrivateSources(env),
    // Up to 1000: a tick of many sources on the paid plan must not be held below its KV budget.
    itemsPerPart: int(env.REFRESH_ITEMS_PER_PART, 6, 1, 1000),
    retrySeconds: int(env.REFRESH_RETRY_SECONDS, 30, 0, 300),
    userAgent: origin ? `${USER_AGENT_PRODUCT} (feed aggregator; +${origin})` : `${USER_AGENT_PRODUCT} (feed aggregator)`,
  };
}

export const allowPrivateSources = (env: Env): boolean => env.ALLOW_PRIVATE_SOURCES?.trim().toLowerCase() === "true";

function int(raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  return Number.isInteger(value) ? Math.min(Math.max(value, min), max) : fallback;
}
