/**
 * Upstream sources (docs/API.md, "Sources"): the shapes, defined once. No I/O.
 * - `SourceInputSchema`: what `POST /api/sources` (and each OPML outline) sends.
 * - `SourceSchema`: the stored record: configuration plus refresh state, one KV key per source
 *   (store/sources.ts). Written by the admin API (create, delete) and by the refresh job (state).
 * - `sourceIdFor(url)`: the id, derived from the canonical feed URL, so adding the same feed twice
 *   (another case, `http` vs `https`, tracking parameters, a fragment) names the same source.
 */
import * as z from "zod";
import { sha256Hex, canonicalUrl } from "../ingest/ids";
import { SourceRetentionSchema } from "./retention";
import { TagInputSchema, TagTypeSchema } from "./tag";

export const SOURCE_LIMITS = {
  urlLength: 2048,
  nameLength: 200,
  tags: 20,
  intervalDefault: 30,
  intervalMin: 5,
  intervalMax: 1440,
} as const;

/** `s-` + 64 bits of SHA-256 of the canonical URL (hex). */
export const SOURCE_ID_PATTERN = /^s-[0-9a-f]{16}$/;

export const SourceInputSchema = z.object({
  /** Checked for scheme, credentials and private addresses by refresh/url-safety.ts (not here: that check depends on configuration). */
  url: z.string().trim().min(1, "must not be empty").max(SOURCE_LIMITS.urlLength),
  /** Display name, recorded on every article as its source; defaults to the URL's host. */
  name: z.string().trim().min(1, "must not be empty").max(SOURCE_LIMITS.nameLength).optional(),
  /** Default tags added to every item (objects or bare strings, like an article's tags). */
  tags: z.array(TagInputSchema).max(SOURCE_LIMITS.tags).optional(),
  interval_minutes: z
    .number()
    .int("must be a whole number of minutes")
    .min(SOURCE_LIMITS.intervalMin, `must be at least ${SOURCE_LIMITS.intervalMin}`)
    .max(SOURCE_LIMITS.intervalMax, `must be at most ${SOURCE_LIMITS.intervalMax} (a day)`)
    .optional(),
  /** Auto-tag items from their title and text against the taxonomy (default on). */
  autotag: z.boolean().optional(),
  /** Only these tag types are auto-tagged (default: every type the taxonomy marks `autotag`). */
  autotag_types: z.array(TagTypeSchema).max(32).optional(),
  /** Articles from this source are removed entirely at this age and/or past its newest count (domain/retention.ts). */
  retention: SourceRetentionSchema.optional(),
});
export type SourceInput = z.infer<typeof SourceInputSchema>;

/**
 * `last_status` is the HTTP status when a response decided the outcome (200, 304, 404, 503...),
 * else the kind of failure that stopped the refresh before or instead of one.
 */
export const REFRESH_FAILURE_KINDS = [
  "blocked_url",
  "timeout",
  "too_large",
  "network",
  "redirect_loop",
  "too_many_redirects",
  "bad_redirect",
  "parse_error",
  "internal",
] as const;
export type RefreshFailureKind = (typeof REFRESH_FAILURE_KINDS)[number];

/** What the last refresh did with the items it saw. */
export const RefreshCountsSchema = z.object({
  created: z.number().int().nonnegative(),
  updated: z.number().int().nonnegative(),
  unchanged: z.number().int().nonnegative(),
  /** Items that failed validation or normalization (no title and no text, bad date...). */
  invalid: z.number().int().nonnegative(),
  /** Changed items left for the next refresh because the tick's KV budget ran out. */
  deferred: z.number().int().nonnegative(),
  /** Items skipped because an admin blocked them (domain/block.ts). */
  blocked: z.number().int().nonnegative().optional(),
  /** New items not written because retention would remove them at once (domain/retention.ts). */
  expired: z.number().int().nonnegative().optional(),
});
export type RefreshCounts = z.infer<typeof RefreshCountsSchema>;

export const SourceSchema = z.object({
  id: z.string().regex(SOURCE_ID_PATTERN),
  /** The URL as added (normalized by URL parsing). */
  url: z.string(),
  name: z.string(),
  tags: z.array(TagInputSchema),
  interval_minutes: z.number().int(),
  autotag: z.boolean(),
  autotag_types: z.array(TagTypeSchema).optional(),
  retention: SourceRetentionSchema.optional(),
  /** ISO 8601 UTC. */
  created: z.string(),

  // Refresh state, written by the refresh job only.
  /** Validators of the last 200 response, sent back as If-None-Match / If-Modified-Since. */
  etag: z.string().optional(),
  last_modified: z.string().optional(),
  /** When the last refresh ran (ISO 8601 UTC). */
  last_fetch: z.string().optional(),
  /** HTTP status, or a RefreshFailureKind. */
  last_status: z.union([z.number().int(), z.string()]).optional(),
  /** Why the last refresh failed; absent after a success. */
  last_error: z.string().optional(),
  /** When the last refresh succeeded (200 or 304). */
  last_success: z.string().optional(),
  consecutive_failures: z.number().int().nonnegative(),
  /** When the source is next due (ISO 8601 UTC): interval after a success, backed off after failures. */
  next_due: z.string(),
  /** Items in the last document parsed. */
  items_seen: z.number().int().nonnegative(),
  last_counts: RefreshCountsSchema.optional(),
  /** Where a permanent redirect (301/308) moved the feed: fetched from here on. */
  final_url: z.string().optional(),
  /**
   * Digests of the items of the last fully processed document (with the taxonomy version and this
   * source's tag settings): an item seen unchanged is not mapped, sanitized and normalized again.
   */
  item_fingerprints: z.array(z.string().max(32)).max(1000).optional(),
  /**
   * Articles each recent UTC day's refreshes created: `[day since 1970, count]`, oldest first, at
   * most DAILY_DAYS days. Kept in the record the refresh writes anyway: no extra KV operation.
   */
  daily_created: z.array(z.tuple([z.number().int(), z.number().int().nonnegative()])).max(8).optional(),
  /**
   * Taken by whoever is about to refresh the source (the cron's queue producer, a manual refresh)
   * and cleared when its state is saved: while `until` (ISO 8601 UTC) has not passed, nobody else
   * enqueues or refreshes it. `token` names the refresh holding it.
   */
  claim: z.object({ token: z.string().max(64), until: z.string() }).optional(),
  /**
   * A document this source's last refresh could not finish (the invocation's KV budget ran out):
   * its remaining items wait in `resume:{id}:{token}:{part}` (refresh/resume.ts), and the next
   * refresh takes them up instead of fetching, until `until` (ISO 8601 UTC). `url` is the address
   * the document came from: a source fetched from elsewhere since ignores the part.
   */
  resume: z.object({ token: z.string().max(64), part: z.number().int().positive(), url: z.string(), until: z.string() }).optional(),
  /** Why the last queued refresh was given up (its message dead-lettered), and when. */
  dead_letter: z.object({ at: z.string(), reason: z.string() }).optional(),
});
export type Source = z.infer<typeof SourceSchema>;

/** Days `daily_created` keeps: a week, plus today's partial day. */
export const DAILY_DAYS = 8;
const DAY_MS = 86_400_000;

/** `daily_created` after a refresh that created `created` articles at `nowMs` (pure). */
export function tallyDaily(ring: Source["daily_created"], nowMs: number, created: number): NonNullable<Source["daily_created"]> {
  const today = Math.floor(nowMs / DAY_MS);
  const kept = (ring ?? []).filter(([day]) => day > today - DAILY_DAYS && day <= today);
  const last = kept[kept.length - 1];
  if (last && last[0] === today) return [...kept.slice(0, -1), [today, last[1] + created]];
  return [...kept, [today, created]].slice(-DAILY_DAYS) as NonNullable<Source["daily_created"]>;
}

/** Per-day counts for the last `days` days up to `nowMs`'s, oldest first (0 where nothing was recorded). */
export function dailySeries(ring: Source["daily_created"], nowMs: number, days: number): number[] {
  const today = Math.floor(nowMs / DAY_MS);
  const byDay = new Map((ring ?? []).map(([day, n]) => [day, n]));
  return Array.from({ length: days }, (_, i) => byDay.get(today - days + 1 + i) ?? 0);
}

/**
 * `PATCH /api/sources/{id}`: the configuration an operator may change. The URL (the id is derived
 * from it) and the refresh state are not editable; unknown fields are refused by name.
 */
export const SourcePatchSchema = z.strictObject({
  name: SourceInputSchema.shape.name,
  tags: SourceInputSchema.shape.tags,
  interval_minutes: SourceInputSchema.shape.interval_minutes,
  autotag: SourceInputSchema.shape.autotag,
  /** null goes back to every type the taxonomy marks `autotag`. */
  autotag_types: SourceInputSchema.shape.autotag_types.unwrap().nullable().optional(),
  /** null removes the source's rule. */
  retention: SourceRetentionSchema.nullable().optional(),
});
export type SourcePatch = z.infer<typeof SourcePatchSchema>;

/**
 * The source with the patch applied; validators, fingerprints, history and failures stay (the
 * fingerprints are salted with these settings, so items are re-tagged when they change). A new
 * interval moves the next fetch of a healthy source to its last success plus the new interval.
 */
export function applySourcePatch(source: Source, patch: SourcePatch): Source {
  const { autotag_types: types, retention, ...rest } = patch;
  const next: Source = { ...source };
  if (retention === null) delete next.retention;
  else if (retention !== undefined) next.retention = retention;
  if (rest.name !== undefined) next.name = rest.name;
  if (rest.tags !== undefined) next.tags = rest.tags;
  if (rest.autotag !== undefined) next.autotag = rest.autotag;
  if (types === null) delete next.autotag_types;
  else if (types !== undefined) next.autotag_types = types;
  if (rest.interval_minutes !== undefined && rest.interval_minutes !== source.interval_minutes) {
    next.interval_minutes = rest.interval_minutes;
    const success = source.last_success === undefined ? undefined : Date.parse(source.last_success);
    if (source.consecutive_failures === 0 && success !== undefined && Number.isFinite(success)) {
      next.next_due = new Date(success + rest.interval_minutes * 60_000).toISOString();
    }
  }
  return next;
}

/** The source id for a feed URL (already checked to be an absolute http(s) URL). */
export async function sourceIdFor(url: string): Promise<string> {
  return `s-${(await sha256Hex(canonicalUrl(url))).slice(0, 16)}`;
}

/** A new source: due at once, no refresh state yet. */
export function newSource(id: string, url: string, input: Omit<SourceInput, "url">, nowIso: string): Source {
  return {
    id,
    url,
    name: input.name ?? new URL(url).hostname,
    tags: input.tags ?? [],
    interval_minutes: input.interval_minutes ?? SOURCE_LIMITS.intervalDefault,
    autotag: input.autotag ?? true,
    ...(input.autotag_types !== undefined && { autotag_types: input.autotag_types }),
    ...(input.retention !== undefined && { retention: input.retention }),
    created: nowIso,
    consecutive_failures: 0,
    next_due: nowIso,
    items_seen: 0,
  };
}

/** The URL a refresh fetches: where a permanent redirect moved the feed, else the URL as added. */
export const fetchUrlOf = (source: Pick<Source, "url" | "final_url">): string => source.final_url ?? source.url;
