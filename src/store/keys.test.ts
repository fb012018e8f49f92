import { describe, expect, it } from "vitest";
import { deletionKey, idFromDeletionKey, idFromIndexKey, indexKey, indexPrefix, parseIndexKey, publishedMsOfIndexKey } from "./keys";

describe("deletion keys among a feed's index keys", () => {
  const feed = "t/topic/metro";
  const deletion = deletionKey(feed, "u-0123abcd");
  const entry = indexKey(feed, Date.parse("2026-05-01T00:00:00Z"), "u-0123abcd");

  it("sort before every entry of the feed, whatever its date, and stay inside its prefix", () => {
    expect(deletion.startsWith(indexPrefix(feed))).toBe(true);
    expect(deletion < entry).toBe(true);
    expect(deletion < indexKey(feed, 9_999_999_999_999, "a")).toBe(true);
    expect(deletionKey("t/topic/metro-2", "x").startsWith(indexPrefix(feed))).toBe(false);
  });

  it("are never read as entries, and read back as deletions only", () => {
    expect(idFromIndexKey(feed, deletion)).toBeUndefined();
    expect(parseIndexKey(deletion)).toBeUndefined();
    expect(publishedMsOfIndexKey(feed, deletion)).toBeUndefined();
    expect(idFromDeletionKey(feed, deletion)).toBe("u-0123abcd");
    expect(idFromDeletionKey(feed, entry)).toBeUndefined();
    expect(idFromDeletionKey("all", deletion)).toBeUndefined();
  });
});
