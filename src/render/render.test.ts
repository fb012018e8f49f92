import { afterEach, describe, expect, test, vi } from "vitest";
import { FEED_CONTENT_TYPES, renderFeed } from "./index";
import type { FeedFormat } from "./feed-document";
import { makeArticle, makeDocument, makeItem } from "./test-factories";

const FORMATS: readonly FeedFormat[] = ["rss", "atom", "json"];

function richDocument() {
  return makeDocument({
    items: [
      makeItem(makeArticle({ id: "b", updated: "2022-08-28T00:00:00Z", image: "https://x.kz/i.jpg" })),
      makeItem(makeArticle({ id: "a", url: undefined, enclosures: [{ url: "https://x.kz/a.mp3", type: "audio/mpeg" }] })),
    ],
  });
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("determinism", () => {
  test.each(FORMATS)("%s: equal documents give byte-identical output", (format) => {
    const once = renderFeed(format, richDocument()).body;
    expect(renderFeed(format, richDocument()).body).toBe(once);
    const doc = richDocument();
    expect(renderFeed(format, doc).body).toBe(renderFeed(format, doc).body);
  });

  test.each(FORMATS)("%s: output does not depend on the clock, and the clock is never read", (format) => {
    vi.useFakeTimers({ now: new Date("2001-01-01T00:00:00Z") });
    const now = vi.spyOn(Date, "now");
    const early = renderFeed(format, richDocument()).body;
    expect(now).not.toHaveBeenCalled();
    vi.setSystemTime(new Date("2099-12-31T23:59:59Z"));
    now.mockClear();
    const late = renderFeed(format, richDocument()).body;
    expect(now).not.toHaveBeenCalled();
    expect(late).toBe(early);
    for (const year of ["2001", "2099"]) expect(early).not.toContain(year);
  });

  test.each(FORMATS)("%s: items keep the order given", (format) => {
    const ids = ["m", "z", "a"];
    const body = renderFeed(format, makeDocument({ items: ids.map((id) => makeItem(makeArticle({ id }))) })).body;
    const positions = ids.map((id) => body.indexOf(`urn:tagfeed:article:${id}`));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((x, y) => x - y)).toEqual(positions);
  });
});

describe("renderFeed", () => {
  test("answers each format with its content type", () => {
    expect(FEED_CONTENT_TYPES).toEqual({
      rss: "application/rss+xml; charset=utf-8",
      atom: "application/atom+xml; charset=utf-8",
      json: "application/feed+json; charset=utf-8",
    });
    expect(renderFeed("rss", makeDocument()).body).toContain("<rss ");
    expect(renderFeed("atom", makeDocument()).body).toContain("<feed ");
    expect(renderFeed("json", makeDocument()).body).toMatch(/^\{"version":"https:\/\/jsonfeed\.org\/version\/1\.1"/);
  });

  test("does not mutate the document", () => {
    const doc = richDocument();
    const snapshot = JSON.stringify(doc);
    for (const format of FORMATS) renderFeed(format, doc);
    expect(JSON.stringify(doc)).toBe(snapshot);
  });
});
