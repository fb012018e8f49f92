/**
 * Upstream sources and the cron, end to end: feeds served by a loopback HTTP server are
 * registered through POST /api/sources, the cron handler runs through wrangler's
 * /__scheduled?cron=..., and the items come out of tagfeed's own feeds. One broken source does
 * not stop the others; a second refresh is a conditional GET answered 304 and duplicates nothing.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { tagNamed } from "./support/api";
import { e2e, e2eDescribe } from "./support/context";
import { feedparser } from "./support/feedparser";
import { FORMATS, get, readPage } from "./support/feeds";
import { sleep } from "./support/processes";
import { encodeWindows1251, startUpstreamServer, type UpstreamServer } from "./support/upstream-server";

const TAG = { type: "topic", name: "E2E Upstream" };

function rss2(): string {
  return `<?xml version="1.0" encoding="windows-1251"?>
<rss version="2.0"><channel><title>Лента в windows-1251</title><link>https://upstream.example.kz/</link><description>Тест</description>
<item><title>Новость первая — «кавычки»</title><link>https://upstream.example.kz/news/1</link><guid>https://upstream.example.kz/news/1</guid>
<pubDate>Mon, 04 Mar 2024 10:00:00 +0600</pubDate><description>&lt;p&gt;Текст первой новости.&lt;/p&gt;</description><category>Алматы</category></item>
<item><title>Новость вторая</title><link>https://upstream.example.kz/news/2</link><guid>https://upstream.example.kz/news/2</guid>
<pubDate>Mon, 04 Mar 2024 09:00:00 +0600</pubDate><description>Текст второй новости.</description></item>
</channel></rss>`;
}

const RDF = `<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://rdf.example.org/"><title>RDF feed</title><link>https://rdf.example.org/</link><description>RSS 1.0</description>
<items><rdf:Seq><rdf:li rdf:resource="https://rdf.example.org/a"/></rdf:Seq></items></channel>
<item rdf:about="https://rdf.example.org/a"><title>RDF item A</title><link>https://rdf.example.org/a</link><description>Item A text.</description><dc:date>2024-03-04T08:00:00Z</dc:date><dc:creator>RDF Author</dc:creator></item>
</rdf:RDF>`;

const ATOM = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom upstream</title><id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id><updated>2024-03-04T07:00:00Z</updated>
<link href="https://atom.example.org/"/><author><name>Atom Author</name></author>
<entry><title>Atom entry one</title><id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id><link href="https://atom.example.org/1"/><updated>2024-03-04T07:00:00Z</updated><content type="html">&lt;p&gt;Atom &lt;b&gt;one&lt;/b&gt;.&lt;/p&gt;</content><category term="AMANAT"/></entry>
</feed>`;

const JSON_FEED = JSON.stringify({
  version: "https://jsonfeed.org/version/1.1",
  title: "JSON upstream",
  home_page_url: "https://json.example.org/",
  items: [{ id: "j1", url: "https://json.example.org/1", title: "JSON item one", content_html: "<p>JSON one.</p>", date_published: "2024-03-04T06:00:00Z", tags: ["e2e json tag"] }],
});

const EXPECTED_TITLES = ["Новость первая — «кавычки»", "Новость вторая", "RDF item A", "Atom entry one", "JSON item one"];

e2eDescribe("upstream sources and the cron", () => {
  const { baseUrl, adminToken } = e2e();
  let upstream: UpstreamServer;
  const admin = { authorization: `Bearer ${adminToken}`, "content-type": "application/json" };
  const sourceIds: Record<string, string> = {};

  beforeAll(async () => {
    upstream = await startUpstreamServer({
      "/rss2.xml": { contentType: "application/rss+xml; charset=windows-1251", body: encodeWindows1251(rss2()) },
      "/rdf.xml": { contentType: "application/rdf+xml", body: Buffer.from(RDF) },
      "/atom.xml": { contentType: "application/atom+xml", body: Buffer.from(ATOM) },
      "/feed.json": { contentType: "application/feed+json", body: Buffer.from(JSON_FEED) },
      // "/broken.xml" is not served: 500 every time.
    });
  });
  afterAll(async () => {
    await upstream?.close();
  });

  it("registers loopback sources (allowed by ALLOW_PRIVATE_SOURCES=true)", async () => {
    for (const path of ["/rss2.xml", "/rdf.xml", "/atom.xml", "/feed.json", "/broken.xml"]) {
      const response = await fetch(`${baseUrl}/api/sources`, {
        method: "POST",
        headers: admin,
        body: JSON.stringify({ url: `${upstream.url}${path}`, name: `e2e ${path}`, tags: [TAG], interval_minutes: 5 }),
      });
      const body = (await response.json()) as { id: string };
      expect([path, response.status]).toEqual([path, 201]);
      sourceIds[path] = body.id;
    }
  });

  it("the cron refreshes every due source; the items appear in tagfeed's feeds; the broken one is reported", async () => {
    const cron = await fetch(`${baseUrl}/__scheduled?cron=${encodeURIComponent("*/10 * * * *")}`);
    expect(cron.status).toBe(200);
    // The tick sends the due sources to the refresh queue; wrangler dev's local consumer refreshes
    // each in its own invocation a moment later, and saving its state releases its claim.
    type Listed = { sources: { id: string; last_status?: number | string; last_error?: string; items_seen: number; claim?: unknown }[] };
    let listed: Listed = { sources: [] };
    for (const started = Date.now(); Date.now() - started < 30_000; await sleep(250)) {
      listed = (await (await fetch(`${baseUrl}/api/sources`, { headers: admin })).json()) as Listed;
      if (listed.sources.length > 0 && listed.sources.every((s) => s.last_status !== undefined && s.claim === undefined)) break;
    }
    expect(upstream.requests.filter((r) => r.status === 200).map((r) => r.path).sort()).toEqual(["/atom.xml", "/feed.json", "/rdf.xml", "/rss2.xml"]);
    const state = (path: string) => listed.sources.find((s) => s.id === sourceIds[path]);
    for (const path of ["/rss2.xml", "/rdf.xml", "/atom.xml", "/feed.json"]) expect([path, state(path)?.last_status]).toEqual([path, 200]);
    expect(state("/broken.xml")?.last_error).toBeTruthy();

    const tag = await tagNamed(baseUrl, TAG.type, TAG.name);
    for (const format of FORMATS) {
      const page = await get(tag.feeds[format]);
      expect(page.status).toBe(200);
      expect(readPage(format, page.body).ids).toHaveLength(EXPECTED_TITLES.length);
    }
    const [rss, atom] = await feedparser([tag.feeds.rss, tag.feeds.atom]);
    for (const feed of [rss!, atom!]) {
      expect(feed.bozo).toBe(false);
      expect(feed.entries.map((e) => e.title).sort()).toEqual([...EXPECTED_TITLES].sort());
    }
    // Upstream categories went through the taxonomy: "Алматы" is the city tag.
    const almaty = await get(`${baseUrl}/feeds/city/almaty.json`);
    expect(almaty.body).toContain("Новость первая — «кавычки»");
  });

  it("refreshing again sends the upstream's validators, gets 304 and duplicates nothing", async () => {
    const before = upstream.requests.length;
    const response = await fetch(`${baseUrl}/api/sources/${sourceIds["/atom.xml"]}/refresh`, { method: "POST", headers: admin });
    expect(response.status).toBe(200);
    const request = upstream.requests.slice(before).find((r) => r.path === "/atom.xml");
    expect(request?.ifNoneMatch ?? request?.ifModifiedSince).toBeTruthy();
    expect(request?.status).toBe(304);
    const tag = await tagNamed(baseUrl, TAG.type, TAG.name);
    expect(readPage("json", (await get(tag.feeds.json)).body).ids).toHaveLength(EXPECTED_TITLES.length);
  });
});
