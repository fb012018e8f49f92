import { describe, expect, test } from "vitest";
import { type FeedFormat, type ItemFragmentCache, renderFeed } from "./index";
import { makeArticle, makeDocument, makeItem } from "./test-factories";

const FORMATS: FeedFormat[] = ["rss", "atom", "json"];

function mapCache(): ItemFragmentCache & { size: () => number } {
  const map = new Map<string, string>();
  return { get: (k) => map.get(k), set: (k, v) => void map.set(k, v), size: () => map.size };
}

const hostile = makeArticle({
  id: "h",
  title: "<b>]]> & \u0000 \uD800 😀 Алматы \u202Eעברית",
  content_html: "<p>x]]>y\r\nz</p>",
  language: "kk",
});

describe("the item fragment cache", () => {
  test("changes no byte: a render through an empty or a filled cache equals one without", () => {
    const doc = makeDocument({ items: [makeItem(makeArticle({ id: "a" })), makeItem(hostile), makeItem(makeArticle({ id: "b", language: "ru" }))] });
    for (const format of FORMATS) {
      const plain = renderFeed(format, doc).body;
      const cache = mapCache();
      expect(renderFeed(format, doc, cache).body, format).toBe(plain);
      expect(cache.size()).toBe(3);
      expect(renderFeed(format, doc, cache).body, `${format} warm`).toBe(plain);
    }
  });

  test("renders an item again when its content, its URLs or the feed's language change", () => {
    const cache = mapCache();
    const base = makeArticle({ id: "a" });
    const render = (article = base, pageUrl?: string, language?: string) =>
      renderFeed("rss", makeDocument({ ...(language !== undefined && { language }), items: [makeItem(article, pageUrl === undefined ? {} : { pageUrl })] }), cache).body;
    render();
    const changed = { ...base, title: "Новый заголовок", rev: "changed-rev" };
    expect(render(changed)).toContain("Новый заголовок");
    expect(render(base, "https://other.example/articles/a")).toBe(renderFeed("rss", makeDocument({ items: [makeItem(base, { pageUrl: "https://other.example/articles/a" })] })).body);
    expect(render(base, undefined, "kk")).toBe(renderFeed("rss", makeDocument({ language: "kk", items: [makeItem(base)] })).body);
    expect(cache.size()).toBe(4);
  });
});
