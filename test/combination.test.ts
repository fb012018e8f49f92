import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { app } from "../src/app";
import { SCAN_READS } from "../src/feeds/combination";
import { call, fixtures, json, makeArticle, submit, uniqueId } from "./helpers";

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", isArray: (name) => ["item", "entry", "link", "atom:link"].includes(name) });

/** A fresh topic tag, so each test owns its feeds. */
function topic(): { name: string; slug: string } {
  const name = uniqueId("Тема");
  return { name, slug: name.toLowerCase().replace("тема", "tema") };
}

const at = (minute: number) => new Date(Date.UTC(2024, 0, 1, 0, minute)).toISOString();

async function submitAll(articles: Record<string, unknown>[]) {
  for (let i = 0; i < articles.length; i += 100) expect((await submit(articles.slice(i, i + 100))).status).toBe(201);
}

async function counted(path: string, host = "http://tagfeed.test") {
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(`${host}${path}`), { ...env, KV_COUNT: "true" }, ctx);
  await waitOnExecutionContext(ctx);
  const kv = Object.fromEntries((response.headers.get("x-tagfeed-kv") ?? "").split(",").map((p) => p.split("=")).map(([k, v]) => [k, Number(v)]));
  return { response, kv: kv as Record<"reads" | "bulk_reads" | "lists" | "writes" | "deletes", number> };
}

describe("unknown query parameters", () => {
  it("answer 400 naming each of them, on tag, global and combination feeds", async () => {
    await submit(fixtures.seed());
    for (const path of ["/feeds/city/almaty.rss?q=метро", "/feeds/all.json?tag=x&limit=5", "/feeds/city/almaty+party/amanat.atom?q=1&page=2"]) {
      const response = await call(path);
      expect(response.status, path).toBe(400);
      const body = await json(response);
      expect(body.error.code).toBe("invalid_query");
      const named = body.error.fields.map((f: { path: string }) => f.path);
      expect(named.length, path).toBeGreaterThan(0);
      for (const name of named) expect(["query:q", "query:tag", "query:page"]).toContain(name);
    }
    expect((await call("/feeds/city/almaty.rss?limit=5")).status).toBe(200);
  });
});

describe("combination feeds", () => {
  it("serve the articles holding every tag, newest first, valid in all three formats", async () => {
    const a = topic();
    const b = topic();
    const both = Array.from({ length: 3 }, (_, i) =>
      makeArticle({ title: `Обе ${i}`, published: at(i * 2), tags: [{ type: "topic", name: a.name }, { type: "topic", name: b.name }] }),
    );
    const onlyA = Array.from({ length: 4 }, (_, i) => makeArticle({ title: `Только A ${i}`, published: at(i * 2 + 1), tags: [{ type: "topic", name: a.name }] }));
    const onlyB = [makeArticle({ title: "Только B", published: at(10), tags: [{ type: "topic", name: b.name }] })];
    await submitAll([...both, ...onlyA, ...onlyB]);
    const [first, second] = [a.slug, b.slug].sort();
    const path = `/feeds/topic/${first}+topic/${second}`;

    const feed = await json(await call(`${path}.json`));
    expect(feed.items.map((i: { title: string }) => i.title)).toEqual(["Обе 2", "Обе 1", "Обе 0"]);
    expect(feed.feed_url).toBe(`http://tagfeed.test${path}.json`);
    expect(feed.title).toContain(" + ");

    const rss = await (await call(`${path}.rss`)).text();
    expect(XMLValidator.validate(rss)).toBe(true);
    expect(xml.parse(rss).rss.channel.item).toHaveLength(3);
    const atom = await (await call(`${path}.atom`)).text();
    expect(XMLValidator.validate(atom)).toBe(true);
    const parsed = xml.parse(atom).feed;
    expect(parsed.entry).toHaveLength(3);
    expect(parsed.id).toBe(`urn:tagfeed:feed:topic:${first}+topic:${second}`);
  });

  it("answer 301 from any other order or spelling to the canonical path, keeping the query", async () => {
    await submit(fixtures.seed());
    const canonical = "http://tagfeed.test/feeds/city/almaty+party/amanat";
    const cases: [string, string][] = [
      ["/feeds/party/amanat+city/almaty.rss", `${canonical}.rss`],
      [`/feeds/party/${encodeURIComponent("Аманат")}+city/${encodeURIComponent("Алматы")}.atom?limit=5`, `${canonical}.atom?limit=5`],
      ["/feeds/City/ALMATY+party/Amanat.json", `${canonical}.json`],
      ["/feeds/city/almaty+city/almaty.rss", "http://tagfeed.test/feeds/city/almaty.rss"],
    ];
    for (const [from, to] of cases) {
      const response = await call(from, { redirect: "manual" });
      expect(response.status, from).toBe(301);
      expect(response.headers.get("location"), from).toBe(to);
    }
    const served = await call("/feeds/city/almaty+party/amanat.rss");
    expect(served.status).toBe(200);
    expect(await served.text()).toContain("seed-amanat-platform-2022-08-27");
    const page = await (await call("/tags/party/amanat", { headers: { "accept-language": "en" } })).text();
    expect(page).toContain("Narrower feeds");
    expect(page).toContain("AMANAT in Алматы");
    const ru = await (await call("/tags/party/amanat", { headers: { "accept-language": "ru" } })).text();
    expect(ru).toContain("Ленты уже");
    expect(ru).toContain("AMANAT (Алматы)");
    expect(ru).not.toContain("Narrower feeds");
    expect(page).toContain('href="http://tagfeed.test/feeds/city/almaty+party/amanat.rss"');
  });

  it("answer 404 for unknown tags and for more than three tags", async () => {
    await submit(fixtures.seed());
    expect((await call("/feeds/city/almaty+city/atlantis.rss")).status).toBe(404);
    expect((await call("/feeds/city/almaty+party/amanat+topic/a+topic/b.rss")).status).toBe(404);
    expect((await call("/feeds/city/almaty+party.rss")).status).toBe(404);
    expect((await call("/feeds/city/almaty+party/amanat.xml")).status).toBe(404);
  });

  it("have a tag feed's HTTP semantics: ETag, Last-Modified, 304, HEAD, CORS", async () => {
    await submit(fixtures.seed());
    const path = "/feeds/city/almaty+party/amanat.atom";
    const first = await call(path);
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get("access-control-allow-origin")).toBe("*");
    expect(first.headers.get("cache-control")).toMatch(/max-age=/);
    expect((await call(path, { headers: { "if-none-match": etag } })).status).toBe(304);
    expect((await call(path, { headers: { "if-modified-since": first.headers.get("last-modified")! } })).status).toBe(304);
    const head = await call(path, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("etag")).toBe(etag);
    expect(await head.text()).toBe("");
  });

  it("change when any of their tags changes", async () => {
    const a = topic();
    const b = topic();
    const tags = [{ type: "topic", name: a.name }, { type: "topic", name: b.name }];
    await submit(makeArticle({ tags, published: at(1) }));
    const path = `/feeds/topic/${[a.slug, b.slug].sort().join("+topic/")}.json`;
    const before = await call(path);
    expect((await json(before)).items).toHaveLength(1);
    await submit(makeArticle({ tags, published: at(2), title: "Новая" }));
    const after = await call(path, { headers: { "if-none-match": before.headers.get("etag")! } });
    expect(after.status).toBe(200);
    expect((await json(after)).items[0].title).toBe("Новая");
  });

  it("page with next links, three tags deep, never skipping or repeating", async () => {
    const [a, b, c] = [topic(), topic(), topic()];
    const all3 = [a, b, c].map((t) => ({ type: "topic", name: t.name }));
    const articles = Array.from({ length: 25 }, (_, i) => makeArticle({ title: `Все ${i}`, published: at(i), tags: i % 5 === 0 ? all3.slice(0, 2) : all3 }));
    await submitAll(articles);
    const slugs = [a.slug, b.slug, c.slug].sort();
    let next: string | undefined = `/feeds/topic/${slugs.join("+topic/")}.json?limit=7`;
    const seen: string[] = [];
    while (next) {
      const page: { items: { title: string }[]; next_url?: string } = await json(await call(next));
      seen.push(...page.items.map((i: { title: string }) => i.title));
      next = page.next_url ? new URL(page.next_url).pathname + new URL(page.next_url).search : undefined;
    }
    const expected = articles.filter((_, i) => i % 5 !== 0).map((x) => x.title).reverse();
    expect(seen).toEqual(expected);
  });

  it("stop a page early within the scan budget, say so, and continue from the next link", async () => {
    const small = topic();
    const big = topic();
    // The sparser tag drives the scan: its newest candidates lack the other tag, so a page cannot
    // fill within the budget of SCAN_READS bulk reads.
    const lacking = SCAN_READS * 100 + 50;
    const smallOnly = Array.from({ length: lacking }, (_, i) => makeArticle({ published: at(1000 + i), tags: [{ type: "topic", name: small.name }] }));
    const bigOnly = Array.from({ length: lacking + 200 }, (_, i) => makeArticle({ published: at(i), tags: [{ type: "topic", name: big.name }] }));
    const match = makeArticle({ title: "Совпадение", published: at(500), tags: [{ type: "topic", name: small.name }, { type: "topic", name: big.name }] });
    await submitAll([...smallOnly, ...bigOnly, match]);
    const path = `/feeds/topic/${[small.slug, big.slug].sort().join("+topic/")}.atom`;
    const first = await counted(path);
    const text = await first.response.text();
    const feed = xml.parse(text).feed;
    expect(feed.entry ?? []).toHaveLength(0);
    expect(feed.subtitle["#text"]).toContain("stopped early");
    const next = (feed.link as { "@rel": string; "@href": string }[]).find((l) => l["@rel"] === "next")?.["@href"];
    expect(next).toMatch(/after=/);
    // Bounded: two probe lists, the driver's scan, SCAN_READS bulk reads of candidates and one of versions.
    expect(first.kv.bulk_reads).toBeLessThanOrEqual(SCAN_READS + 1);
    expect(first.kv.lists).toBeLessThanOrEqual(2 + 4);
    const second = xml.parse(await (await call(new URL(next!).pathname + new URL(next!).search)).text()).feed;
    expect(second.entry.map((e: { title: { "#text": string } }) => e.title["#text"])).toEqual(["Совпадение"]);
  }, 120_000);
});

describe("snapshots shared across formats and hosts", () => {
  it("one change of a feed costs at most one snapshot write, whatever formats and Host headers readers use", async () => {
    const t = topic();
    await submitAll(Array.from({ length: 3 }, (_, i) => makeArticle({ published: at(i), tags: [{ type: "topic", name: t.name }] })));
    const snapshots = async () => (await env.KV.list({ prefix: `snap:t/topic/${t.slug}:` })).keys.length;
    const path = `/feeds/topic/${t.slug}`;
    for (const format of ["rss", "atom", "json"]) {
      for (const host of ["http://tagfeed.test", "http://evil.example", "http://other.example:8080"]) {
        const ctx = createExecutionContext();
        const response = await app.fetch(new Request(`${host}${path}.${format}`), env, ctx);
        expect(response.status).toBe(200);
        const body = await response.text();
        // Self links name the host asked (PUBLIC_ORIGIN is empty here), though the snapshot is shared.
        expect(body).toContain(`${host}${path}.${format}`);
        // Deferred writes (waitUntil) land here.
        await waitOnExecutionContext(ctx);
      }
    }
    expect(await snapshots()).toBe(1);
  });
});
