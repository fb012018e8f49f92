/**
 * The HTML pages (docs/API.md: `GET /`, `GET /tags/{type}/{slug}`) and the feeds' XSLT, driven
 * through the Worker with real local KV. HTML is checked with string and regex probes: enough to
 * pin structure (groups, links, autodiscovery, escaping) without a DOM.
 */
import { describe, expect, it } from "vitest";
import { BASE, call, fixtures, json, makeArticle, submit, uniqueId } from "./helpers";

interface SubmitAnswer {
  articles: { id: string; tags: { type: string; name: string; slug: string }[] }[];
}

async function submitOk(article: Record<string, unknown>): Promise<SubmitAnswer> {
  const response = await submit(article);
  expect(response.status, await response.clone().text()).toBeLessThan(300);
  return json<SubmitAnswer>(response);
}

/** Pages in English (the default is Russian: test/i18n-pages.test.ts covers the languages). */
async function page(path: string): Promise<{ response: Response; body: string }> {
  const response = await call(path, { redirect: "manual", headers: { "accept-language": "en" } });
  return { response, body: await response.text() };
}

/** Every `<link rel="alternate" ...>` in the head, as attribute maps. */
function alternates(body: string): Record<string, string>[] {
  const head = body.slice(0, body.indexOf("</head>"));
  return [...head.matchAll(/<link\b([^>]*)>/g)]
    .map((m) => Object.fromEntries([...(m[1] ?? "").matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]])))
    .filter((attrs) => attrs.rel === "alternate");
}

const FEED_TYPES = ["application/rss+xml", "application/atom+xml", "application/feed+json"];

function expectHtmlPage(response: Response, body: string, status = 200): void {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^text\/html; charset=utf-8/i);
  expect(body.startsWith("<!doctype html>")).toBe(true);
  expect(body).toContain('<html lang="en">');
  expect(body).toMatch(/<meta name="viewport" content="width=device-width, initial-scale=1"\s*\/?>/);
}

function expectCsp(response: Response): void {
  const csp = response.headers.get("content-security-policy") ?? "";
  expect(csp).toContain("script-src 'none'");
  expect(csp).toContain("style-src 'self' 'unsafe-inline'");
  expect(csp).toContain("img-src 'self' https: http: data:");
  expect(csp).toContain("media-src 'self' https: http:");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("base-uri 'none'");
  expect(csp).toContain("form-action 'none'");
  expect(response.headers.get("x-content-type-options")).toBe("nosniff");
}

describe("GET / (tag directory)", () => {
  it("lists a submitted article's tags grouped by type, with feed links and autodiscovery", async () => {
    const personName = `Person ${uniqueId("p")}`;
    const answer = await submitOk(makeArticle({ tags: [{ type: "city", name: "Алматы" }, { type: "person", name: personName }] }));
    const person = answer.articles[0]?.tags.find((t) => t.type === "person");
    expect(person).toBeDefined();
    const { response, body } = await page("/");
    expectHtmlPage(response, body);
    expectCsp(response);

    // Autodiscovery of the all-articles feed, in all three formats.
    const links = alternates(body);
    expect(links.map((l) => l.type)).toEqual(FEED_TYPES);
    expect(links.map((l) => l.href)).toEqual(["rss", "atom", "json"].map((f) => `${BASE}/feeds/all.${f}`));
    expect(links.every((l) => (l.title ?? "") !== "")).toBe(true);

    // Each type is a section; the person tag sits in the person section, the city in the city one.
    const section = (type: string) => new RegExp(`<section aria-labelledby="type-${type}">([\\s\\S]*?)</section>`).exec(body)?.[1] ?? "";
    const people = section("person");
    expect(people).toContain(`href="${BASE}/tags/person"`);
    expect(people).toContain(`<a href="${BASE}/tags/person/${person?.slug}">${personName}</a>`);
    for (const format of ["rss", "atom", "json"]) expect(people).toContain(`href="${BASE}/feeds/person/${person?.slug}.${format}"`);
    expect(people).toMatch(/Newest article: <time datetime="\d{4}-\d\d-\d\dT[\d:.]+Z">\d{1,2} [A-Z][a-z]{2,3} \d{4}, \d\d:\d\d UTC\+0[56]:00<\/time>/);
    expect(people).not.toContain("Алматы");
    const cities = section("city");
    expect(cities).toContain(`<a href="${BASE}/tags/city/almaty">Алматы</a>`);

    // All-articles links, OPML, how to subscribe, the API section.
    expect(body).toContain(`href="${BASE}/feeds/all.rss"`);
    expect(body).toContain(`href="${BASE}/opml"`);
    expect(body).toContain("Subscribe to all tags in your reader");
    expect(body).toContain("How to subscribe");
    expect(body).toContain("POST /api/articles");
  });
});

describe("GET /tags/{type}/{slug}", () => {
  it("shows the tag's articles, subscribe links and autodiscovery for all three formats", async () => {
    const topic = `Тема ${uniqueId("x")}`;
    const title = `Новость про ${topic}`;
    const answer = await submitOk(
      makeArticle({ title, summary: "Краткое содержание.", language: "ru", tags: [{ type: "topic", name: topic }, { type: "city", name: "Алматы" }] }),
    );
    const tag = answer.articles[0]?.tags.find((t) => t.type === "topic");
    expect(tag?.slug).toMatch(/^tema-/);
    const { response, body } = await page(`/tags/topic/${tag?.slug}`);
    expectHtmlPage(response, body);
    expectCsp(response);
    expect(response.headers.get("cache-control")).toBe("public, max-age=60");

    const links = alternates(body);
    expect(links.map((l) => l.type)).toEqual(FEED_TYPES);
    expect(links.map((l) => l.href)).toEqual(["rss", "atom", "json"].map((f) => `${BASE}/feeds/topic/${tag?.slug}.${f}`));
    expect(body).toContain(`<h1>${topic}</h1>`);
    expect(body).toContain(`<link rel="canonical" href="${BASE}/tags/topic/${tag?.slug}"`);
    // The article: title linked to its page (it has no URL of its own), in its language, with its tags.
    expect(body).toContain(`<h3 lang="ru"><a href="${BASE}/articles/${answer.articles[0]?.id}">${title}</a></h3>`);
    expect(body).toContain("Краткое содержание.");
    expect(body).toContain(`<a href="${BASE}/tags/city/almaty">Алматы</a>`);
  });

  it("links an article with its own URL there, and shows a date in the display zone with its offset", async () => {
    const topic = `Topic ${uniqueId("u")}`;
    const answer = await submitOk(
      makeArticle({ url: `https://news.example.kz/${uniqueId("n")}`, published: "2022-08-27T00:00:00+03:00", tags: [{ type: "topic", name: topic }] }),
    );
    const tag = answer.articles[0]?.tags[0];
    const { body } = await page(`/tags/topic/${tag?.slug}`);
    expect(body).toContain('<a href="https://news.example.kz/');
    // Asia/Almaty was UTC+6 in 2022.
    expect(body).toContain('<time datetime="2022-08-26T21:00:00.000Z">27 Aug 2022, 03:00 UTC+06:00</time>');
    expect(body).toContain(`href="${BASE}/articles/${answer.articles[0]?.id}">Read here</a>`);
  });

  it("answers 301 to the canonical path for a Cyrillic name, another case, an alias, an upper-case type", async () => {
    await submitOk(fixtures.seed());
    const cases: [string, string][] = [
      [`/tags/city/${encodeURIComponent("Алматы")}`, "/tags/city/almaty"],
      ["/tags/city/ALMATY", "/tags/city/almaty"],
      ["/tags/party/nur-otan", "/tags/party/amanat"],
      [`/tags/party/${encodeURIComponent("Аманат")}`, "/tags/party/amanat"],
      ["/tags/CITY/almaty", "/tags/city/almaty"],
    ];
    for (const [from, to] of cases) {
      const { response } = await page(from);
      expect(response.status, from).toBe(301);
      expect(response.headers.get("location"), from).toBe(`${BASE}${to}`);
    }
  });

  it("redirects another spelling of a tag the taxonomy does not list, when storage knows it", async () => {
    const suffix = uniqueId("s");
    const answer = await submitOk(makeArticle({ tags: [{ type: "topic", name: `Новая Тема ${suffix}` }] }));
    const tag = answer.articles[0]?.tags[0];
    const { response } = await page(`/tags/topic/${encodeURIComponent(`Новая Тема ${suffix}`)}`);
    expect(response.status).toBe(301);
    expect(response.headers.get("location")).toBe(`${BASE}/tags/topic/${tag?.slug}`);
  });

  it("answers a 404 page for an unknown tag", async () => {
    for (const path of ["/tags/city/no-such-city-anywhere", "/tags/city/%D0%9D%D0%B5%D1%82", "/tags/1bad/almaty", `/tags/topic/${uniqueId("nope")}`]) {
      const { response, body } = await page(path);
      expectHtmlPage(response, body, 404);
      expect(body, path).toContain("Not found");
    }
  });

  it("pages to older articles with ?after= and refuses a forged cursor", async () => {
    const topic = `Paged ${uniqueId("pg")}`;
    const ids: string[] = [];
    for (let i = 0; i < 32; i++) ids.push(uniqueId("pa"));
    const answer = await submitOk({
      articles: ids.map((id, i) => makeArticle({ id, title: `Paged article ${i}`, published: new Date(Date.UTC(2024, 0, 1 + i)).toISOString(), tags: [{ type: "topic", name: topic }] })),
    });
    const slug = answer.articles[0]?.tags[0]?.slug;
    const first = await page(`/tags/topic/${slug}`);
    expect(first.response.status).toBe(200);
    expect(first.body.match(/<li class="item"><h3\b/g)).toHaveLength(30);
    const older = /<a href="([^"]+)" rel="next">Older articles<\/a>/.exec(first.body)?.[1];
    expect(older).toBeDefined();
    const second = await page((older ?? "").replace(BASE, "").replaceAll("&amp;", "&"));
    expect(second.response.status).toBe(200);
    expect(second.body.match(/<li class="item"><h3\b/g)).toHaveLength(2);
    expect(second.body).toContain("Paged article 0<");
    expect(second.body).toContain("Newest articles");

    const forged = await page(`/tags/topic/${slug}?after=not-a-cursor`);
    expect(forged.response.status).toBe(400);
  });
});

describe("GET /tags/{type}", () => {
  it("lists the tags of one type; unknown types are 404, upper case 301", async () => {
    const { response, body } = await page("/tags/city");
    expectHtmlPage(response, body);
    expect(body).toContain(`<a href="${BASE}/tags/city/almaty">Алматы</a>`);
    expect((await page("/tags/CITY")).response.headers.get("location")).toBe(`${BASE}/tags/city`);
    expect((await page("/tags/nosuchtypeatall")).response.status).toBe(404);
  });
});

describe("GET /articles/{id}", () => {
  it("shows the seed article: Cyrillic title and content, tags, source, autodiscovery", async () => {
    const seed = fixtures.seed();
    await submitOk(seed);
    const { response, body } = await page("/articles/seed-amanat-platform-2022-08-27");
    expectHtmlPage(response, body);
    expectCsp(response);
    expect(body).toContain(`<h1 lang="ru">${seed.title as string}</h1>`);
    expect(body).toContain('<div class="content" lang="ru"><p>В Алматы состоялось экспертное обсуждение');
    expect(body).toContain("Эдуард Полетаев");
    // The article's own page keeps the publisher's offset.
    expect(body).toContain('<time datetime="2022-08-26T21:00:00.000Z">27 Aug 2022, 00:00 UTC+03:00</time>');
    expect(body).toContain("Футляр от виолончели");
    expect(body).toContain(`<a href="${BASE}/tags/party/amanat">AMANAT</a>`);
    expect(body).toContain(`<a href="${BASE}/tags/city/almaty">Алматы</a>`);
    const links = alternates(body);
    expect(links.map((l) => l.href)).toEqual([
      ...["rss", "atom", "json"].map((f) => `${BASE}/feeds/party/amanat.${f}`),
      ...["rss", "atom", "json"].map((f) => `${BASE}/feeds/all.${f}`),
    ]);
    expect(links.map((l) => l.type)).toEqual([...FEED_TYPES, ...FEED_TYPES]);
  });

  it("escapes a hostile title everywhere it appears", async () => {
    const topic = `Hostile ${uniqueId("h")}`;
    const answer = await submitOk(
      makeArticle({ title: "<script>alert(1)</script> & <b>bold</b>", content_html: "<p>ok<script>alert(2)</script></p>", tags: [{ type: "topic", name: topic }] }),
    );
    const article = answer.articles[0];
    for (const path of [`/articles/${article?.id}`, `/tags/topic/${article?.tags[0]?.slug}`]) {
      const { response, body } = await page(path);
      expect(response.status, path).toBe(200);
      expect(body, path).toContain("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;");
      expect(body, path).not.toMatch(/<script/i);
      expect(body, path).not.toContain("<b>bold</b>");
    }
  });

  it("renders content_text as paragraphs, enclosures as media, and links the original", async () => {
    const answer = await submitOk(
      makeArticle({
        url: "https://news.example.kz/original",
        content_html: undefined,
        content_text: "First line\nsecond line\n\nSecond paragraph <not a tag>",
        image: "https://img.example.kz/photo.jpg",
        authors: [{ name: "Айдос Сарым", url: "https://news.example.kz/authors/sarym" }],
        enclosures: [
          { url: "https://cdn.example.kz/a.mp3", type: "audio/mpeg", length: 1234567 },
          { url: "https://cdn.example.kz/v.mp4", type: "video/mp4" },
          { url: "https://cdn.example.kz/doc.pdf", type: "application/pdf" },
        ],
      }),
    );
    const { body } = await page(`/articles/${answer.articles[0]?.id}`);
    expect(body).toMatch(/<p>First line<br\s*\/?>second line<\/p><p>Second paragraph &lt;not a tag&gt;<\/p>/);
    expect(body).toContain('<img src="https://img.example.kz/photo.jpg"');
    expect(body).toContain('<audio controls="" preload="none" src="https://cdn.example.kz/a.mp3">');
    expect(body).toContain('<video controls="" preload="none" src="https://cdn.example.kz/v.mp4">');
    expect(body).toContain('href="https://cdn.example.kz/doc.pdf"');
    expect(body).toContain("1.2 MB");
    expect(body).toContain('<a href="https://news.example.kz/authors/sarym">Айдос Сарым</a>');
    expect(body).toContain('<a href="https://news.example.kz/original">Read the original article</a>');
  });

  it("answers a 404 page for an unknown or malformed id", async () => {
    for (const path of [`/articles/${uniqueId("missing")}`, "/articles/.hidden", "/articles/a%20b", "/articles/-bad", `/articles/${"x".repeat(200)}`]) {
      const { response, body } = await page(path);
      expectHtmlPage(response, body, 404);
      expectCsp(response);
    }
  });
});

describe("GET /feed.xsl", () => {
  it("serves the XSLT with the XSL type, cacheable, with conditional GET", async () => {
    const response = await call("/feed.xsl");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/xsl; charset=utf-8");
    expect(response.headers.get("cache-control")).toMatch(/^public, max-age=\d+/);
    const body = await response.text();
    expect(body.startsWith('<?xml version="1.0" encoding="utf-8"?>')).toBe(true);
    expect(body).toContain('<xsl:stylesheet version="1.0"');
    const tag = response.headers.get("etag");
    expect(tag).toBeTruthy();
    const again = await call("/feed.xsl", { headers: { "if-none-match": tag ?? "" } });
    expect(again.status).toBe(304);
  });

  it("is what the RSS and Atom feeds point browsers to", async () => {
    for (const format of ["rss", "atom"]) {
      const body = await (await call(`/feeds/all.${format}`)).text();
      expect(body).toContain(`<?xml-stylesheet type="text/xsl" href="${BASE}/feed.xsl"?>`);
    }
  });
});
