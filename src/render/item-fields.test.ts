import { describe, expect, test } from "vitest";
import { articleUrn, compareNewestFirst, feedUrn } from "./feed-document";
import { excerpt, feedUpdatedMs, htmlToText, itemFields, safeUrl, textToHtml } from "./item-fields";
import { makeArticle, makeDocument, makeItem } from "./test-factories";

describe("ids", () => {
  test("article URNs depend on the id only, and match RFC 2141's NSS grammar", () => {
    expect(articleUrn("seed-amanat-platform-2022-08-27")).toBe("urn:tagfeed:article:seed-amanat-platform-2022-08-27");
    expect(articleUrn("a.b_c~d")).toBe("urn:tagfeed:article:a.b_c%7Ed");
    expect(articleUrn("кир/ил ица")).toBe("urn:tagfeed:article:%D0%BA%D0%B8%D1%80%2F%D0%B8%D0%BB%20%D0%B8%D1%86%D0%B0");
    expect(articleUrn("x\uD800")).toBe("urn:tagfeed:article:x");
    const nss = /^urn:[a-zA-Z0-9][a-zA-Z0-9-]{1,31}:([a-zA-Z0-9()+,.:=@;$_!*'-]|%[0-9A-Fa-f]{2})+$/;
    for (const id of ["a-1", "A~B", "x y", "ä", "😀"]) expect(articleUrn(id)).toMatch(nss);
    expect(articleUrn("😀\uDC00")).toBe("urn:tagfeed:article:%F0%9F%98%80");
  });

  test("feed URNs", () => {
    expect(feedUrn()).toBe("urn:tagfeed:feed:all");
    expect(feedUrn({ type: "city", slug: "almaty" })).toBe("urn:tagfeed:feed:city:almaty");
  });
});

describe("compareNewestFirst", () => {
  test("newest published first, then id ascending as the index keys sort; unparseable dates last", () => {
    const articles = [
      makeArticle({ id: "a", published: "2022-08-26T21:00:00.000Z" }),
      makeArticle({ id: "bad", published: "not a date" }),
      makeArticle({ id: "c", published: "2022-08-27T00:00:00.000Z" }),
      makeArticle({ id: "b", published: "2022-08-26T21:00:00.000Z" }),
      makeArticle({ id: "d", published: "2022-08-27T03:00:00+03:00" }),
    ];
    expect(articles.sort(compareNewestFirst).map((a) => a.id)).toEqual(["c", "d", "a", "b", "bad"]);
  });
});

describe("itemFields", () => {
  const fallback = Date.UTC(2022, 7, 27);

  test("link is the article URL, else the service page", () => {
    expect(itemFields(makeItem(), fallback).link).toBe("https://news.example.kz/2022/08/27/amanat-platform");
    const noUrl = makeItem(makeArticle({ url: undefined }));
    expect(itemFields(noUrl, fallback).link).toBe(noUrl.pageUrl);
    const badUrl = makeItem(makeArticle({ url: "javascript:alert(1)" }));
    expect(itemFields(badUrl, fallback).link).toBe(badUrl.pageUrl);
  });

  test("updated is never before published; modified only when stated", () => {
    const plain = itemFields(makeItem(makeArticle({ published: "2022-08-26T21:00:00Z" })), fallback);
    expect(plain.updatedMs).toBe(plain.publishedMs);
    expect(plain.modifiedMs).toBeUndefined();
    const updated = itemFields(
      makeItem(makeArticle({ published: "2022-08-26T21:00:00Z", updated: "2022-08-28T10:00:00Z" })),
      fallback,
    );
    expect(updated.updatedMs).toBe(Date.UTC(2022, 7, 28, 10));
    const backwards = itemFields(
      makeItem(makeArticle({ published: "2022-08-26T21:00:00Z", updated: "2020-01-01T00:00:00Z" })),
      fallback,
    );
    expect(backwards.updatedMs).toBe(backwards.publishedMs);
  });

  test("an unusable published date falls back to the stated update, then the feed date", () => {
    expect(itemFields(makeItem(makeArticle({ published: "garbage", updated: "2022-01-02T00:00:00Z" })), fallback).publishedMs).toBe(
      Date.UTC(2022, 0, 2),
    );
    expect(itemFields(makeItem(makeArticle({ published: "garbage" })), fallback).publishedMs).toBe(fallback);
  });

  test("summary is the article's, else an excerpt of the text, else of the HTML", () => {
    expect(itemFields(makeItem(makeArticle({ summary: "S" })), fallback).summary).toBe("S");
    expect(
      itemFields(makeItem(makeArticle({ summary: " ", content_text: "Text  body\n\nmore" })), fallback).summary,
    ).toBe("Text body more");
    expect(
      itemFields(makeItem(makeArticle({ summary: undefined, content_html: "<p>Hello&nbsp;<b>wor</b>ld</p><p>next &amp; last</p>" })), fallback)
        .summary,
    ).toBe("Hello world next & last");
    expect(
      itemFields(makeItem(makeArticle({ summary: undefined, content_html: undefined, content_text: undefined })), fallback).summary,
    ).toBeUndefined();
  });

  test("excerpts of long bodies end with an ellipsis, however much whitespace or markup comes first", () => {
    const spaced = ("a" + " ".repeat(50)).repeat(400);
    const tagged = '<span class="x"></span>'.repeat(200) + "word ".repeat(200);
    for (const article of [
      makeArticle({ summary: undefined, content_html: undefined, content_text: spaced }),
      makeArticle({ summary: undefined, content_html: tagged }),
      makeArticle({ summary: undefined, content_html: undefined, content_text: "слово ".repeat(1000) }),
    ]) {
      const summary = itemFields(makeItem(article), fallback).summary ?? "";
      expect(summary.endsWith("\u2026")).toBe(true);
      expect(summary.length).toBeGreaterThan(200);
      expect(summary.length).toBeLessThanOrEqual(301);
    }
  });

  test("drops unusable URLs, names and MIME types; normalizes non-ASCII URLs", () => {
    const f = itemFields(
      makeItem(
        makeArticle({
          image: "https://кабар.kz/фото 1.jpg",
          authors: [{ name: "\u0000 " }, { name: "Ann", url: "ftp://x" }],
          enclosures: [
            { url: "https://x.kz/a.mp3", type: "audio/mpeg" },
            { url: "not a url", type: "audio/mpeg" },
            { url: "https://x.kz/b", type: "bogus type", length: 5 },
          ],
          sources: [{ name: "S", url: "mailto:x@y.z" }],
        }),
      ),
      fallback,
    );
    expect(f.image).toMatch(/^https:\/\/xn--[a-z0-9-]+\.kz\/%D1%84%D0%BE%D1%82%D0%BE%201\.jpg$/);
    expect(f.authors).toEqual([{ name: "Ann" }]);
    expect(f.enclosures).toEqual([
      { url: "https://x.kz/a.mp3", type: "audio/mpeg", length: undefined },
      { url: "https://x.kz/b", type: "application/octet-stream", length: 5 },
    ]);
    expect(f.sources).toEqual([{ name: "S", url: undefined }]);
  });

  test("languages must be well-formed BCP 47 tags", () => {
    expect(itemFields(makeItem(makeArticle({ language: "kk-KZ" })), fallback).language).toBe("kk-KZ");
    expect(itemFields(makeItem(makeArticle({ language: 'ru"><x' })), fallback).language).toBeUndefined();
  });
});

describe("feedUpdatedMs", () => {
  test("the document's date, else the newest item date, else the epoch", () => {
    expect(feedUpdatedMs(makeDocument({ updated: "2022-08-27T00:00:00Z" }))).toBe(Date.UTC(2022, 7, 27));
    expect(
      feedUpdatedMs(
        makeDocument({
          updated: "",
          items: [
            makeItem(makeArticle({ published: "2022-01-01T00:00:00Z" })),
            makeItem(makeArticle({ published: "2022-01-01T00:00:00Z", updated: "2022-03-01T00:00:00Z" })),
          ],
        }),
      ),
    ).toBe(Date.UTC(2022, 2, 1));
    expect(feedUpdatedMs(makeDocument({ updated: "", items: [] }))).toBe(0);
  });
});

describe("text helpers", () => {
  test("safeUrl", () => {
    expect(safeUrl("https://a.kz/x?y=1&z=2#f")).toBe("https://a.kz/x?y=1&z=2#f");
    expect(safeUrl("https://a.kz/a b")).toBe("https://a.kz/a%20b");
    expect(safeUrl("http:///x")).toBe("http://x/");
    expect(safeUrl("/relative")).toBeUndefined();
    expect(safeUrl("data:text/html,x")).toBeUndefined();
    expect(safeUrl(undefined)).toBeUndefined();
  });

  test("htmlToText separates blocks, joins inline tags, decodes entities, skips scripts and comments", () => {
    expect(htmlToText("<h1>T</h1><p>a<b>b</b>c<br>d</p><!-- x --><script>evil()</script><p>&#1040;&#x4E2D;&hellip;&bogus;</p>")).toBe(
      "T abc d А中…&bogus;",
    );
  });

  test("htmlToText decodes every HTML5 reference as a browser does, C1 numeric ones through windows-1252", () => {
    expect(htmlToText("<p>don&#146;t &#150; &hearts; &Alpha;&copy &#0; &bogus; &notin; &notit;</p>")).toBe("don\u2019t \u2013 \u2665 \u0391\u00A9 \uFFFD &bogus; \u2209 \u00ACit;");
  });

  test("htmlToText reads a bounded prefix without leaving half a tag or entity", () => {
    expect(htmlToText('<p>one two</p><a href="https://very.long/url">x</a>', 20)).toBe("one two");
    expect(htmlToText("<p>a &amp; b &hellip;</p>", 16)).toBe("a & b");
  });

  test("excerpt cuts at a word boundary, never inside a surrogate pair", () => {
    expect(excerpt("short")).toBe("short");
    expect(excerpt("   ")).toBeUndefined();
    expect(excerpt("alpha beta gamma delta", 12)).toBe("alpha beta…");
    const emoji = "😀".repeat(10);
    const cut = excerpt(emoji, 5) ?? "";
    expect(cut).toBe("😀😀…");
  });

  test("textToHtml makes paragraphs and line breaks, escaping markup", () => {
    expect(textToHtml("a < b\nc\n\n  \nd & e")).toBe("<p>a &lt; b<br>c</p><p>d &amp; e</p>");
  });
});
