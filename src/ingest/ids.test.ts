import { describe, expect, it } from "vitest";
import { canonicalUrl, contentRev, deriveArticleId, stableStringify } from "./ids";

describe("canonicalUrl", () => {
  it("drops fragments and tracking parameters, and folds scheme, host case and trailing slash", () => {
    expect(canonicalUrl("HTTP://News.Example.KZ:80/a/b/?utm_source=x&b=2&a=1&fbclid=z#c")).toBe("https://news.example.kz/a/b?a=1&b=2");
    expect(canonicalUrl("https://example.kz/")).toBe("https://example.kz/");
  });
});

describe("deriveArticleId", () => {
  it("gives one short, URL-safe id per canonical URL", async () => {
    const a = await deriveArticleId("https://example.kz/news/1?utm_medium=rss");
    expect(a).toMatch(/^u-[0-9a-f]{24}$/);
    expect(await deriveArticleId("http://EXAMPLE.kz/news/1/#comments")).toBe(a);
    expect(await deriveArticleId("https://example.kz/news/2")).not.toBe(a);
  });
});

describe("contentRev", () => {
  it("ignores key order and sees every value change", async () => {
    expect(await contentRev({ a: 1, b: { c: 2, d: 3 } })).toBe(await contentRev({ b: { d: 3, c: 2 }, a: 1 }));
    expect(await contentRev({ a: 1 })).not.toBe(await contentRev({ a: 2 }));
    expect(stableStringify({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
  });
});
