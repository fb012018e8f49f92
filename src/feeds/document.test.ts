import { describe, expect, it } from "vitest";
import { makeArticle } from "../render/test-factories";
import { buildFeedDocument } from "./document";
import { siteUrls } from "./urls";

const urls = siteUrls("https://feeds.example.kz");
const page = (languages: (string | undefined)[]) =>
  buildFeedDocument(
    {
      tag: undefined,
      articles: languages.map((language, i) => makeArticle({ id: `a${i}`, language })),
      limit: 50,
      after: undefined,
      next: undefined,
      changedMs: Date.UTC(2024, 0, 1),
    },
    urls,
  );

describe("buildFeedDocument: the feed's language", () => {
  it("is stated only when every article states the same one", () => {
    expect(page(["ru", "ru-RU", "RU"]).language).toBe("ru");
    expect(page(["kk", undefined, undefined]).language).toBeUndefined();
    expect(page(["kk", "ru"]).language).toBeUndefined();
    expect(page([]).language).toBeUndefined();
  });
});

describe("buildFeedDocument: RFC 5005 §4 archive links", () => {
  const tag = { type: "city", slug: "almaty", name: "Алматы" };
  const base = { tag, articles: [makeArticle({ id: "a1" })], limit: 50, after: undefined, next: undefined, changedMs: Date.UTC(2024, 0, 1) };
  const archive = (n: number) => ({
    rss: `https://feeds.example.kz/feeds/city/almaty/archive/${n}.rss`,
    atom: `https://feeds.example.kz/feeds/city/almaty/archive/${n}.atom`,
    json: `https://feeds.example.kz/feeds/city/almaty/archive/${n}.json`,
  });

  it("the feed's first page links its newest archive; later pages and a feed without archives do not", () => {
    expect(buildFeedDocument({ ...base, archives: 3 }, urls).links.prevArchive).toEqual(archive(3));
    expect(buildFeedDocument({ ...base, archives: 3, after: "1.a" }, urls).links.prevArchive).toBeUndefined();
    expect(buildFeedDocument(base, urls).links.prevArchive).toBeUndefined();
    expect(buildFeedDocument(base, urls).links.archive).toBeUndefined();
  });

  it("an archive names itself, the current feed, its neighbours (none past either end) and no paging", () => {
    const middle = buildFeedDocument({ ...base, next: "1.a", archive: { n: 2, count: 3 } }, urls).links;
    expect(middle.self).toEqual(archive(2));
    expect(middle.current?.atom).toBe("https://feeds.example.kz/feeds/city/almaty.atom");
    expect(middle.prevArchive).toEqual(archive(1));
    expect(middle.nextArchive).toEqual(archive(3));
    expect(middle.archive).toBe(true);
    expect(middle.next).toBeUndefined();
    const oldest = buildFeedDocument({ ...base, archive: { n: 1, count: 1 } }, urls).links;
    expect([oldest.prevArchive, oldest.nextArchive]).toEqual([undefined, undefined]);
    const all = buildFeedDocument({ ...base, tag: undefined, archive: { n: 1, count: 2 } }, urls).links;
    expect(all.nextArchive?.rss).toBe("https://feeds.example.kz/feeds/all/archive/2.rss");
  });
});
