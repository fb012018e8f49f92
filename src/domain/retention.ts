import * as z from "zod";
import type { Article } from "./article";
import { parseIsoDate } from "./article";
import type { Tag } from "./tag";

/**
 * Retention rules (README, "Retention"): how long articles stay, by the published time they are
 * sorted by. Pure: the store gathers the rules (store/retention.ts) and the article writers apply
 * what `retentionVerdict` decides.
 *
 * Where they are set, and what they mean:
 * - the taxonomy's `retention.all` (the global feed `all`) and each type's `retention`
 *   (`types[].retention`): how long an article stays in that type's tag feeds. A type without a
 *   rule follows `all`; no rule at all keeps for ever; `max_age_days: null` keeps for ever.
 * - a source's `retention` (POST / PATCH `/api/sources`): articles from that source are removed
 *   entirely once older than its `max_age_days` or past its newest `max_count`, whatever the tag
 *   rules say (an article several sources carry goes with the most lenient of their rules; one a
 *   source without a rule also carries is not capped).
 * An article leaves the tag feeds of a type once older than that type's rule; it is removed
 * entirely (record and every index key) once no feed keeps it: older than the rule of `all` and
 * of every type it is tagged with (the global feed lists every stored article, so an article kept
 * by a tag stays in `all` too). A type's `max_count` works the same way by rank instead of age:
 * an article past a tag feed's newest `max_count` leaves that feed; a source's `max_count` lets
 * go of the articles past its newest `max_count` as its age would (store/retention.ts ranks both).
 */
export const RETENTION_MAX_DAYS = 36_500;

export const RetentionRuleSchema = z.strictObject({
  /** Days since `published`; null keeps for ever. */
  max_age_days: z
    .number()
    .int("must be a whole number of days")
    .min(1, "must be at least 1")
    .max(RETENTION_MAX_DAYS, `must be at most ${RETENTION_MAX_DAYS} (null keeps for ever)`)
    .nullable(),
});
export type RetentionRule = z.infer<typeof RetentionRuleSchema>;

export const RETENTION_MAX_COUNT = 100_000;

/** An age (absent: none of its own) and/or a count of newest articles kept, at most `maxCount`; at least one. */
const ageOrCount = (maxCount: number) =>
  z
    .strictObject({
      max_age_days: RetentionRuleSchema.shape.max_age_days.optional(),
      max_count: z.number().int("must be a whole number").min(1, "must be at least 1").max(maxCount, `must be at most ${maxCount}`).optional(),
    })
    .refine((rule) => rule.max_age_days !== undefined || rule.max_count !== undefined, { message: "needs max_age_days or max_count", path: ["max_age_days"] });

/**
 * A type's rule: an age (absent: as `all`), and/or `max_count`: each tag feed of the type lists at
 * most its this many newest articles; older ones leave it.
 */
export const TypeRetentionSchema = ageOrCount(RETENTION_MAX_COUNT);
export type TypeRetention = z.infer<typeof TypeRetentionSchema>;

/**
 * A source's count is ranked across the 8 article writers by merging their newest (or oldest)
 * articles of it, so it is bounded lower than a type's: a writer answers at most this many points.
 */
export const RETENTION_MAX_SOURCE_COUNT = 10_000;

/** A source's rule: an age and/or `max_count`: of the articles it carries, only its this many newest (by `published`) stay. */
export const SourceRetentionSchema = ageOrCount(RETENTION_MAX_SOURCE_COUNT);
export type SourceRetention = z.infer<typeof SourceRetentionSchema>;

/** The taxonomy document's top-level `retention`. */
export const TaxonomyRetentionSchema = z.strictObject({ all: RetentionRuleSchema.optional() });

/** Every rule in force, as days (null: for ever; absent: follows `all`). Plain JSON: passed to the writers. */
export interface RetentionRules {
  all: number | null;
  types: Record<string, number | null>;
  /** Source id → days; sources without an age rule are absent. */
  sources: Record<string, number>;
  /** Type → the most articles each of its tag feeds lists (types without a count are absent). */
  counts?: Record<string, number>;
  /** Source id → how many of its newest articles it keeps (sources without a count are absent). */
  sourceCounts?: Record<string, number>;
}

/** An article's place in feed order: published (unix ms), equal dates by id ascending. */
export interface FeedPoint {
  ms: number;
  id: string;
}

/** Whether `a` comes after `b` in feed order (is older). */
export const isOlder = (a: FeedPoint, b: FeedPoint): boolean => a.ms < b.ms || (a.ms === b.ms && a.id > b.id);

/** Feed order, newest first. */
export const newestFirst = (a: FeedPoint, b: FeedPoint): number => (isOlder(a, b) ? 1 : isOlder(b, a) ? -1 : 0);

/**
 * How to find a source count's cutoff — the oldest article it keeps — from `total`, the articles
 * it carries over every writer: nothing to find when it keeps them all; else each writer sends its
 * `k` newest (the cutoff is the n-th newest overall) or its `k` oldest (the cutoff is the
 * (excess + 1)-th oldest), whichever side is shorter.
 */
export function cutoffPlan(n: number, total: number): { side: "newest" | "oldest"; k: number } | null {
  if (total <= n) return null;
  const excess = total - n;
  return n <= excess + 1 ? { side: "newest", k: n } : { side: "oldest", k: excess + 1 };
}

/** The cutoff from the writers' answers to `plan` (each its own k points of that side, any order); null if they hold too few. */
export function cutoffOf(plan: { side: "newest" | "oldest"; k: number }, points: readonly FeedPoint[]): FeedPoint | null {
  const sorted = [...points].sort(newestFirst);
  if (sorted.length < plan.k) return null;
  return (plan.side === "newest" ? sorted[plan.k - 1] : sorted[sorted.length - plan.k]) ?? null;
}

export const NO_RETENTION: RetentionRules = { all: null, types: {}, sources: {} };

const DAY_MS = 86_400_000;

/** Whether any rule can ever remove anything (else the sweep has nothing to do). */
export const hasRetention = (rules: RetentionRules): boolean =>
  rules.all !== null ||
  Object.values(rules.types).some((d) => d !== null) ||
  Object.keys(rules.sources).length > 0 ||
  Object.keys(rules.counts ?? {}).length > 0 ||
  Object.keys(rules.sourceCounts ?? {}).length > 0;

/** The shortest age any rule removes at (ms), or null when none does: nothing younger is ever due. */
export function shortestRuleMs(rules: RetentionRules): number | null {
  const days = [rules.all, ...Object.values(rules.types), ...Object.values(rules.sources)].filter((d): d is number => d !== null);
  return days.length === 0 ? null : Math.min(...days) * DAY_MS;
}

/** A stable digest of the rules' content, so a writer notices when they changed. */
export function rulesSignature(rules: RetentionRules): string {
  const sorted = (record: Record<string, number | null>) => Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([rules.all, sorted(rules.types), sorted(rules.sources)]);
}

export type RetentionVerdict =
  /** Nothing expires now; look again at `nextMs` (null: never, under these rules). */
  | { action: "keep"; nextMs: number | null }
  /** The article leaves the feeds of these tags (and stays in the rest). */
  | { action: "trim"; drop: Tag[]; nextMs: number | null }
  /** Nothing keeps it: the record and every index key go. */
  | { action: "remove" };

/**
 * What the rules make of an article at `nowMs`. `sourceIds`: the ids of the configured sources
 * its `sources` came from (the caller derives them from the URLs: store/retention.ts).
 * `pastCount`: those of them whose newest `max_count` the article is not among (the caller knows
 * from the source's cutoff); a source's count lets the article go at once, its age at that age.
 */
export function retentionVerdict(
  article: Pick<Article, "published" | "tags">,
  sourceIds: readonly (string | undefined)[],
  rules: RetentionRules,
  nowMs: number,
  pastCount: ReadonlySet<string> = new Set(),
): RetentionVerdict {
  const publishedMs = parseIsoDate(article.published) ?? 0;
  const until = (days: number | null): number => (days === null ? Infinity : publishedMs + days * DAY_MS);
  // A source cap: the most lenient of the article's sources' rules; any source without one lifts it.
  const releases = sourceIds.map((id) => {
    if (id === undefined) return Infinity;
    if (pastCount.has(id) && rules.sourceCounts?.[id] !== undefined) return -Infinity;
    const days = rules.sources[id];
    return days === undefined ? Infinity : until(days);
  });
  const capUntil = releases.length === 0 ? Infinity : Math.max(...releases);
  const tagUntil = article.tags.map((tag) => until(tag.type in rules.types ? (rules.types[tag.type] ?? null) : rules.all));
  const lifeUntil = Math.min(capUntil, Math.max(until(rules.all), ...tagUntil));
  if (lifeUntil <= nowMs) return { action: "remove" };
  const drop = article.tags.filter((_, i) => (tagUntil[i] ?? Infinity) <= nowMs);
  const future = [lifeUntil, ...tagUntil].filter((t) => t > nowMs && Number.isFinite(t));
  const nextMs = future.length === 0 ? null : Math.min(...future);
  return drop.length > 0 ? { action: "trim", drop, nextMs } : { action: "keep", nextMs };
}
