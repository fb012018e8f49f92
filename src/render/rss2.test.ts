import { describe, expect, test } from "vitest";
import { renderRss2 } from "./rss2";
import { formatUrls, makeArticle, makeCategory, makeDocument, makeItem, ORIGIN } from "./test-factories";
import { attrOf, child, children, parseXml, textAt, textOf, xmlErrors, type XmlNode } from "./test-xml";

const NS = {
  atom: "http://www.w3.org/2005/Atom",
  content: "http://purl.org/rss/1.0/modules/content/",
  dc: "http://purl.org/dc/elements/1.1/",
  media: "http://search.yahoo.com/mrss/",
  itunes: "http://www.itunes.com/dtds/podcast-1.0.dtd",
};

function render(xml: string): { rss: XmlNode; channel: XmlNode; items: XmlNode[] } {
  expect(xmlErrors(xml)).toEqual([]);
  const rss = child(parseXml(xml), "rss");
  const channel = child(rss, "channel");
  return { rss, channel, items: children(channel, "item") };
}

const linkRels = (channel: XmlNode): Record<string, string | undefined> =>
  Object.fromEntries(children(channel, "atom:link").map((l) => [attrOf(l, "rel") ?? "", attrOf(l, "href")]));

describe("renderRss2: channel", () => {
  test("is RSS 2.0 with the extension namespaces declared", () => {
    const xml = renderRss2(makeDocument());
    expect(xml.startsWith('<?xml version="1.0" encoding="utf-8"?>\n<rss ')).toBe(true);
    const { rss } = render(xml);
    expect(attrOf(rss, "version")).toBe("2.0");
    for (const [prefix, uri] of Object.entries(NS)) expect(attrOf(rss, `xmlns:${prefix}`)).toBe(uri);
  });

  test("carries title, link, description, language, dates, generator and docs", () => {
    const { channel } = render(renderRss2(makeDocument()));
    expect(textAt(channel, "title")).toBe("Алматы — tagfeed");
    expect(textAt(channel, "link")).toBe(`${ORIGIN}/tags/city/almaty`);
    expect(textAt(channel, "description")).toBe("Новости с тегом «Алматы»");
    expect(textAt(channel, "language")).toBe("ru");
    expect(textAt(channel, "lastBuildDate")).toBe("Sat, 27 Aug 2022 00:00:00 GMT");
    expect(textAt(channel, "generator")).toBe("tagfeed 0.1.0");
    expect(textAt(channel, "docs")).toBe("https://www.rssboard.org/rss-specification");
  });

  test("links itself (atom:link rel=self) and pages with RFC 5005 relations only when given", () => {
    const plain = render(renderRss2(makeDocument())).channel;
    expect(linkRels(plain)).toEqual({ self: `${ORIGIN}/feeds/city/almaty.rss` });
    const self = child(plain, "atom:link");
    expect(attrOf(self, "type")).toBe("application/rss+xml");

    const paged = render(
      renderRss2(
        makeDocument({
          links: {
            self: formatUrls("/feeds/city/almaty?before=x"),
            alternate: `${ORIGIN}/tags/city/almaty`,
            first: formatUrls("/feeds/city/almaty"),
            previous: formatUrls("/feeds/city/almaty?after=y"),
            next: formatUrls("/feeds/city/almaty?before=z&limit=50"),
            prevArchive: formatUrls("/feeds/city/almaty/archive/1"),
          },
        }),
      ),
    ).channel;
    expect(linkRels(paged)).toEqual({
      self: `${ORIGIN}/feeds/city/almaty?before=x.rss`,
      first: `${ORIGIN}/feeds/city/almaty.rss`,
      previous: `${ORIGIN}/feeds/city/almaty?after=y.rss`,
      next: `${ORIGIN}/feeds/city/almaty?before=z&limit=50.rss`,
      "prev-archive": `${ORIGIN}/feeds/city/almaty/archive/1.rss`,
    });
  });

  test("an RFC 5005 §4 archive: atom:links current, prev-archive, next-archive and fh:archive in its namespace", () => {
    const xml = renderRss2(
      makeDocument({
        links: {
          self: formatUrls("/feeds/city/almaty/archive/2"),
          alternate: `${ORIGIN}/tags/city/almaty`,
          current: formatUrls("/feeds/city/almaty"),
          prevArchive: formatUrls("/feeds/city/almaty/archive/1"),
          nextArchive: formatUrls("/feeds/city/almaty/archive/3"),
          archive: true,
        },
      }),
    );
    expect(xml).toMatch(/<rss [^>]*xmlns:fh="http:\/\/purl\.org\/syndication\/history\/1\.0">/);
    expect(xml).toContain("<fh:archive/>");
    expect(linkRels(render(xml).channel)).toEqual({
      self: `${ORIGIN}/feeds/city/almaty/archive/2.rss`,
      current: `${ORIGIN}/feeds/city/almaty.rss`,
      "prev-archive": `${ORIGIN}/feeds/city/almaty/archive/1.rss`,
      "next-archive": `${ORIGIN}/feeds/city/almaty/archive/3.rss`,
    });
    expect(renderRss2(makeDocument())).not.toContain("fh:");
  });

  test("adds the XSL stylesheet processing instruction only when set", () => {
    expect(renderRss2(makeDocument())).not.toContain("xml-stylesheet");
    const xml = renderRss2(
      makeDocument({
        links: { ...makeDocument().links, stylesheet: { rss: `${ORIGIN}/feed.xsl?a=1&b="2"` } },
      }),
    );
    expect(xml).toContain(`<?xml-stylesheet type="text/xsl" href="${ORIGIN}/feed.xsl?a=1&amp;b=&quot;2&quot;"?>\n<rss`);
    render(xml);
  });

  test("lastBuildDate comes from the document, and an invalid one falls back to the newest item", () => {
    const doc = makeDocument({ updated: "garbage", items: [makeItem(makeArticle({ published: "2021-01-02T03:04:05Z" }))] });
    expect(textAt(render(renderRss2(doc)).channel, "lastBuildDate")).toBe("Sat, 02 Jan 2021 03:04:05 GMT");
  });

  test("an empty feed is valid", () => {
    const { items } = render(renderRss2(makeDocument({ items: [] })));
    expect(items).toEqual([]);
  });
});

describe("renderRss2: items", () => {
  test("keep the order given", () => {
    const ids = ["z", "a", "m"];
    const { items } = render(renderRss2(makeDocument({ items: ids.map((id) => makeItem(makeArticle({ id }))) })));
    expect(items.map((i) => textAt(i, "guid"))).toEqual(ids.map((id) => `urn:tagfeed:article:${id}`));
  });

  test("carry title, link, a non-permalink URN guid, pubDate and the summary as HTML text", () => {
    const article = makeArticle({ summary: "Tom & Jerry <3", published: "2024-01-05T09:08:07.000Z" });
    const [item] = render(renderRss2(makeDocument({ items: [makeItem(article)] }))).items;
    if (!item) throw new Error("no item");
    expect(textAt(item, "title")).toBe(article.title);
    expect(textAt(item, "link")).toBe(article.url);
    expect(textAt(item, "guid")).toBe("urn:tagfeed:article:a-1");
    expect(attrOf(child(item, "guid"), "isPermaLink")).toBe("false");
    expect(textAt(item, "pubDate")).toBe("Fri, 05 Jan 2024 09:08:07 GMT");
    // Readers treat description as HTML: plain text is escaped once for HTML, once for XML.
    expect(textAt(item, "description")).toBe("Tom &amp; Jerry &lt;3");
  });

  test("link to the service page when the article has no URL", () => {
    const item = makeItem(makeArticle({ url: undefined }));
    const [out] = render(renderRss2(makeDocument({ items: [item] }))).items;
    expect(textAt(out ?? {}, "link")).toBe(`${ORIGIN}/articles/a-1`);
  });

  test("content:encoded holds the HTML exactly, ]]> and CR included", () => {
    const html = '<p class="x">a ]]> b ]]]]> <![CDATA[c]]> &amp; &laquo;d&raquo;</p>\r\n<p>Алматы 😀</p>';
    const [item] = render(renderRss2(makeDocument({ items: [makeItem(makeArticle({ content_html: html }))] }))).items;
    expect(textAt(item ?? {}, "content:encoded")).toBe(html);
  });

  test("plain-text content becomes HTML paragraphs; no content, no content:encoded", () => {
    const text = makeArticle({ content_html: undefined, content_text: "one <two>\n\nthree" });
    const none = makeArticle({ id: "b", content_html: undefined, content_text: undefined, summary: undefined });
    const [a, b] = render(renderRss2(makeDocument({ items: [makeItem(text), makeItem(none)] }))).items;
    expect(textAt(a ?? {}, "content:encoded")).toBe("<p>one &lt;two&gt;</p><p>three</p>");
    expect(children(b ?? {}, "content:encoded")).toEqual([]);
    expect(textAt(b ?? {}, "description")).toBe("");
  });

  test("one dc:creator per author, one category per tag with its type as domain", () => {
    const article = makeArticle({ authors: [{ name: "Ann" }, { name: "Бауыржан", url: "https://x.kz/b" }] });
    const [item] = render(renderRss2(makeDocument({ items: [makeItem(article)] }))).items;
    expect(children(item ?? {}, "dc:creator").map(textOf)).toEqual(["Ann", "Бауыржан"]);
    expect(children(item ?? {}, "category").map((c) => [attrOf(c, "domain"), textOf(c)])).toEqual([
      [`${ORIGIN}/tags/party`, "AMANAT"],
      [`${ORIGIN}/tags/city`, "Алматы"],
    ]);
  });

  test("categories with a blank name are left out", () => {
    const blank = { type: "topic", name: "\u0001 ", slug: "x" };
    const item = makeItem(makeArticle(), { categories: [makeCategory(blank), makeCategory({ type: "city", name: "Алматы", slug: "almaty" })] });
    const [out] = render(renderRss2(makeDocument({ items: [item] }))).items;
    expect(children(out ?? {}, "category").map(textOf)).toEqual(["Алматы"]);
  });

  test("one enclosure (length 0 when unknown); image and further enclosures as media:content", () => {
    const article = makeArticle({
      image: "https://x.kz/i.jpg",
      enclosures: [
        { url: "https://x.kz/a.mp3", type: "audio/mpeg" },
        { url: "https://x.kz/b.mp4", type: "video/mp4", length: 1234 },
      ],
    });
    const [item] = render(renderRss2(makeDocument({ items: [makeItem(article)] }))).items;
    const enclosures = children(item ?? {}, "enclosure");
    expect(enclosures).toHaveLength(1);
    expect([attrOf(enclosures[0] ?? {}, "url"), attrOf(enclosures[0] ?? {}, "length"), attrOf(enclosures[0] ?? {}, "type")]).toEqual([
      "https://x.kz/a.mp3",
      "0",
      "audio/mpeg",
    ]);
    expect(
      children(item ?? {}, "media:content").map((m) => [attrOf(m, "url"), attrOf(m, "medium"), attrOf(m, "type"), attrOf(m, "fileSize")]),
    ).toEqual([
      ["https://x.kz/i.jpg", "image", undefined, undefined],
      ["https://x.kz/b.mp4", "video", "video/mp4", "1234"],
    ]);
  });

  test("itunes episode tags for items with an audio or video enclosure, and only those", () => {
    const podcast = { duration_seconds: 3723, explicit: false, episode: 7, image: "https://x.kz/ep7.jpg" };
    const audio = makeArticle({ enclosures: [{ url: "https://x.kz/a.mp3", type: "audio/mpeg" }], podcast });
    const text = makeArticle({ enclosures: [{ url: "https://x.kz/a.pdf", type: "application/pdf" }], podcast });
    const [withAudio, withPdf] = render(renderRss2(makeDocument({ items: [makeItem(audio), makeItem(text)] }))).items;
    const tags = (item: XmlNode | undefined) =>
      ["itunes:duration", "itunes:explicit", "itunes:episode", "itunes:image"].map((name) => children(item ?? {}, name).map((n) => attrOf(n, "href") ?? String(n["#text"] ?? "")));
    expect(tags(withAudio)).toEqual([["1:02:03"], ["false"], ["7"], ["https://x.kz/ep7.jpg"]]);
    expect(tags(withPdf)).toEqual([[], [], [], []]);
  });

  test("source only when it has a URL (RSS 2.0 requires the url attribute)", () => {
    const withUrl = makeArticle({ sources: [{ name: "No URL" }, { name: "News KZ", url: "https://news.example.kz/" }] });
    const without = makeArticle({ id: "b", sources: [{ name: "No URL" }] });
    const [a, b] = render(renderRss2(makeDocument({ items: [makeItem(withUrl), makeItem(without)] }))).items;
    const source = child(a ?? {}, "source");
    expect([attrOf(source, "url"), textOf(source)]).toEqual(["https://news.example.kz/", "News KZ"]);
    expect(children(b ?? {}, "source")).toEqual([]);
  });

  test("dc:language only when the article's language differs from the channel's", () => {
    const same = makeArticle({ language: "ru" });
    const other = makeArticle({ id: "b", language: "kk" });
    const [a, b] = render(renderRss2(makeDocument({ items: [makeItem(same), makeItem(other)] }))).items;
    expect(children(a ?? {}, "dc:language")).toEqual([]);
    expect(textAt(b ?? {}, "dc:language")).toBe("kk");
  });

  test("a title with nothing printable is left out; the description still is there", () => {
    const [item] = render(renderRss2(makeDocument({ items: [makeItem(makeArticle({ title: "\u0000\u0001 " }))] }))).items;
    expect(children(item ?? {}, "title")).toEqual([]);
    expect(children(item ?? {}, "description")).toHaveLength(1);
  });
});
