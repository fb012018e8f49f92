import { describe, expect, test } from "vitest";
import { renderAtom1 } from "./atom1";
import { formatUrls, makeArticle, makeDocument, makeItem, ORIGIN } from "./test-factories";
import { attrOf, child, children, parseXml, textAt, textOf, xmlErrors, type XmlNode } from "./test-xml";

const ATOM_NS = "http://www.w3.org/2005/Atom";
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const ABSOLUTE_IRI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;
const LANGUAGE_TAG = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/;

/**
 * The RFC 4287 rules that can be checked on a parsed document (§4.1.1 feed, §4.1.2 entry,
 * §3.1 text constructs, §3.2 person constructs, §3.3 dates, §4.2.7 links). [] when it conforms.
 */
function atomViolations(feed: XmlNode): string[] {
  const out: string[] = [];
  const exactlyOne = (node: XmlNode, name: string, where: string) => {
    const n = children(node, name).length;
    if (n !== 1) out.push(`${where}: ${n} atom:${name}, must be exactly 1`);
  };
  const atMostOne = (node: XmlNode, name: string, where: string) => {
    const n = children(node, name).length;
    if (n > 1) out.push(`${where}: ${n} atom:${name}, must be at most 1`);
  };
  const date = (node: XmlNode, name: string, where: string) => {
    for (const d of children(node, name)) {
      if (!RFC3339.test(textOf(d))) out.push(`${where}: atom:${name} "${textOf(d)}" is not RFC 3339`);
    }
  };
  const textConstruct = (node: XmlNode, name: string, where: string) => {
    for (const t of children(node, name)) {
      const type = attrOf(t, "type") ?? "text";
      if (!["text", "html", "xhtml"].includes(type)) out.push(`${where}: atom:${name} type "${type}"`);
      if (type !== "xhtml" && Object.keys(t).some((k) => !k.startsWith("@_") && k !== "#text")) {
        out.push(`${where}: atom:${name} of type ${type} has child elements`);
      }
    }
  };
  const persons = (node: XmlNode, where: string) => {
    for (const p of children(node, "author")) {
      if (children(p, "name").length !== 1) out.push(`${where}: atom:author needs exactly one atom:name`);
      atMostOne(p, "uri", where);
      for (const u of children(p, "uri")) if (!ABSOLUTE_IRI.test(textOf(u))) out.push(`${where}: author uri`);
    }
  };
  const links = (node: XmlNode, where: string) => {
    const alternates = new Set<string>();
    for (const l of children(node, "link")) {
      const href = attrOf(l, "href");
      if (href === undefined || !ABSOLUTE_IRI.test(href)) out.push(`${where}: atom:link without absolute href`);
      const rel = attrOf(l, "rel") ?? "alternate";
      if (rel === "alternate") {
        const key = `${attrOf(l, "type") ?? ""}|${attrOf(l, "hreflang") ?? ""}`;
        if (alternates.has(key)) out.push(`${where}: two alternate links with type/hreflang ${key}`);
        alternates.add(key);
      }
      const length = attrOf(l, "length");
      if (length !== undefined && !/^\d+$/.test(length)) out.push(`${where}: link length "${length}"`);
    }
  };
  const ids = (node: XmlNode, where: string) => {
    for (const id of children(node, "id")) if (!ABSOLUTE_IRI.test(textOf(id))) out.push(`${where}: atom:id is not an IRI`);
  };
  const lang = (node: XmlNode, where: string) => {
    const l = attrOf(node, "xml:lang");
    if (l !== undefined && l !== "" && !LANGUAGE_TAG.test(l)) out.push(`${where}: xml:lang "${l}"`);
  };

  if (attrOf(feed, "xmlns") !== ATOM_NS) out.push("feed is not in the Atom namespace");
  for (const name of ["id", "title", "updated"]) exactlyOne(feed, name, "feed");
  for (const name of ["generator", "icon", "logo", "rights", "subtitle"]) atMostOne(feed, name, "feed");
  ids(feed, "feed");
  date(feed, "updated", "feed");
  textConstruct(feed, "title", "feed");
  textConstruct(feed, "subtitle", "feed");
  persons(feed, "feed");
  links(feed, "feed");
  lang(feed, "feed");
  const selfLinks = children(feed, "link").filter((l) => attrOf(l, "rel") === "self");
  if (selfLinks.length !== 1) out.push(`feed: ${selfLinks.length} rel=self links, should be 1`);

  const feedHasAuthor = children(feed, "author").length > 0;
  children(feed, "entry").forEach((entry, i) => {
    const where = `entry ${i}`;
    for (const name of ["id", "title", "updated"]) exactlyOne(entry, name, where);
    for (const name of ["published", "summary", "content", "rights", "source"]) atMostOne(entry, name, where);
    ids(entry, where);
    date(entry, "updated", where);
    date(entry, "published", where);
    textConstruct(entry, "title", where);
    textConstruct(entry, "summary", where);
    textConstruct(entry, "content", where);
    persons(entry, where);
    links(entry, where);
    lang(entry, where);
    if (!feedHasAuthor && children(entry, "author").length === 0) out.push(`${where}: no author and no feed author`);
    const hasAlternate = children(entry, "link").some((l) => (attrOf(l, "rel") ?? "alternate") === "alternate");
    if (children(entry, "content").length === 0 && !hasAlternate) out.push(`${where}: neither content nor alternate link`);
    for (const c of children(entry, "category")) if (!attrOf(c, "term")) out.push(`${where}: category without term`);
  });
  return out;
}

function render(xml: string): { feed: XmlNode; entries: XmlNode[] } {
  expect(xmlErrors(xml)).toEqual([]);
  const feed = child(parseXml(xml), "feed");
  expect(atomViolations(feed)).toEqual([]);
  return { feed, entries: children(feed, "entry") };
}

const relHrefs = (node: XmlNode): [string | undefined, string | undefined, string | undefined][] =>
  children(node, "link").map((l) => [attrOf(l, "rel"), attrOf(l, "type"), attrOf(l, "href")]);

describe("renderAtom1: feed", () => {
  test("has id, title, updated, author, self and alternate links, generator (RFC 4287 §4.1.1)", () => {
    const xml = renderAtom1(makeDocument());
    expect(xml.startsWith('<?xml version="1.0" encoding="utf-8"?>\n<feed ')).toBe(true);
    const { feed } = render(xml);
    expect(attrOf(feed, "xml:lang")).toBe("ru");
    expect(textAt(feed, "id")).toBe("urn:tagfeed:feed:city:almaty");
    expect(textAt(feed, "title")).toBe("Алматы — tagfeed");
    expect(attrOf(child(feed, "title"), "type")).toBe("text");
    expect(textAt(feed, "subtitle")).toBe("Новости с тегом «Алматы»");
    expect(textAt(feed, "updated")).toBe("2022-08-27T00:00:00Z");
    expect(textAt(child(feed, "author"), "name")).toBe("tagfeed");
    expect(textAt(child(feed, "author"), "uri")).toBe(ORIGIN);
    const generator = child(feed, "generator");
    expect([textOf(generator), attrOf(generator, "uri"), attrOf(generator, "version")]).toEqual([
      "tagfeed",
      "https://github.com/example/tagfeed",
      "0.1.0",
    ]);
    expect(relHrefs(feed)).toEqual([
      ["self", "application/atom+xml", `${ORIGIN}/feeds/city/almaty.atom`],
      ["alternate", "text/html", `${ORIGIN}/tags/city/almaty`],
    ]);
  });

  test("pages with RFC 5005 links, and adds the stylesheet PI when set", () => {
    const xml = renderAtom1(
      makeDocument({
        links: {
          self: formatUrls("/feeds/all"),
          alternate: ORIGIN,
          first: formatUrls("/feeds/all"),
          previous: formatUrls("/feeds/all-prev"),
          next: formatUrls("/feeds/all-next"),
          prevArchive: formatUrls("/feeds/archive"),
          stylesheet: { atom: `${ORIGIN}/atom.xsl` },
        },
      }),
    );
    expect(xml).toContain(`<?xml-stylesheet type="text/xsl" href="${ORIGIN}/atom.xsl"?>\n<feed`);
    const { feed } = render(xml);
    expect(relHrefs(feed).slice(2)).toEqual([
      ["first", "application/atom+xml", `${ORIGIN}/feeds/all.atom`],
      ["previous", "application/atom+xml", `${ORIGIN}/feeds/all-prev.atom`],
      ["next", "application/atom+xml", `${ORIGIN}/feeds/all-next.atom`],
      ["prev-archive", "application/atom+xml", `${ORIGIN}/feeds/archive.atom`],
    ]);
  });

  test("an RFC 5005 §4 archive: current, prev-archive, next-archive and fh:archive in its namespace", () => {
    const archive = makeDocument({
      links: {
        self: formatUrls("/feeds/all/archive/2"),
        alternate: ORIGIN,
        current: formatUrls("/feeds/all"),
        prevArchive: formatUrls("/feeds/all/archive/1"),
        nextArchive: formatUrls("/feeds/all/archive/3"),
        archive: true,
      },
    });
    const xml = renderAtom1(archive);
    expect(xml).toContain('xmlns:fh="http://purl.org/syndication/history/1.0"');
    expect(xml).toContain("<fh:archive/>");
    const { feed } = render(xml);
    expect(relHrefs(feed).slice(2)).toEqual([
      ["current", "application/atom+xml", `${ORIGIN}/feeds/all.atom`],
      ["prev-archive", "application/atom+xml", `${ORIGIN}/feeds/all/archive/1.atom`],
      ["next-archive", "application/atom+xml", `${ORIGIN}/feeds/all/archive/3.atom`],
    ]);
    expect(renderAtom1(makeDocument())).not.toContain("fh:");
  });

  test("keeps a feed-level author when entries have none", () => {
    const doc = makeDocument({ items: [makeItem(makeArticle({ authors: [] })), makeItem(makeArticle({ id: "b", authors: [] }))] });
    const { feed, entries } = render(renderAtom1(doc));
    expect(children(feed, "author")).toHaveLength(1);
    expect(entries.every((e) => children(e, "author").length === 0)).toBe(true);
  });

  test("an empty feed is valid", () => {
    expect(render(renderAtom1(makeDocument({ items: [] }))).entries).toEqual([]);
  });
});

describe("renderAtom1: entries", () => {
  test("every entry has id, title and updated; order is kept", () => {
    const articles = ["c", "a", "b"].map((id) => makeArticle({ id }));
    const { entries } = render(renderAtom1(makeDocument({ items: articles.map((a) => makeItem(a)) })));
    expect(entries.map((e) => textAt(e, "id"))).toEqual(["c", "a", "b"].map((id) => `urn:tagfeed:article:${id}`));
    for (const e of entries) {
      expect(children(e, "title")).toHaveLength(1);
      expect(children(e, "updated")).toHaveLength(1);
    }
  });

  test("dates: updated is the article's update, else its publication", () => {
    const a = makeArticle({ published: "2022-08-26T21:00:00.000Z" });
    const b = makeArticle({ id: "b", published: "2022-08-26T21:00:00.000Z", updated: "2022-08-28T06:30:00.500Z" });
    const [ea, eb] = render(renderAtom1(makeDocument({ items: [makeItem(a), makeItem(b)] }))).entries;
    expect([textAt(ea ?? {}, "published"), textAt(ea ?? {}, "updated")]).toEqual(["2022-08-26T21:00:00Z", "2022-08-26T21:00:00Z"]);
    expect([textAt(eb ?? {}, "published"), textAt(eb ?? {}, "updated")]).toEqual([
      "2022-08-26T21:00:00Z",
      "2022-08-28T06:30:00.500Z",
    ]);
  });

  test("carry authors, links, categories, summary, HTML content and language", () => {
    const html = '<p>a ]]> b &amp; &laquo;c&raquo; <a href="https://x.kz/?a=1&amp;b=2">link</a></p>\r\n';
    const article = makeArticle({
      summary: "Tom & Jerry",
      content_html: html,
      language: "kk",
      image: "https://x.kz/i.jpg",
      enclosures: [{ url: "https://x.kz/a.mp3", type: "audio/mpeg", length: 99 }],
      sources: [{ name: "News KZ", url: "https://news.example.kz/" }, { name: "Same", url: "https://news.example.kz/" }, { name: "No URL" }],
    });
    const [entry] = render(renderAtom1(makeDocument({ items: [makeItem(article)] }))).entries;
    if (!entry) throw new Error("no entry");
    expect(attrOf(entry, "xml:lang")).toBe("kk");
    expect(textAt(entry, "title")).toBe(article.title);
    expect(attrOf(child(entry, "title"), "type")).toBe("text");
    expect(children(entry, "author").map((a) => [textAt(a, "name"), textAt(a, "uri")])).toEqual([
      ["Даулет Карибек", "https://news.example.kz/authors/karibek"],
    ]);
    expect(children(entry, "link").map((l) => [attrOf(l, "rel"), attrOf(l, "href"), attrOf(l, "type"), attrOf(l, "length"), attrOf(l, "title")])).toEqual([
      ["alternate", article.url, undefined, undefined, undefined],
      ["enclosure", "https://x.kz/a.mp3", "audio/mpeg", "99", undefined],
      ["via", "https://news.example.kz/", undefined, undefined, "News KZ"],
    ]);
    expect(children(entry, "category").map((c) => [attrOf(c, "term"), attrOf(c, "scheme"), attrOf(c, "label")])).toEqual([
      ["AMANAT", `${ORIGIN}/tags/party`, "AMANAT"],
      ["Алматы", `${ORIGIN}/tags/city`, "Алматы"],
    ]);
    expect([textAt(entry, "summary"), attrOf(child(entry, "summary"), "type")]).toEqual(["Tom & Jerry", "text"]);
    expect([textAt(entry, "content"), attrOf(child(entry, "content"), "type")]).toEqual([html, "html"]);
    expect(attrOf(child(entry, "media:content"), "url")).toBe("https://x.kz/i.jpg");
  });

  test("HTML content travels as a CDATA section, with ]]> split", () => {
    const xml = renderAtom1(makeDocument({ items: [makeItem(makeArticle({ content_html: "<p>x]]>y</p>" }))] }));
    expect(xml).toContain('<content type="html"><![CDATA[<p>x]]]]><![CDATA[>y</p>]]></content>');
    const [entry] = render(xml).entries;
    expect(textAt(entry ?? {}, "content")).toBe("<p>x]]>y</p>");
  });

  test("plain-text content is type text; no content at all still validates through the alternate link", () => {
    const text = makeArticle({ content_html: undefined, content_text: "a < b" });
    const none = makeArticle({ id: "b", content_html: undefined, content_text: undefined, summary: undefined, url: undefined });
    const [a, b] = render(renderAtom1(makeDocument({ items: [makeItem(text), makeItem(none)] }))).entries;
    expect([textAt(a ?? {}, "content"), attrOf(child(a ?? {}, "content"), "type")]).toEqual(["a < b", "text"]);
    expect(children(b ?? {}, "content")).toEqual([]);
    expect(children(b ?? {}, "summary")).toEqual([]);
    expect(attrOf(child(b ?? {}, "link"), "href")).toBe(`${ORIGIN}/articles/b`);
  });

  test("a title with nothing printable is still present, empty", () => {
    const [entry] = render(renderAtom1(makeDocument({ items: [makeItem(makeArticle({ title: "\u0000" }))] }))).entries;
    expect(textAt(entry ?? {}, "title")).toBe("");
  });

  test("the checker itself catches missing required elements", () => {
    const broken = child(
      parseXml(`<feed xmlns="${ATOM_NS}"><id>urn:x:y</id><title>t</title><entry><title>e</title></entry></feed>`),
      "feed",
    );
    expect(atomViolations(broken)).toEqual(
      expect.arrayContaining([
        "feed: 0 atom:updated, must be exactly 1",
        "entry 0: 0 atom:id, must be exactly 1",
        "entry 0: no author and no feed author",
        "entry 0: neither content nor alternate link",
      ]),
    );
  });

  test("recently deleted entries are RFC 6721 at:deleted-entry, in the tombstones namespace, declared only then", () => {
    const doc = makeDocument({
      items: [makeItem(makeArticle({ id: "kept" }))],
      deleted: [
        { ref: "urn:tagfeed:article:gone-1", when: "2026-05-01T10:00:00.000Z" },
        { ref: "urn:tagfeed:article:gone-2", when: "2026-04-30T09:30:00.000Z" },
      ],
    });
    const xml = renderAtom1(doc);
    const { feed, entries } = render(xml);
    expect(entries).toHaveLength(1);
    expect(attrOf(feed, "xmlns:at")).toBe("http://purl.org/atompub/tombstones/1.0");
    const gone = children(feed, "at:deleted-entry").map((d) => [attrOf(d, "ref"), attrOf(d, "when")]);
    expect(gone).toEqual([
      ["urn:tagfeed:article:gone-1", "2026-05-01T10:00:00Z"],
      ["urn:tagfeed:article:gone-2", "2026-04-30T09:30:00Z"],
    ]);
    for (const [, when] of gone) expect(when).toMatch(RFC3339);
    const plain = renderAtom1(makeDocument({ items: [makeItem(makeArticle({ id: "kept" }))] }));
    expect(plain).not.toContain("xmlns:at");
    expect(plain).not.toContain("deleted-entry");
  });
});
