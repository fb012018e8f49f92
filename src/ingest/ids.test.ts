import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalUrl, cleanArticleUrl, publishedUrl, contentRev, deriveArticleId, stableStringify } from "./ids";
import { DEFAULT_TAXONOMY } from "../tags/default-taxonomy";
import { compileTaxonomy } from "../tags/resolve";
import { normalizeArticle } from "./normalize";

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

describe("publishedUrl", () => {
  it("escapes what RFC 3986 forbids and the URL parser leaves, keeping query and fragment as written", () => {
    expect(publishedUrl("https://example.kz/wiki/A_[b]|c^d?x[]=1&utm_source=y#sec[2]#x")).toBe("https://example.kz/wiki/A_%5Bb%5D%7Cc%5Ed?x%5B%5D=1&utm_source=y#sec%5B2%5D%23x");
    expect(publishedUrl("https://example.kz/100%/a%20b")).toBe("https://example.kz/100%25/a%20b");
    expect(publishedUrl("HTTPS://Пример.kz/путь")).toBe("https://xn--e1afmkfd.kz/%D0%BF%D1%83%D1%82%D1%8C");
    expect(publishedUrl("https://example.kz")).toBe("https://example.kz/");
    expect(publishedUrl("https://example.kz/a?")).toBe("https://example.kz/a?");
  });

  it("applies to every link an article publishes: enclosures and images too", async () => {
    const result = await normalizeArticle(
      { id: "a1", url: "https://x.kz/a[1]", title: "t", published: "2024-01-01T00:00:00Z", image: "https://x.kz/i[1].jpg", enclosures: [{ url: "https://x.kz/e|1.mp3", type: "audio/mpeg" }] },
      { taxonomy: compileTaxonomy(DEFAULT_TAXONOMY), nowMs: Date.parse("2024-01-02T00:00:00Z") },
    );
    expect(result.ok && [result.value.url, result.value.image, result.value.enclosures[0]?.url]).toEqual(["https://x.kz/a%5B1%5D", "https://x.kz/i%5B1%5D.jpg", "https://x.kz/e%7C1.mp3"]);
  });

  it("does not change an article id: ids derive from the canonical form of the URL as given", async () => {
    const raw = "https://example.kz/a[1]";
    expect(await deriveArticleId(raw)).toBe(await deriveArticleId(cleanArticleUrl(raw)));
  });
});

describe("stableStringify", () => {
  /** The first implementation, whose output every stored rev was computed from. */
  const original = (value: unknown): string =>
    JSON.stringify(value, (_key, v: unknown) => {
      if (v && typeof v === "object" && !Array.isArray(v)) {
        return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      }
      return v;
    });

  it("writes what the first implementation wrote, for any JSON value and the odd JavaScript one", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(stableStringify(value)).toBe(original(value));
      }),
      { numRuns: 500 },
    );
    const odd = { ["__proto__"]: { y: 1, x: 2 }, b: undefined, a: [undefined, () => 1, Symbol("s"), new Date(0), -0, Number.NaN], c: { toJSON: (key: string) => `key ${key}` }, d: new Number(1), "10": 1, "9": 2, "é": 3, Z: 4 };
    expect(stableStringify(odd)).toBe(original(odd));
    expect(stableStringify([{ z: 1, a: { y: [1, { b: 2, a: 1 }] } }])).toBe(original([{ z: 1, a: { y: [1, { b: 2, a: 1 }] } }]));
  });
});
