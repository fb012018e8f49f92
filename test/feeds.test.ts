import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { app } from "../src/app";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { adminHeaders, call, fixtures, json, makeArticle, submit, uniqueId } from "./helpers";

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", isArray: (name) => ["item", "entry", "category", "link"].includes(name) });

/** A fresh topic tag, so each test owns its feed. */
function topic(): { name: string; slug: string } {
  const name = uniqueId("Тема");
  return { name, slug: name.toLowerCase().replace("тема", "tema") };
}

async function seedTopic(count: number, extra: Record<string, unknown> = {}) {
  const t = topic();
  const articles = Array.from({ length: count }, (_, i) =>
    makeArticle({ tags: [{ type: "topic", name: t.name }], published: new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString(), title: `Статья ${i}`, ...extra }),
  );
  for (let i = 0; i < articles.length; i += 100) expect((await submit(articles.slice(i, i + 100))).status).toBe(201);
  return { tag: t, articles, path: `/feeds/topic/${t.slug}` };
}

describe("feed formats", () => {
  it("serves the seed article's tags in RSS, Atom and JSON Feed with the contract's content types", async () => {
    await submit(fixtures.seed());
    const rss = await call("/feeds/party/amanat.rss");
    expect(rss.status).toBe(200);
    expect(rss.headers.get("content-type")).toBe("application/rss+xml; charset=utf-8");
    const rssText = await rss.text();
    expect(XMLValidator.validate(rssText)).toBe(true);
    const channel = xml.parse(rssText).rss.channel;
    const seedItem = channel.item.find((i: { title: string }) => i.title.startsWith("Эксперты внесли"));
    expect(seedItem).toBeDefined();
    expect(seedItem.category.map((c: { "#text": string }) => c["#text"])).toEqual(expect.arrayContaining(["AMANAT", "Алматы"]));

    const atom = await call("/feeds/city/almaty.atom");
    expect(atom.headers.get("content-type")).toBe("application/atom+xml; charset=utf-8");
    const atomText = await atom.text();
    expect(XMLValidator.validate(atomText)).toBe(true);
    expect(xml.parse(atomText).feed.entry.some((e: { id: string }) => e.id === "urn:tagfeed:article:seed-amanat-platform-2022-08-27")).toBe(true);

    const jsonFeed = await call("/feeds/all.json");
    expect(jsonFeed.headers.get("content-type")).toBe("application/feed+json; charset=utf-8");
    const feed = await json(jsonFeed);
    expect(feed.version).toBe("https://jsonfeed.org/version/1.1");
    expect(feed.feed_url).toBe("http://tagfeed.test/feeds/all.json");
  });

  it("sets validators, caching and CORS headers, and answers HEAD without a body", async () => {
    const { path } = await seedTopic(2);
    const response = await call(`${path}.rss`);
    expect(response.headers.get("etag")).toMatch(/^"[\w-]+"$/);
    expect(new Date(response.headers.get("last-modified")!).getTime()).toBeGreaterThan(0);
    expect(response.headers.get("cache-control")).toMatch(/max-age=\d+/);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    const head = await call(`${path}.rss`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("etag")).toBe(response.headers.get("etag"));
    expect(await head.text()).toBe("");
  });
});

describe("conditional GET", () => {
  it("answers 304 to If-None-Match and If-Modified-Since, and 200 once the feed changes", async () => {
    const { tag, path } = await seedTopic(1);
    const first = await call(`${path}.atom`);
    const etag = first.headers.get("etag")!;
    const lastModified = first.headers.get("last-modified")!;

    const byTag = await call(`${path}.atom`, { headers: { "if-none-match": etag } });
    expect(byTag.status).toBe(304);
    expect(await byTag.text()).toBe("");
    expect(byTag.headers.get("etag")).toBe(etag);
    expect((await call(`${path}.atom`, { headers: { "if-none-match": `"other", W/${etag}` } })).status).toBe(304);
    expect((await call(`${path}.atom`, { headers: { "if-modified-since": lastModified } })).status).toBe(304);
    expect((await call(`${path}.atom`, { headers: { "if-none-match": '"stale"' } })).status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, 1100));
    await submit(makeArticle({ tags: [{ type: "topic", name: tag.name }], published: "2025-01-01T00:00:00Z" }));
    const changed = await call(`${path}.atom`, { headers: { "if-none-match": etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);
    expect((await call(`${path}.atom`, { headers: { "if-modified-since": lastModified } })).status).toBe(200);
  });

  it("moves Last-Modified forward when an article is deleted, so readers do not keep a stale copy", async () => {
    const { path, articles } = await seedTopic(2);
    const before = await call(`${path}.rss`);
    const lastModified = before.headers.get("last-modified")!;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // Delete the newest article: the newest remaining item is older than before.
    expect((await call(`/api/articles/${articles[1]!.id}`, { method: "DELETE", headers: adminHeaders() })).status).toBe(200);
    const after = await call(`${path}.rss`, { headers: { "if-modified-since": lastModified } });
    expect(after.status).toBe(200);
    expect(new Date(after.headers.get("last-modified")!).getTime()).toBeGreaterThan(new Date(lastModified).getTime());
    expect(await after.text()).not.toContain(articles[1]!.id as string);
  });
});

describe("snapshots", () => {
  it("renders once per version and then serves the stored bytes", async () => {
    const { tag, path } = await seedTopic(3);
    const first = await call(`${path}.json`);
    expect(first.headers.get("x-tagfeed-layer")).toBe("rendered");
    const body = await first.text();
    const second = await call(`${path}.json`);
    expect(["memory", "snapshot", "cache"]).toContain(second.headers.get("x-tagfeed-layer"));
    expect(await second.text()).toBe(body);
    expect(second.headers.get("etag")).toBe(first.headers.get("etag"));

    await submit(makeArticle({ tags: [{ type: "topic", name: tag.name }], title: "Свежая новость", published: "2025-06-01T00:00:00Z" }));
    const third = await call(`${path}.json`);
    expect(third.headers.get("x-tagfeed-layer")).toBe("rendered");
    expect((await json(third)).items[0].title).toBe("Свежая новость");
  });
});

describe("snapshot writes", () => {
  it("keeps only the default first page in KV: other variants cost no write", async () => {
    const { path, tag } = await seedTopic(3);
    const snapshots = async () => (await env.KV.list({ prefix: `snap:t/topic/${tag.slug}:` })).keys.length;
    await call(`${path}.rss`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await snapshots()).toBe(1);
    for (let limit = 1; limit <= 5; limit++) expect((await call(`${path}.rss?limit=${limit}`)).status).toBe(200);
    expect((await call(`${path}.rss?after=0000000000001.a1`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await snapshots()).toBe(1);
  });
});

describe("limit and paging", () => {
  it("defaults to 50 items, newest first, and pages to older items with rel=next and next_url", async () => {
    const { path, articles } = await seedTopic(60);
    const page1 = await json(await call(`${path}.json`));
    expect(page1.items).toHaveLength(50);
    expect(page1.items[0].title).toBe("Статья 59");
    expect(page1.next_url).toMatch(/after=/);
    const page2 = await json(await call(new URL(page1.next_url).pathname + new URL(page1.next_url).search));
    expect(page2.items.map((i: { title: string }) => i.title)).toEqual(
      articles.slice(0, 10).reverse().map((a) => a.title),
    );
    expect(page2.next_url).toBeUndefined();

    const rss = await (await call(`${path}.rss?limit=20`)).text();
    const links = xml.parse(rss).rss.channel["atom:link"] as { "@rel": string; "@href": string }[];
    expect(links.find((l) => l["@rel"] === "next")?.["@href"]).toMatch(/limit=20&after=/);
    expect(xml.parse(rss).rss.channel.item).toHaveLength(20);
  });

  it("never skips or repeats an item when new items arrive between pages", async () => {
    const { tag, path, articles } = await seedTopic(30);
    const page1 = await json(await call(`${path}.json?limit=10`));
    await submit(makeArticle({ tags: [{ type: "topic", name: tag.name }], title: "Новее всех", published: "2025-01-01T00:00:00Z" }));
    const seen: string[] = page1.items.map((i: { title: string }) => i.title);
    let next: string | undefined = page1.next_url;
    while (next) {
      const page = await json(await call(new URL(next).pathname + new URL(next).search));
      seen.push(...page.items.map((i: { title: string }) => i.title));
      next = page.next_url;
    }
    expect(seen).toEqual(articles.map((a) => a.title).reverse());
  });

  it("clamps a limit above 200 and refuses garbage with 400", async () => {
    const { path } = await seedTopic(1);
    expect((await call(`${path}.json?limit=5000`)).status).toBe(200);
    for (const bad of ["0", "-1", "abc", "1e3", "%00", ""]) {
      const response = await call(`${path}.json?limit=${bad}`);
      expect(response.status, bad).toBe(400);
      expect((await json(response)).error.fields[0].path).toBe("query:limit");
    }
    expect((await call(`${path}.json?after=../../etc`)).status).toBe(400);
  });
});

describe("tag paths", () => {
  it("redirects non-canonical tag paths to the canonical one with 301", async () => {
    await submit(fixtures.seed());
    const cases: [string, string][] = [
      [`/feeds/city/${encodeURIComponent("Алматы")}.rss`, "/feeds/city/almaty.rss"],
      ["/feeds/city/ALMATY.atom", "/feeds/city/almaty.atom"],
      ["/feeds/party/Amanat.json", "/feeds/party/amanat.json"],
      [`/feeds/party/${encodeURIComponent("Аманат")}.rss?limit=5`, "/feeds/party/amanat.rss?limit=5"],
      ["/feeds/City/almaty.rss", "/feeds/city/almaty.rss"],
    ];
    for (const [from, to] of cases) {
      const response = await call(from, { redirect: "manual" });
      expect(response.status, from).toBe(301);
      expect(response.headers.get("location"), from).toBe(`http://tagfeed.test${to}`);
    }
  });

  it("answers 404 for unknown tags, types and formats", async () => {
    for (const path of ["/feeds/city/atlantis.rss", "/feeds/city/almaty.xml", "/feeds/all.html", "/feeds/nope", "/feeds/a/b/c.rss", "/feeds/city/%00.rss"]) {
      expect((await call(path)).status, path).toBe(404);
    }
  });
});

describe("directory APIs", () => {
  it("lists tags with feed URLs at /api/tags, filtered by ?type=", async () => {
    await submit(fixtures.seed());
    const all = await json(await call("/api/tags"));
    const almaty = all.tags.find((t: { slug: string }) => t.slug === "almaty");
    expect(almaty).toMatchObject({ type: "city", name: "Алматы", feeds: { rss: "http://tagfeed.test/feeds/city/almaty.rss" } });
    const parties = await json(await call("/api/tags?type=party"));
    expect(parties.tags.every((t: { type: string }) => t.type === "party")).toBe(true);
    expect((await call("/api/tags?type=Bad Type")).status).toBe(400);
  });

  it("lists the tag set once per change: later directory requests make no KV list", async () => {
    const counted = async (path: string) => {
      const ctx = createExecutionContext();
      const response = await app.fetch(new Request(`http://tagfeed.test${path}`), { ...env, KV_COUNT: "true" }, ctx);
      await waitOnExecutionContext(ctx);
      return { body: await response.json<{ tags: { slug: string }[] }>(), kv: response.headers.get("x-tagfeed-kv") ?? "" };
    };
    const first = topic();
    await submit(makeArticle({ tags: [{ type: "topic", name: first.name }] }));
    expect((await counted("/api/tags")).body.tags.map((t) => t.slug)).toContain(first.slug);
    const again = await counted("/api/tags");
    expect(again.kv).toMatch(/lists=0/);
    expect(again.body.tags.map((t) => t.slug)).toContain(first.slug);
    // A new tag changes the set's version: it is listed at once.
    const second = topic();
    await submit(makeArticle({ tags: [{ type: "topic", name: second.name }] }));
    expect((await counted("/api/tags?type=topic")).body.tags.map((t) => t.slug)).toContain(second.slug);
  });

  it("serves OPML 2.0 of every tag feed, grouped by type", async () => {
    await submit(fixtures.seed());
    const response = await call("/opml");
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(XMLValidator.validate(text)).toBe(true);
    const opml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@" }).parse(text).opml;
    expect(opml["@version"]).toBe("2.0");
    expect(text).toContain('xmlUrl="http://tagfeed.test/feeds/city/almaty.rss"');
    expect(text).toContain('text="Алматы"');
  });
});

describe("a feed opened in a browser", () => {
  it("goes out as application/xml to a request for HTML, so the XSL view applies; readers keep the feed types", async () => {
    await submit(fixtures.seed());
    const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";
    const viewed = await call("/feeds/city/almaty.rss", { headers: { accept: browserAccept } });
    expect(viewed.headers.get("content-type")).toBe("application/xml; charset=utf-8");
    expect(viewed.headers.get("vary")).toBe("Accept");
    const body = await viewed.text();
    expect(body).toContain('<?xml-stylesheet type="text/xsl"');
    for (const accept of ["application/rss+xml, text/html;q=0.5", "*/*", "application/atom+xml,application/rdf+xml,application/rss+xml,application/xml;q=0.9,text/xml;q=0.2,*/*;q=0.1"]) {
      const read = await call("/feeds/city/almaty.rss", { headers: { accept } });
      expect(read.headers.get("content-type"), accept).toBe("application/rss+xml; charset=utf-8");
      expect(await read.text()).toBe(body);
    }
    const json = await call("/feeds/city/almaty.json", { headers: { accept: browserAccept } });
    expect(json.headers.get("content-type")).toBe("application/feed+json; charset=utf-8");
  });
});
