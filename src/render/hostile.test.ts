/**
 * Every format stays well-formed and valid for hostile text: markup characters, CDATA
 * terminators, XML-illegal characters, lone surrogates; and legitimate text (emoji, ZWJ
 * sequences, RTL with bidi overrides, Cyrillic, Kazakh) comes through unchanged.
 */

import { describe, expect, test } from "vitest";
import type { FeedDocument } from "./feed-document";
import { renderAtom1 } from "./atom1";
import { renderJsonFeed } from "./json-feed";
import { renderRss2 } from "./rss2";
import { makeArticle, makeCategory, makeDocument, makeItem } from "./test-factories";
import { attrOf, child, children, FORBIDDEN_CHARS, parseXml, textAt, textOf, xmlErrors } from "./test-xml";
import { escapeHtmlText } from "./xml";

const C0 = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join("");

const LEGIT = [
  "😀",
  "👩‍👩‍👧‍👦",
  "👍🏽",
  "🇰🇿",
  "مرحبا بالعالم",
  "שלום עולם",
  "\u202Eevil.exe\u202C",
  "\u200F",
  "Привет, мир!",
  "Қазақстан Республикасы: ә ғ қ ң ө ұ ү һ і",
];

const HOSTILE = [
  `<script>alert("x")</script> & &amp; &lt; &#0; "quoted" 'single' a>b`,
  "]]> ]]]]> <![CDATA[ nested ]]> ]",
  `c0:${C0}:c0`,
  "\uFFFE\uFFFF \u0085\u009F",
  "lone high \uD800 lone low \uDC00 reversed \uDC00\uD800 end \uDBFF",
  ...LEGIT,
].join(" | ");

const HOSTILE_HTML = `<p title="a&quot;b">${HOSTILE}</p>\r\n<pre>]]></pre><p>&laquo;x&raquo;\u0000</p>`;

const ILLEGAL = ["\u0000", "\u0001", "\u0008", "\u000B", "\u000C", "\u000E", "\u001F", "\uFFFE", "\uFFFF", "\u0085"];

/** Independent oracle: the XML 1.0 `Char` production minus C1 controls, code point by code point. */
function expectedClean(s: string): string {
  let out = "";
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    const ok =
      cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) ||
      (cp >= 0xe000 && cp <= 0xfffd) || cp >= 0x10000;
    if (ok) out += ch;
  }
  return out;
}

function hostileDocument(): FeedDocument {
  const tag = { type: "topic", name: HOSTILE, slug: "hostile" };
  const article = makeArticle({
    id: "hostile-1",
    url: 'https://x.kz/a"b<c>d e',
    title: HOSTILE,
    summary: HOSTILE,
    content_html: HOSTILE_HTML,
    authors: [{ name: HOSTILE, url: "https://x.kz/author?a=1&b=<2>" }],
    image: "javascript:alert(1)",
    section: HOSTILE,
    sources: [{ name: HOSTILE, url: "https://src.kz/?q=\"'<>" }],
    enclosures: [{ url: "https://x.kz/a.mp3?x=1&y=2", type: "audio/mpeg", length: 3 }],
    tags: [tag],
  });
  const textOnly = makeArticle({ id: "hostile-2", title: HOSTILE, content_html: undefined, content_text: HOSTILE, summary: undefined });
  return makeDocument({
    title: HOSTILE,
    description: HOSTILE,
    author: { name: HOSTILE },
    items: [makeItem(article, { categories: [makeCategory(tag)] }), makeItem(textOnly)],
  });
}

const CLEAN = expectedClean(HOSTILE);
const CLEAN_HTML = expectedClean(HOSTILE_HTML);

function expectCleanOutput(out: string): void {
  expect(FORBIDDEN_CHARS.test(out)).toBe(false);
  for (const ch of ILLEGAL) expect(out.includes(ch)).toBe(false);
  for (const legit of LEGIT) expect(out).toContain(legit);
}

describe("hostile text", () => {
  test("the oracle drops what it should", () => {
    expect(expectedClean(`a${C0}\uFFFE\uFFFF\uDC00\uD800\uD83D\uDE00\u0085b`)).toBe("a\t\n\r\uD83D\uDE00b");
    expect(CLEAN).not.toBe(HOSTILE);
  });

  test("RSS 2.0 is well-formed and round-trips the cleaned text", () => {
    const xml = renderRss2(hostileDocument());
    expect(xmlErrors(xml)).toEqual([]);
    expectCleanOutput(xml);
    const channel = child(child(parseXml(xml), "rss"), "channel");
    expect(textAt(channel, "title")).toBe(CLEAN);
    expect(textAt(channel, "description")).toBe(CLEAN);
    const [item, textItem] = children(channel, "item");
    if (!item || !textItem) throw new Error("items missing");
    expect(textAt(item, "title")).toBe(CLEAN);
    expect(textAt(item, "link")).toBe("https://x.kz/a%22b%3Cc%3Ed%20e");
    expect(textAt(item, "guid")).toBe("urn:tagfeed:article:hostile-1");
    expect(textAt(item, "description")).toBe(escapeHtmlText(CLEAN));
    expect(textAt(item, "content:encoded")).toBe(CLEAN_HTML);
    expect(textAt(item, "dc:creator")).toBe(CLEAN);
    expect(textAt(item, "category")).toBe(CLEAN);
    expect(textAt(item, "source")).toBe(CLEAN);
    expect(attrOf(child(item, "enclosure"), "url")).toBe("https://x.kz/a.mp3?x=1&y=2");
    expect(children(item, "media:content")).toEqual([]);
    expect(textAt(textItem, "content:encoded")).toContain(escapeHtmlText(CLEAN.split("\n")[0] ?? ""));
  });

  test("Atom 1.0 is well-formed and round-trips the cleaned text", () => {
    const xml = renderAtom1(hostileDocument());
    expect(xmlErrors(xml)).toEqual([]);
    expectCleanOutput(xml);
    const feed = child(parseXml(xml), "feed");
    expect(textAt(feed, "title")).toBe(CLEAN);
    expect(textAt(feed, "subtitle")).toBe(CLEAN);
    expect(textAt(child(feed, "author"), "name")).toBe(CLEAN);
    const [entry, textEntry] = children(feed, "entry");
    if (!entry || !textEntry) throw new Error("entries missing");
    expect(textAt(entry, "title")).toBe(CLEAN);
    expect(textAt(entry, "summary")).toBe(CLEAN);
    expect(textAt(entry, "content")).toBe(CLEAN_HTML);
    expect(textAt(child(entry, "author"), "name")).toBe(CLEAN);
    expect(attrOf(child(entry, "category"), "label")).toBe(CLEAN);
    const via = children(entry, "link").find((l) => attrOf(l, "rel") === "via");
    expect(attrOf(via ?? {}, "title")).toBe(CLEAN);
    expect(attrOf(via ?? {}, "href")).toBe("https://src.kz/?q=%22%27%3C%3E");
    expect(textAt(textEntry, "content")).toBe(CLEAN);
  });

  test("JSON Feed is valid JSON of valid Unicode and round-trips the cleaned text", () => {
    const json = renderJsonFeed(hostileDocument());
    expectCleanOutput(json);
    // JSON.stringify writes lone surrogates and C0 controls as \u escapes: none may be there.
    expect(json).not.toMatch(/\\u[dD][89a-fA-F][0-9a-fA-F]{2}/);
    expect(json).not.toMatch(/\\u00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F]|[89][0-9a-fA-F]|7[fF])/);
    const feed = JSON.parse(json) as {
      title: string;
      description: string;
      authors: { name: string }[];
      items: Record<string, unknown>[];
    };
    expect(feed.title).toBe(CLEAN);
    expect(feed.description).toBe(CLEAN);
    expect(feed.authors[0]?.name).toBe(CLEAN);
    const [item, textItem] = feed.items;
    expect(item).toMatchObject({
      id: "urn:tagfeed:article:hostile-1",
      url: "https://x.kz/a%22b%3Cc%3Ed%20e",
      title: CLEAN,
      summary: CLEAN,
      content_html: CLEAN_HTML,
      authors: [{ name: CLEAN, url: "https://x.kz/author?a=1&b=%3C2%3E" }],
      tags: [CLEAN],
      _tagfeed: { section: CLEAN, tags: [{ name: CLEAN }], sources: [{ name: CLEAN }] },
    });
    expect(item).not.toHaveProperty("image");
    expect(textItem).toMatchObject({ content_text: CLEAN });
  });

  test("stray ids still give valid URN ids in every format", () => {
    const doc = makeDocument({ items: [makeItem(makeArticle({ id: 'x y<&>"\uD800~' }))] });
    const expected = "urn:tagfeed:article:x%20y%3C%26%3E%22%7E";
    const rss = renderRss2(doc);
    const atom = renderAtom1(doc);
    expect(xmlErrors(rss)).toEqual([]);
    expect(xmlErrors(atom)).toEqual([]);
    expect(textAt(child(child(child(parseXml(rss), "rss"), "channel"), "item"), "guid")).toBe(expected);
    expect(textOf(child(child(child(parseXml(atom), "feed"), "entry"), "id"))).toBe(expected);
    expect((JSON.parse(renderJsonFeed(doc)) as { items: { id: string }[] }).items[0]?.id).toBe(expected);
  });
});
