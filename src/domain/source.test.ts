import { describe, expect, it } from "vitest";
import { type Source, SourcePatchSchema, applySourcePatch, dailySeries, newSource, tallyDaily } from "./source";

const DAY = 86_400_000;
const T = 20_000 * DAY + 3_600_000;

describe("daily_created", () => {
  it("adds to today's count, starts a new day, keeps at most eight days", () => {
    let ring = tallyDaily(undefined, T, 3);
    ring = tallyDaily(ring, T + 60_000, 2);
    expect(ring).toEqual([[20_000, 5]]);
    ring = tallyDaily(ring, T + DAY, 0);
    expect(ring).toEqual([[20_000, 5], [20_001, 0]]);
    for (let d = 2; d < 12; d += 1) ring = tallyDaily(ring, T + d * DAY, d);
    expect(ring).toHaveLength(8);
    expect(ring[7]).toEqual([20_011, 11]);
  });
  it("reads as a series for the last days, zero where nothing ran", () => {
    expect(dailySeries([[20_000, 5], [20_002, 1]], T + 2 * DAY, 4)).toEqual([0, 5, 0, 1]);
  });
});

describe("applySourcePatch", () => {
  const base: Source = {
    ...newSource("s-0123456789abcdef", "https://example.kz/rss", {}, "2024-01-01T00:00:00.000Z"),
    etag: '"v1"',
    last_modified: "Mon, 01 Jan 2024 00:00:00 GMT",
    last_success: "2024-01-01T00:00:00.000Z",
    next_due: "2024-01-01T00:30:00.000Z",
    item_fingerprints: ["abc"],
    daily_created: [[19_723, 4]],
  };
  it("changes configuration only, keeping validators and history", () => {
    const patch = SourcePatchSchema.parse({ name: "Example", tags: ["Экономика"], interval_minutes: 60, autotag: false, autotag_types: ["city"] });
    const next = applySourcePatch(base, patch);
    expect(next).toMatchObject({ name: "Example", tags: ["Экономика"], interval_minutes: 60, autotag: false, autotag_types: ["city"] });
    expect(next).toMatchObject({ etag: '"v1"', last_modified: base.last_modified, item_fingerprints: ["abc"], daily_created: [[19_723, 4]] });
    expect(next.next_due).toBe("2024-01-01T01:00:00.000Z");
    expect(applySourcePatch(next, SourcePatchSchema.parse({ autotag_types: null })).autotag_types).toBeUndefined();
  });
  it("refuses the URL, state fields and bad values by name", () => {
    const parsed = SourcePatchSchema.safeParse({ url: "https://x", etag: "x", interval_minutes: 1 });
    expect(parsed.success).toBe(false);
    const paths = parsed.error?.issues.map((i) => (i.code === "unrecognized_keys" ? i.keys.join(",") : i.path.join(".")));
    expect(paths).toEqual(expect.arrayContaining(["url,etag", "interval_minutes"]));
  });
});
