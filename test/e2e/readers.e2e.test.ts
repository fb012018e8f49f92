/**
 * Real feed readers subscribe over HTTP and must see every item intact:
 * - newsboat 2.21 (Debian): reload, then its cache database (rss_item) compared field by field
 *   with the stored articles; nothing in its error log. newsboat 2.21 reads RSS and Atom; it has
 *   no JSON Feed support (it reports "XML root node is NULL"), so JSON Feed is not given to it.
 * - Universal Feed Parser 6.0 (Debian's python3-feedparser): RSS and Atom, bozo 0, titles, links,
 *   ids, dates, authors, tags (term + scheme), enclosures, content, conditional GET and redirects.
 *   feedparser 6.0 predates JSON Feed support, so JSON Feed is read here as a JSON Feed reader
 *   would read it (every field mapped back to the stored article) and validated by schema in
 *   validators.e2e.test.ts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { articleLink, getArticle, type ListedTag, type StoredArticle, tagNamed } from "./support/api";
import { e2e, e2eDescribe } from "./support/context";
import { feedparser, type ParsedEntry, type ParsedFeed } from "./support/feedparser";
import { get, itemId } from "./support/feeds";
import { newsboatReload } from "./support/newsboat";
import { serverAnswers } from "./support/server-log";
import { submitSigned } from "./support/webhook";
import { HOSTILE_TAG, PAGING_COUNT, PAGING_TAG, SEED_ID } from "./support/seed";

const HOSTILE_IDS = ["e2e-hostile-mixed", "e2e-hostile-rtl", "e2e-hostile-text"];
const escapeText = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const epoch = (iso: string): number => Math.floor(Date.parse(iso) / 1000);
/** Text of an HTML fragment, entities decoded enough to compare wording. */
const textOf = (html: string): string =>
  html.replace(/<[^>]*>/g, " ").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&").replace(/\s+/g, " ").trim();

e2eDescribe("feed readers", () => {
  const { baseUrl, workDir, artifactsDir, webhookSecret } = e2e();
  const stored = new Map<string, StoredArticle>();
  let hostileTag: ListedTag;
  let pagingTag: ListedTag;

  beforeAll(async () => {
    hostileTag = await tagNamed(baseUrl, HOSTILE_TAG.type, HOSTILE_TAG.name);
    pagingTag = await tagNamed(baseUrl, PAGING_TAG.type, PAGING_TAG.name);
    const ids = [SEED_ID, ...HOSTILE_IDS, ...Array.from({ length: PAGING_COUNT }, (_, i) => `e2e-page-${String(i).padStart(3, "0")}`)];
    for (const id of ids) stored.set(id, await getArticle(baseUrl, id));
  });

  const article = (guid: string): StoredArticle => {
    const found = stored.get(guid.replace(/^urn:tagfeed:article:/, ""));
    if (!found) throw new Error(`unexpected item ${guid}`);
    return found;
  };

  it("newsboat reads every item of RSS and Atom feeds intact, with nothing in its error log", async () => {
    const cases = [
      { name: "almaty-rss", url: `${baseUrl}/feeds/city/almaty.rss`, ids: [SEED_ID] },
      { name: "almaty-atom", url: `${baseUrl}/feeds/city/almaty.atom`, ids: [SEED_ID] },
      { name: "hostile-rss", url: hostileTag.feeds.rss, ids: HOSTILE_IDS },
      { name: "hostile-atom", url: hostileTag.feeds.atom, ids: HOSTILE_IDS },
      { name: "paging-rss", url: `${pagingTag.feeds.rss}?limit=200`, ids: [...stored.keys()].filter((id) => id.startsWith("e2e-page-")) },
      { name: "paging-atom", url: `${pagingTag.feeds.atom}?limit=200`, ids: [...stored.keys()].filter((id) => id.startsWith("e2e-page-")) },
    ];
    for (const { name, url, ids } of cases) {
      const result = await newsboatReload(workDir, artifactsDir, name, [url]);
      const where = `newsboat ${name} (${url}; logs in e2e-artifacts/newsboat-${name}-*)`;
      expect(result.exitCode, `${where}: ${result.stderr}`).toBe(0);
      expect(result.errorLog, where).toBe("");
      expect(result.log, where).not.toMatch(/ERROR|CRITICAL|USERERROR/);
      expect(result.feeds.map((f) => f.rssurl), where).toEqual([url]);
      expect(result.feeds[0]!.title, where).toMatch(/ — tagfeed$/);
      expect(result.items.map((i) => i.guid).sort(), where).toEqual(ids.map(itemId).sort());
      for (const item of result.items) {
        const a = article(item.guid);
        expect(item.title, `${where}: title of ${a.id}`).toBe(a.title);
        expect(item.url, `${where}: link of ${a.id}`).toBe(articleLink(baseUrl, a));
        expect(item.pubDate, `${where}: date of ${a.id}`).toBe(epoch(a.published));
        expect(item.feedurl).toBe(url);
        if (a.content_html !== undefined) expect(item.content, `${where}: content of ${a.id}`).toBe(a.content_html);
        // Plain-text content: Atom carries it as type="text" (newsboat keeps it verbatim); RSS
        // only has HTML, so it arrives escaped with its words intact.
        else if (url.includes(".atom")) expect(item.content, `${where}: text of ${a.id}`).toBe(a.content_text);
        else expect(textOf(item.content), `${where}: text of ${a.id}`).toBe(textOf(escapeText(a.content_text ?? "")));
        // newsboat joins Atom authors with ", " and keeps the last of several RSS dc:creator.
        const names = (a.authors ?? []).map((p) => p.name);
        expect(item.author, `${where}: author of ${a.id}`).toBe(url.includes(".atom") ? names.join(", ") : (names.at(-1) ?? ""));
        const enclosure = a.enclosures?.[0];
        if (enclosure) expect([item.enclosure_url, item.enclosure_type], where).toEqual([enclosure.url, enclosure.type]);
      }
    }
  });

  it("newsboat keeps the feed's validators and its next poll is answered 304 Not Modified", async () => {
    // A tag of its own, so the server's log lines for its feed are this test's alone.
    const id = "e2e-newsboat-conditional";
    const answer = await submitSigned(baseUrl, webhookSecret, {
      id, title: "Условный запрос", content_html: "<p>Тело.</p>", published: "2024-02-01T00:00:00Z", tags: [{ type: "topic", name: "E2E Newsboat Conditional" }],
    });
    expect(answer.status).toBe(201);
    const tag = await tagNamed(baseUrl, "topic", "E2E Newsboat Conditional");
    // newsboat 2.21 stores ETag/Last-Modified from its second fetch on (the first comes before
    // the feed's cache row exists), so the third reload is the first conditional one.
    const result = await newsboatReload(workDir, artifactsDir, "conditional", [tag.feeds.rss], { reloads: 3 });
    expect(result.errorLog).toBe("");
    const served = await get(tag.feeds.rss);
    expect(result.feeds[0]!.etag).toBe(served.headers.get("etag"));
    expect(result.feeds[0]!.lastmodified).toBe(epoch(served.headers.get("last-modified")!));
    expect(result.items.map((i) => i.guid)).toEqual([itemId(id)]);
    // The three reloads and this test's own fetch, as the Worker answered them.
    expect(await serverAnswers(workDir, new URL(tag.feeds.rss).pathname, 4)).toEqual([200, 200, 304, 200]);
  });

  it("newsboat follows a redirect from an alias tag URL to the canonical feed", async () => {
    const alias = `${baseUrl}/feeds/party/${encodeURIComponent("Нур Отан")}.rss`;
    const result = await newsboatReload(workDir, artifactsDir, "alias-rss", [alias]);
    expect(result.errorLog).toBe("");
    expect(result.items.map((i) => i.guid)).toContain(itemId(SEED_ID));
    expect(result.feeds[0]!.title).toBe("AMANAT — tagfeed");
  });

  it("newsboat and feedparser read a combination feed (AND of two tags), reached through its 301 from another order", async () => {
    const canonical = `${baseUrl}/feeds/city/almaty+party/amanat`;
    for (const format of ["rss", "atom"] as const) {
      const result = await newsboatReload(workDir, artifactsDir, `combination-${format}`, [`${canonical}.${format}`]);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.errorLog).toBe("");
      expect(result.items.map((i) => i.guid)).toContain(itemId(SEED_ID));
      expect(result.feeds[0]!.title).toBe("Алматы + AMANAT — tagfeed");
      const [parsed] = await feedparser([`${baseUrl}/feeds/party/amanat+city/${encodeURIComponent("Алматы")}.${format}`]);
      expect(parsed!.status).toBe(301);
      expect(parsed!.href).toBe(`${canonical}.${format}`);
      expect(parsed!.bozo).toBe(false);
      expect(parsed!.entries.map((e) => e.id)).toContain(itemId(SEED_ID));
    }
  });

  it("newsboat and feedparser read an archive chain (RFC 5005 §4) from the current feed back to the oldest archive", async () => {
    // The cron seals the archives (ARCHIVE_SIZE=20 in this Worker's environment, global-setup.ts),
    // at most 20 documents a tick across every feed: other files' articles fill other feeds too,
    // so it runs until this feed's newest archive is the fifth (120 articles, at least 20 current).
    for (let tick = 0; tick < 30; tick++) {
      expect((await fetch(`${baseUrl}/__scheduled?cron=${encodeURIComponent("*/10 * * * *")}`)).status).toBe(200);
      const body = await (await fetch(pagingTag.feeds.atom)).text();
      if (body.includes("/archive/5.atom")) break;
    }
    const pagingIds = [...stored.keys()].filter((id) => id.startsWith("e2e-page-"));
    for (const format of ["rss", "atom"] as const) {
      const current = pagingTag.feeds[format];
      const [head] = await feedparser([current]);
      expect(head!.bozo, `${current}: ${head!.bozo_exception}`).toBe(false);
      const seen = new Set(head!.entries.map((e) => e.id));
      const chain: string[] = [];
      const inArchives: string[] = [];
      for (let url = head!.feed.links.find((l) => l.rel === "prev-archive")?.href; url !== undefined; ) {
        expect(chain.length, "the chain ends").toBeLessThan(20);
        chain.push(url);
        const [archive] = await feedparser([url]);
        expect(archive!.status, url).toBe(200);
        expect(archive!.bozo, `${url}: ${archive!.bozo_exception}`).toBe(false);
        expect(archive!.feed.links.find((l) => l.rel === "current")?.href, url).toBe(current);
        expect(archive!.entries.length, url).toBeGreaterThan(0);
        for (const entry of archive!.entries) {
          expect(entry.title, `${url}: ${entry.id}`).toBe(article(entry.id ?? "").title);
          inArchives.push(entry.id ?? "");
          seen.add(entry.id);
        }
        url = archive!.feed.links.find((l) => l.rel === "prev-archive")?.href;
      }
      // 120 articles, archives of 20, at least 20 kept current: 5 archives, 1 the oldest.
      expect(chain).toHaveLength(5);
      expect(chain.at(-1)).toBe(`${current.replace(/\.(rss|atom)$/, "")}/archive/1.${format}`);
      expect(new Set(inArchives).size, "no entry in two archives").toBe(inArchives.length);
      expect([...seen].sort()).toEqual(pagingIds.map(itemId).sort());

      // newsboat subscribed to every archive gets exactly their entries, nothing in its error log.
      const result = await newsboatReload(workDir, artifactsDir, `archives-${format}`, chain);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.errorLog).toBe("");
      expect(result.items.map((i) => i.guid).sort()).toEqual([...inArchives].sort());
      for (const item of result.items) expect(item.title, item.guid).toBe(article(item.guid).title);
    }
  });

  describe("Universal Feed Parser", () => {
    let parsed: ParsedFeed[];
    const urls = (): string[] => [
      `${baseUrl}/feeds/city/almaty.rss`,
      `${baseUrl}/feeds/city/almaty.atom`,
      hostileTag.feeds.rss,
      hostileTag.feeds.atom,
      `${pagingTag.feeds.rss}?limit=200`,
      `${pagingTag.feeds.atom}?limit=200`,
      `${baseUrl}/feeds/all.rss`,
      `${baseUrl}/feeds/all.atom`,
    ];

    it("feedparser parses every RSS and Atom feed without complaint (bozo 0) and revalidates with 304", async () => {
      parsed = await feedparser(urls(), { conditional: true });
      for (const feed of parsed) {
        expect({ url: feed.url, status: feed.status, bozo: feed.bozo, exception: feed.bozo_exception }).toEqual({ url: feed.url, status: 200, bozo: false, exception: null });
        expect(feed.version, feed.url).toBe(feed.url.includes(".rss") ? "rss20" : "atom10");
        expect(feed.headers["content-type"], feed.url).toMatch(/^application\/(rss|atom)\+xml; charset=utf-8$/);
        // A second poll sends If-None-Match / If-Modified-Since and gets 304 with no entries.
        expect([feed.conditional_status, feed.conditional_entries], feed.url).toEqual([304, 0]);
        expect(feed.entries.length, feed.url).toBeGreaterThan(0);
      }
      const counts = Object.fromEntries(parsed.map((f) => [f.url.replace(baseUrl, ""), f.entries.length]));
      expect(counts[`${pagingTag.feeds.rss.replace(baseUrl, "")}?limit=200`]).toBe(PAGING_COUNT);
      expect(counts[hostileTag.feeds.atom.replace(baseUrl, "")]).toBe(3);
      expect(counts["/feeds/all.rss"]).toBe(50);
    });

    it("feedparser maps titles, links, ids, dates, authors, tags, enclosures and content", () => {
      expect(parsed, "the previous test parsed the feeds").toBeDefined();
      for (const feed of parsed) {
        const isAtom = feed.version === "atom10";
        for (const entry of feed.entries) {
          const where = `${feed.url} ${entry.id}`;
          if (!entry.id?.startsWith("urn:tagfeed:article:") || !stored.has(entry.id.slice(20))) continue;
          const a = article(entry.id);
          expect(entry.title, where).toBe(a.title);
          expect(entry.link, where).toBe(articleLink(baseUrl, a));
          expect(entry.published, where).toBe(epoch(a.published));
          if (isAtom) expect(entry.updated, where).toBe(epoch(a.updated ?? a.published));
          expect(entry.authors.map((p) => p.name), where).toEqual((a.authors ?? []).map((p) => p.name));
          checkTags(entry, a, isAtom, where);
          expect(entry.enclosures.map((e) => [e.href, e.type, e.length]), where).toEqual(
            (a.enclosures ?? []).map((e) => [e.url, e.type, String(e.length ?? 0)]),
          );
          const content = entry.content[0];
          if (a.content_html !== undefined) {
            expect(content?.type, where).toBe("text/html");
            expect(textOf(content?.value ?? ""), where).toBe(textOf(a.content_html));
            expect(content?.value, where).not.toMatch(/<script|javascript:/i);
          } else if (content?.type === "text/plain") {
            // Plain text stays plain text (Atom type="text"): "<script>" in it is words, not markup.
            expect(content.value, where).toBe(a.content_text);
          } else {
            // RSS has only HTML: the text arrives escaped, its words intact.
            expect(content?.type, where).toBe("text/html");
            expect(textOf(content?.value ?? ""), where).toBe(textOf(escapeText(a.content_text ?? "")));
            expect(content?.value, where).not.toMatch(/<script/i);
          }
        }
      }
      const hostile = parsed.find((f) => f.url === hostileTag.feeds.rss)!.entries.find((e) => e.id === itemId("e2e-hostile-mixed"))!;
      expect(hostile.title).toContain('<script>alert("t")</script> ]]> &');
      expect(hostile.title).toContain("🇰🇿 👩‍💻 👍🏽 עברית العربية");
      expect(hostile.source).toMatchObject({ title: "Example News <KZ> & Co", href: "https://news.example.kz/" });
    });

    it("feedparser follows a Cyrillic tag URL's 301 to the canonical feed", async () => {
      const [redirected] = await feedparser([`${baseUrl}/feeds/city/${encodeURIComponent("Алматы")}.atom`]);
      expect(redirected!.status).toBe(301);
      expect(redirected!.href).toBe(`${baseUrl}/feeds/city/almaty.atom`);
      expect(redirected!.bozo).toBe(false);
      expect(redirected!.entries.map((e) => e.id)).toContain(itemId(SEED_ID));
    });
  });

  function checkTags(entry: ParsedEntry, a: StoredArticle, isAtom: boolean, where: string): void {
    // RSS: <category domain="{origin}/tags/{type}">{name}</category>; Atom: term = name,
    // label = name, scheme = {origin}/tags/{type}. The stored article carries every tag it has.
    const expected = a.tags.map((t) => (isAtom ? { term: t.name, label: t.name, scheme: `${baseUrl}/tags/${t.type}` } : { term: t.name, scheme: `${baseUrl}/tags/${t.type}` }));
    const actual = entry.tags.map((t) => (isAtom ? { term: t.term, label: t.label, scheme: t.scheme } : { term: t.term, scheme: t.scheme }));
    expect(actual, where).toEqual(expected);
  }

  it("a JSON Feed reader gets every field of the stored articles (feedparser 6.0 has no JSON Feed support)", async () => {
    for (const url of [hostileTag.feeds.json, `${baseUrl}/feeds/city/almaty.json`, `${pagingTag.feeds.json}?limit=200`]) {
      const feed = JSON.parse((await get(url)).body) as {
        items: {
          id: string; url: string; title: string; content_html?: string; content_text?: string; summary?: string; image?: string;
          date_published: string; date_modified?: string; authors?: { name: string; url?: string }[]; tags?: string[]; language?: string;
          attachments?: { url: string; mime_type: string; size_in_bytes?: number }[];
        }[];
      };
      expect(feed.items.length, url).toBeGreaterThan(0);
      for (const item of feed.items) {
        const a = article(item.id);
        expect(item.url).toBe(articleLink(baseUrl, a));
        expect(item.title).toBe(a.title);
        if (a.content_html !== undefined) expect(item.content_html).toBe(a.content_html);
        else expect(item.content_text).toBe(a.content_text);
        if (a.summary !== undefined) expect(item.summary).toBe(a.summary);
        expect(Date.parse(item.date_published)).toBe(Date.parse(a.published));
        if (a.updated !== undefined) expect(Date.parse(item.date_modified ?? "")).toBe(Date.parse(a.updated));
        expect(item.authors ?? []).toEqual(a.authors ?? []);
        expect(item.tags ?? []).toEqual([...new Set(a.tags.map((t) => t.name))]);
        expect(item.attachments ?? []).toEqual((a.enclosures ?? []).map((e) => ({ url: e.url, mime_type: e.type, ...(e.length !== undefined && { size_in_bytes: e.length }) })));
        if (a.image !== undefined) expect(item.image).toBe(a.image);
        if (a.language !== undefined) expect(item.language).toBe(a.language);
      }
    }
  });
});
