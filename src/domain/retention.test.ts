import { describe, expect, it } from "vitest";
import { NO_RETENTION, type RetentionRules, RetentionRuleSchema, TypeRetentionSchema, hasRetention, retentionVerdict, rulesSignature, shortestRuleMs } from "./retention";

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
