import { describe, expect, it } from "vitest";
import {
  type FeedPoint,
  NO_RETENTION,
  type RetentionRules,
  RetentionRuleSchema,
  SourceRetentionSchema,
  TypeRetentionSchema,
  cutoffOf,
  cutoffPlan,
  hasRetention,
  isOlder,
  retentionVerdict,
  rulesSignature,
  shortestRuleMs,
} from "./retention";

const DAY = 86_400_000;
const NOW = Date.parse("2026-06-01T00:00:00Z");
const ago = (days: number) => new Date(NOW - days * DAY).toISOString();
const topic = { type: "topic", name: "Метро", slug: "metro" };
const party = { type: "party", name: "AMANAT", slug: "amanat" };
const rules: RetentionRules = { all: 365, types: { topic: 90, party: null }, sources: { "s-0000000000000001": 30 } };

describe("retentionVerdict", () => {
  it("keeps what no rule reaches, and says when to look again", () => {
    expect(retentionVerdict({ published: ago(10), tags: [topic] }, [], rules, NOW)).toEqual({ action: "keep", nextMs: NOW + 80 * DAY });
    expect(retentionVerdict({ published: ago(10), tags: [topic] }, [], NO_RETENTION, NOW)).toEqual({ action: "keep", nextMs: null });
  });

  it("drops a type's tags past its rule while `all` still keeps the article", () => {
    expect(retentionVerdict({ published: ago(100), tags: [topic] }, [], rules, NOW)).toEqual({ action: "trim", drop: [topic], nextMs: NOW + 265 * DAY });
  });

  it("removes an article no feed keeps, and keeps for ever one a for-ever type keeps", () => {
    expect(retentionVerdict({ published: ago(400), tags: [topic] }, [], rules, NOW)).toEqual({ action: "remove" });
    expect(retentionVerdict({ published: ago(400), tags: [] }, [], rules, NOW)).toEqual({ action: "remove" });
    expect(retentionVerdict({ published: ago(400), tags: [topic, party] }, [], rules, NOW)).toEqual({ action: "trim", drop: [topic], nextMs: null });
    expect(retentionVerdict({ published: ago(4000), tags: [party] }, [], rules, NOW)).toEqual({ action: "keep", nextMs: null });
  });

  it("a type without a rule follows `all`", () => {
    const city = { type: "city", name: "Алматы", slug: "almaty" };
    expect(retentionVerdict({ published: ago(100), tags: [city] }, [], rules, NOW)).toEqual({ action: "keep", nextMs: NOW + 265 * DAY });
    expect(retentionVerdict({ published: ago(366), tags: [city] }, [], rules, NOW)).toEqual({ action: "remove" });
  });

  it("a source's rule removes its articles whatever the tags, unless another source without one carries them", () => {
    expect(retentionVerdict({ published: ago(31), tags: [party] }, ["s-0000000000000001"], rules, NOW)).toEqual({ action: "remove" });
    expect(retentionVerdict({ published: ago(29), tags: [party] }, ["s-0000000000000001"], rules, NOW)).toEqual({ action: "keep", nextMs: NOW + DAY });
    expect(retentionVerdict({ published: ago(31), tags: [party] }, ["s-0000000000000001", "s-0000000000000002"], rules, NOW)).toEqual({ action: "keep", nextMs: null });
    expect(retentionVerdict({ published: ago(31), tags: [party] }, ["s-0000000000000001", undefined], rules, NOW)).toEqual({ action: "keep", nextMs: null });
  });

  it("a source's count lets an article go at once, alone or with the most lenient of its sources' rules", () => {
    const counted: RetentionRules = { all: null, types: {}, sources: { "s-a": 30 }, sourceCounts: { "s-a": 10, "s-b": 5 } };
    const old = { published: ago(3), tags: [party] };
    // Past its only source's count: removed, however young.
    expect(retentionVerdict(old, ["s-b"], counted, NOW, new Set(["s-b"]))).toEqual({ action: "remove" });
    expect(retentionVerdict(old, ["s-b"], counted, NOW)).toEqual({ action: "keep", nextMs: null });
    // A source with an age and a count lets it go by either.
    expect(retentionVerdict(old, ["s-a"], counted, NOW, new Set(["s-a"]))).toEqual({ action: "remove" });
    expect(retentionVerdict(old, ["s-a"], counted, NOW)).toEqual({ action: "keep", nextMs: NOW + 27 * DAY });
    // Shared: every source must let it go; one without a rule (or a publisher) keeps it.
    expect(retentionVerdict(old, ["s-a", "s-b"], counted, NOW, new Set(["s-b"]))).toEqual({ action: "keep", nextMs: NOW + 27 * DAY });
    expect(retentionVerdict(old, ["s-a", "s-b"], counted, NOW, new Set(["s-a", "s-b"]))).toEqual({ action: "remove" });
    expect(retentionVerdict(old, ["s-b", "s-c"], counted, NOW, new Set(["s-b"]))).toEqual({ action: "keep", nextMs: null });
    expect(retentionVerdict(old, ["s-b", undefined], counted, NOW, new Set(["s-b"]))).toEqual({ action: "keep", nextMs: null });
    // A past-count mark for a source without a count changes nothing.
    expect(retentionVerdict(old, ["s-c"], counted, NOW, new Set(["s-c"]))).toEqual({ action: "keep", nextMs: null });
  });

  it("is exact at the boundary: removed at the rule's age, not a millisecond before", () => {
    const at = { published: ago(365), tags: [] };
    expect(retentionVerdict(at, [], rules, NOW)).toEqual({ action: "remove" });
    expect(retentionVerdict(at, [], rules, NOW - 1)).toEqual({ action: "keep", nextMs: NOW });
  });
});

describe("rule summaries", () => {
  it("know when nothing can expire, the shortest rule, and a signature independent of key order", () => {
    expect(hasRetention(NO_RETENTION)).toBe(false);
    expect(hasRetention({ all: null, types: { party: null }, sources: {} })).toBe(false);
    expect(hasRetention(rules)).toBe(true);
    expect(shortestRuleMs(rules)).toBe(30 * DAY);
    expect(shortestRuleMs(NO_RETENTION)).toBeNull();
    expect(rulesSignature({ all: 1, types: { a: 1, b: 2 }, sources: {} })).toBe(rulesSignature({ all: 1, types: { b: 2, a: 1 }, sources: {} }));
    expect(rulesSignature({ all: 1, types: { a: 1 }, sources: {} })).not.toBe(rulesSignature({ all: 1, types: { a: 2 }, sources: {} }));
  });
});

describe("rule shapes", () => {
  it("take whole days or null, and a type's count; refuse the rest by field", () => {
    expect(RetentionRuleSchema.safeParse({ max_age_days: 90 }).success).toBe(true);
    expect(RetentionRuleSchema.safeParse({ max_age_days: null }).success).toBe(true);
    expect(RetentionRuleSchema.safeParse({}).success).toBe(false);
    expect(RetentionRuleSchema.safeParse({ max_age_days: 1.5 }).error?.issues[0]?.path).toEqual(["max_age_days"]);
    expect(RetentionRuleSchema.safeParse({ max_age_days: 90, max_count: 5 }).success).toBe(false);
    expect(TypeRetentionSchema.safeParse({ max_count: 500 }).success).toBe(true);
    expect(TypeRetentionSchema.safeParse({ max_age_days: null, max_count: 500 }).success).toBe(true);
    expect(TypeRetentionSchema.safeParse({}).error?.issues[0]?.message).toBe("needs max_age_days or max_count");
    expect(TypeRetentionSchema.safeParse({ max_count: 0 }).error?.issues[0]?.path).toEqual(["max_count"]);
  });
});

describe("source count cutoffs", () => {
  const point = (ms: number, id = "a"): FeedPoint => ({ ms, id });

  it("orders like the feeds: newer first, equal dates by id ascending", () => {
    expect(isOlder(point(1), point(2))).toBe(true);
    expect(isOlder(point(2, "b"), point(2, "a"))).toBe(true);
    expect(isOlder(point(2, "a"), point(2, "a"))).toBe(false);
  });

  it("asks the shorter side, nothing when the source keeps all it has", () => {
    expect(cutoffPlan(10, 10)).toBeNull();
    expect(cutoffPlan(10, 3)).toBeNull();
    expect(cutoffPlan(10, 12)).toEqual({ side: "oldest", k: 3 });
    expect(cutoffPlan(3, 100)).toEqual({ side: "newest", k: 3 });
    expect(cutoffPlan(4, 7)).toEqual({ side: "newest", k: 4 });
  });

  it("finds the oldest article kept from either side, across writers, ties by id", () => {
    // Seven articles over three writers; keep 4: the 4th newest is ms 4 (id "b" before "c").
    const writers = [[point(7), point(4, "c"), point(1)], [point(6), point(4, "b")], [point(5), point(2)]];
    const all = writers.flat();
    const newest = cutoffPlan(4, all.length);
    const oldest = cutoffPlan(5, all.length);
    if (!newest || !oldest) throw new Error("no plan");
    const take = (side: "newest" | "oldest", k: number) =>
      writers.flatMap((w) => [...w].sort((a, b) => (side === "newest" ? b.ms - a.ms || (a.id < b.id ? -1 : 1) : a.ms - b.ms || (a.id < b.id ? 1 : -1))).slice(0, k));
    expect(cutoffOf(newest, take(newest.side, newest.k))).toEqual(point(4, "b"));
    // Keep 5: the cutoff is the 3rd oldest, from the oldest side.
    expect(oldest).toEqual({ side: "oldest", k: 3 });
    expect(cutoffOf(oldest, take(oldest.side, oldest.k))).toEqual(point(4, "c"));
    // Everything older than the cutoff goes: exactly total - n of them.
    expect(all.filter((p) => isOlder(p, point(4, "b")))).toHaveLength(3);
    // Writers that hold too few (the source shrank meanwhile): no cutoff.
    expect(cutoffOf(newest, [point(7)])).toBeNull();
  });

  it("a source's rule takes an age and/or a count, refused by field", () => {
    expect(SourceRetentionSchema.safeParse({ max_count: 200 }).success).toBe(true);
    expect(SourceRetentionSchema.safeParse({ max_age_days: 30, max_count: 200 }).success).toBe(true);
    expect(SourceRetentionSchema.safeParse({}).error?.issues[0]?.message).toBe("needs max_age_days or max_count");
    expect(SourceRetentionSchema.safeParse({ max_count: 10_001 }).error?.issues[0]?.path).toEqual(["max_count"]);
    expect(SourceRetentionSchema.safeParse({ max_count: 2.5 }).error?.issues[0]?.message).toBe("must be a whole number");
    expect(SourceRetentionSchema.safeParse({ max_count: 5, other: 1 }).success).toBe(false);
  });
});
