import { describe, expect, it } from "vitest";
import { hasPendingPart } from "./resume";

const NOW = Date.UTC(2026, 0, 1, 12, 0);
const URL_AS_ADDED = "https://feeds.example/news.xml";
const part = (until: number, url = URL_AS_ADDED) => ({ token: "t", part: 2, url, until: new Date(until).toISOString() });

describe("hasPendingPart", () => {
  it("names a part only while it has not expired and the source is still fetched from where the document came", () => {
    expect(hasPendingPart({ url: URL_AS_ADDED, resume: part(NOW + 1) }, NOW)).toBe(true);
    expect(hasPendingPart({ url: URL_AS_ADDED }, NOW)).toBe(false);
    expect(hasPendingPart({ url: URL_AS_ADDED, resume: part(NOW) }, NOW)).toBe(false);
    // Fetched from elsewhere since (a permanent redirect recorded meanwhile): the part is void.
    expect(hasPendingPart({ url: URL_AS_ADDED, final_url: "https://moved.example/news.xml", resume: part(NOW + 1) }, NOW)).toBe(false);
    expect(hasPendingPart({ url: URL_AS_ADDED, final_url: "https://moved.example/news.xml", resume: part(NOW + 1, "https://moved.example/news.xml") }, NOW)).toBe(true);
    expect(hasPendingPart({ url: URL_AS_ADDED, resume: { ...part(NOW + 1), until: "not a date" } }, NOW)).toBe(false);
  });
});
