// Pure-module benchmarks, in one Node process started by run.mjs with --expose-gc:
//   node --expose-gc bench/micro.mjs <build.json> <out.json>
// Render (RSS, Atom, JSON Feed) against feed, rss and fast-xml-parser's XMLBuilder; ingest CPU of one
// webhook article; upstream parsing against rss-parser, @extractus/feed-extractor and feedparser;
// and the Hono app in-process over an in-memory KV, for KV operations per request by layer.
import { readFileSync, writeFileSync } from "node:fs";
import { XMLBuilder } from "fast-xml-parser";
import { Feed } from "feed";
import RSS from "rss";
import RssParser from "rss-parser";
import { extractFromXml } from "@extractus/feed-extractor";
import { feedparserParse } from "./peers.mjs";
import { compare } from "./harness.mjs";
import { makeArticles, makeUpstreamRss, webhookInput } from "./inputs.mjs";
import { MemoryKV } from "./memory-kv.mjs";

const [buildFile, outFile] = process.argv.slice(2);
const built = JSON.parse(readFileSync(buildFile, "utf8"));
const QUICK = process.env.BENCH_QUICK === "1";
const BUDGET = QUICK ? 600 : 5000;
const ROUNDS = QUICK ? 2 : 5;
const only = process.env.BENCH_ONLY?.split(",");
const want = (suite) => !only || only.includes(suite);

const core = await import(built.core);
const results = { render: [], ingest: null, parse: [], app: null, notes: [] };
const log = (...a) => console.error("[micro]", ...a);

const ORIGIN = "https://tagfeed.example";
const urls = core.siteUrls(ORIGIN);

// ---------------------------------------------------------------------------------------------
// Render

/** The articles of one tag feed, as stored (validated by the domain schema, so inputs are real). */
function storedArticles(n) {
  return makeArticles(n).map((a) => core.ArticleSchema.parse(core.makeArticle(a)));
}

const TAG = { type: "party", name: "AMANAT", slug: "amanat" };
const pageOf = (articles) => ({ tag: TAG, typeLabel: "Parties", articles, limit: articles.length, after: undefined, next: undefined, changedMs: Date.parse(articles[0].modified) });
const urn = (id) => `urn:tagfeed:article:${id}`;

function feedLib(articles) {
  const self = urls.feeds(TAG);
  const f = new Feed({
    id: `urn:tagfeed:feed:party:amanat`,
    title: "AMANAT — tagfeed",
    description: "News tagged AMANAT (Parties), newest first.",
    link: urls.tagPage(TAG),
    language: "ru",
    updated: new Date(articles[0].modified),
    generator: "tagfeed",
    feedLinks: { rss: self.rss, atom: self.atom, json: self.json },
    author: { name: "tagfeed", link: urls.home },
    copyright: "",
  });
  for (const a of articles) {
    f.addItem({
      title: a.title,
      id: urn(a.id),
      link: a.url,
      date: new Date(a.published),
      description: a.summary,
      content: a.content_html,
      author: a.authors.map((p) => ({ name: p.name, link: p.url })),
      category: a.tags.map((t) => ({ name: t.name, domain: urls.tagType(t.type), scheme: urls.tagType(t.type), term: t.slug })),
      ...(a.enclosures[0] && { enclosure: { url: a.enclosures[0].url, type: a.enclosures[0].type, length: a.enclosures[0].length } }),
    });
  }
  return f;
}

function rssLib(articles) {
  const self = urls.feeds(TAG);
  const f = new RSS({
    title: "AMANAT — tagfeed",
    description: "News tagged AMANAT (Parties), newest first.",
    feed_url: self.rss,
    site_url: urls.tagPage(TAG),
    generator: "tagfeed",
    language: "ru",
    pubDate: articles[0].modified,
    custom_namespaces: { content: "http://purl.org/rss/1.0/modules/content/" },
  });
  for (const a of articles) {
    f.item({
      title: a.title,
      description: a.summary,
      url: a.url,
      guid: urn(a.id),
      categories: a.tags.map((t) => t.name),
      author: a.authors[0]?.name,
      date: a.published,
      ...(a.enclosures[0] && { enclosure: { url: a.enclosures[0].url, type: a.enclosures[0].type, size: a.enclosures[0].length } }),
      custom_elements: [{ "content:encoded": { _cdata: a.content_html } }],
    });
  }
  return f.xml();
}

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@_", cdataPropName: "#cdata", suppressEmptyNode: true, processEntities: true });

function xmlBuilderRss(articles) {
  const self = urls.feeds(TAG);
  return builder.build({
    "?xml": { "@_version": "1.0", "@_encoding": "utf-8" },
    rss: {
      "@_version": "2.0",
      "@_xmlns:atom": "http://www.w3.org/2005/Atom",
      "@_xmlns:content": "http://purl.org/rss/1.0/modules/content/",
      "@_xmlns:dc": "http://purl.org/dc/elements/1.1/",
      channel: {
        title: "AMANAT — tagfeed",
        link: urls.tagPage(TAG),
        description: "News tagged AMANAT (Parties), newest first.",
        language: "ru",
        lastBuildDate: new Date(articles[0].modified).toUTCString(),
        "atom:link": { "@_rel": "self", "@_type": "application/rss+xml", "@_href": self.rss },
        item: articles.map((a) => ({
          title: a.title,
          link: a.url,
          guid: { "#text": urn(a.id), "@_isPermaLink": "false" },
          pubDate: new Date(a.published).toUTCString(),
          description: a.summary,
          "content:encoded": { "#cdata": a.content_html },
          "dc:creator": a.authors.map((p) => p.name),
          category: a.tags.map((t) => ({ "#text": t.name, "@_domain": urls.tagType(t.type) })),
          ...(a.enclosures[0] && { enclosure: { "@_url": a.enclosures[0].url, "@_length": a.enclosures[0].length, "@_type": a.enclosures[0].type } }),
        })),
      },
    },
  });
}

function xmlBuilderAtom(articles) {
  const self = urls.feeds(TAG);
  return builder.build({
    "?xml": { "@_version": "1.0", "@_encoding": "utf-8" },
    feed: {
      "@_xmlns": "http://www.w3.org/2005/Atom",
      id: "urn:tagfeed:feed:party:amanat",
      title: { "#text": "AMANAT — tagfeed", "@_type": "text" },
      updated: new Date(articles[0].modified).toISOString(),
      link: [
        { "@_rel": "self", "@_type": "application/atom+xml", "@_href": self.atom },
        { "@_rel": "alternate", "@_type": "text/html", "@_href": urls.tagPage(TAG) },
      ],
      author: { name: "tagfeed", uri: urls.home },
      entry: articles.map((a) => ({
        id: urn(a.id),
        title: { "#text": a.title, "@_type": "text" },
        updated: a.published,
        published: a.published,
        author: a.authors.map((p) => ({ name: p.name, uri: p.url })),
        link: { "@_rel": "alternate", "@_href": a.url },
        category: a.tags.map((t) => ({ "@_term": t.slug, "@_scheme": urls.tagType(t.type), "@_label": t.name })),
        summary: { "#text": a.summary, "@_type": "text" },
        content: { "#text": a.content_html, "@_type": "html" },
      })),
    },
  });
}

if (want("render")) {
  for (const n of [50, 500]) {
    const articles = storedArticles(n);
    const ours = (format) => () => core.renderFeed(format, core.buildFeedDocument(pageOf(articles), urls)).body;
    // What serve-feed.ts does next: the body as UTF-8 bytes. String-building renderers return
    // ropes that are flattened only here, so this row shows the whole cost of a render for the server.
    const oursBytes = (format) => {
      const render = ours(format);
      const encoder = new TextEncoder();
      return { name: "tagfeed + TextEncoder.encode (what the server does)", fn: () => encoder.encode(render()), info: true };
    };
    // The server keeps rendered items between renders (serve-feed.ts, ItemFragmentCache): the next
    // version of a feed, or another feed holding the same articles, joins fragments already made.
    const oursWarm = (format) => {
      const fragments = new Map();
      const cache = { get: (k) => fragments.get(k), set: (k, v) => void fragments.set(k, v) };
      core.renderFeed(format, core.buildFeedDocument(pageOf(articles), urls), cache);
      return {
        name: "tagfeed, items already rendered (fragment cache)",
        fn: () => core.renderFeed(format, core.buildFeedDocument(pageOf(articles), urls), cache).body,
        warm: true,
      };
    };
    const jsonObject = JSON.parse(ours("json")());
    const groups = [
      {
        format: "rss",
        tasks: [
          { name: "tagfeed", fn: ours("rss") },
          { name: "feed (jpmonette) rss2()", fn: () => feedLib(articles).rss2() },
          { name: "rss (dylang) xml()", fn: () => rssLib(articles) },
          { name: "fast-xml-parser XMLBuilder", fn: () => xmlBuilderRss(articles) },
          oursWarm("rss"),
          oursBytes("rss"),
        ],
      },
      {
        format: "atom",
        tasks: [
          { name: "tagfeed", fn: ours("atom") },
          { name: "feed (jpmonette) atom1()", fn: () => feedLib(articles).atom1() },
          { name: "fast-xml-parser XMLBuilder", fn: () => xmlBuilderAtom(articles) },
          oursWarm("atom"),
          oursBytes("atom"),
        ],
      },
      {
        format: "json",
        tasks: [
          { name: "tagfeed", fn: ours("json") },
          { name: "JSON.stringify(same object)", fn: () => JSON.stringify(jsonObject) },
          { name: "feed (jpmonette) json1()", fn: () => feedLib(articles).json1() },
          oursWarm("json"),
          oursBytes("json"),
        ],
      },
    ];
    for (const g of groups) {
      const bytes = Buffer.byteLength(g.tasks[0].fn());
      log(`render ${g.format} ${n}`);
      const rows = await compare(g.tasks, { rounds: ROUNDS, budgetMs: BUDGET });
      rows.forEach((row, i) => {
        row.info = g.tasks[i].info === true;
        row.warm = g.tasks[i].warm === true;
      });
      results.render.push({ format: g.format, items: n, outputBytes: bytes, rows });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Ingest CPU: one webhook article with three tags, from the request body's bytes to the record's
// JSON: JSON.parse, zod validation, normalize (sanitize, summary text, URL cleaning, tag resolution
// through the taxonomy, content rev = SHA-256), stamp, JSON.stringify. KV is measured end to end.

if (want("ingest")) {
  const taxonomy = core.compileTaxonomy(core.DEFAULT_TAXONOMY);
  const input = webhookInput(0);
  const body = JSON.stringify(input);
  const nowMs = Date.parse(input.published) + 60_000;
  const full = async () => {
    const parsed = core.parseSubmission(JSON.parse(body));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
    const r = await core.normalizeArticle(parsed.value.articles[0], { taxonomy, nowMs });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    return JSON.stringify(core.stampArticle(r.value, null, nowMs));
  };
  const check = JSON.parse(await full());
  if (check.tags.length !== 3) throw new Error(`ingest input should resolve to 3 tags, got ${check.tags.length}`);
  const parsedInput = core.parseSubmission(JSON.parse(body)).value.articles[0];
  log("ingest");
  const rows = await compare(
    [
      { name: "whole ingest CPU (parse, validate, normalize, stamp, serialize)", fn: full },
      { name: "  normalizeArticle alone", fn: () => core.normalizeArticle(parsedInput, { taxonomy, nowMs }) },
      { name: "  sanitizeHtml alone", fn: () => core.sanitizeHtml(input.content_html, { baseUrl: input.url }) },
      { name: "  JSON.parse + parseSubmission (zod) alone", fn: () => core.parseSubmission(JSON.parse(body)) },
    ],
    { rounds: ROUNDS, budgetMs: BUDGET },
  );
  results.ingest = { bodyBytes: Buffer.byteLength(body), htmlBytes: Buffer.byteLength(input.content_html), tags: check.tags.map((t) => `${t.type}/${t.slug}`), rows };
}

// ---------------------------------------------------------------------------------------------
// Upstream parsing.


if (want("parse")) {
  if (built.upstream.error) {
    results.notes.push(`upstream parsing not measured: ${built.upstream.error}`);
  } else {
    const up = await import(built.upstream.path);
    const taxonomy = up.compileTaxonomy ? up.compileTaxonomy(up.DEFAULT_TAXONOMY) : undefined;
    const rssParser = new RssParser();
    const options = { url: "https://news.example.kz/rss", contentType: "application/rss+xml; charset=utf-8" };
    const source = { id: "src-bench", name: "News KZ", url: "https://news.example.kz/rss", tags: [], autotag: false };
    const fetchedAtIso = "2024-05-01T12:30:00.000Z";
    const nowMs = Date.parse(fetchedAtIso);
    const parseOurs = (bytes) => {
      const r = up.parseFeed(bytes, options);
      if (!r.ok) throw new Error(`parseFeed: ${r.error.reason}: ${r.error.message}`);
      return r.value;
    };
    const mapAll = async (feed) => {
      const sharedUrls = up.sharedLinks(feed.items);
      const out = [];
      for (const item of feed.items) {
        const m = await up.mapItem(item, { source, taxonomy, fetchedAtIso, feedLanguage: feed.language, sharedUrls });
        if (m.ok) out.push(m.value);
      }
      return out;
    };
    for (const n of [20, 100, 1000]) {
      const doc = makeUpstreamRss({ items: n });
      const bytes = new Uint8Array(Buffer.from(doc.xml, "utf8"));
      const buffer = Buffer.from(doc.xml, "utf8");
      const first = parseOurs(bytes);
      if (first.items.length !== n) throw new Error(`parseFeed found ${first.items.length} of ${n} items`);
      const tasks = [{ name: "tagfeed parseFeed", fn: () => parseOurs(bytes) }];
      if (up.mapItem) {
        const mapped = await mapAll(first);
        if (mapped.length !== n) results.notes.push(`mapItem kept ${mapped.length} of ${n} items`);
        tasks.push({ name: "tagfeed parseFeed + mapItem", fn: () => mapAll(parseOurs(bytes)) });
        tasks.push({
          name: "tagfeed parseFeed + mapItem + normalizeArticle",
          fn: async () => {
            const out = [];
            for (const m of await mapAll(parseOurs(bytes))) out.push(await up.normalizeArticle(m.input, { taxonomy, nowMs }));
            return out;
          },
        });
      }
      tasks.push(
        // Every parser starts from the response's bytes, as after a fetch: the peers take strings,
        // so their figure includes the same UTF-8 decode tagfeed's parseFeed does.
        { name: "rss-parser parseString", fn: () => rssParser.parseString(new TextDecoder().decode(bytes)) },
        { name: "@extractus/feed-extractor extractFromXml", fn: () => extractFromXml(new TextDecoder().decode(bytes)) },
        { name: "feedparser (stream)", fn: () => feedparserParse(buffer, "https://news.example.kz/rss") },
      );
      log(`parse ${n}`);
      const rows = await compare(tasks, { rounds: ROUNDS, budgetMs: BUDGET * (n === 1000 ? 1.6 : 1) });
      results.parse.push({ items: n, inputBytes: doc.bytes, module: built.upstream.module, rows });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The app in-process over an in-memory KV, without the Cache API (Node has no `caches`, as a
// *.workers.dev host has none that works): KV operations per request by layer, and CPU per request.

if (want("app")) {
  const { app, ArticleWriter, TaxonomyWriter, durableNamespace, forgetDirectoryIsolateState } = await import(built.app);
  const kv = new MemoryKV();
  const env = { KV: kv, KV_COUNT: "true", ADMIN_TOKEN: "bench-admin", WEBHOOK_SECRET: "", PUBLIC_ORIGIN: "" };
  // The writers' KV operations happen in their own invocations, as in workerd: not in x-tagfeed-kv.
  env.ARTICLE_WRITER = durableNamespace(ArticleWriter, env);
  env.TAXONOMY_WRITER = durableNamespace(TaxonomyWriter, env);
  const pending = [];
  const ctx = { waitUntil: (p) => pending.push(p), passThroughOnException() {}, props: {} };
  const settle = async () => {
    while (pending.length) await pending.shift();
  };
  const kvHeader = (res) => Object.fromEntries((res.headers.get("x-tagfeed-kv") ?? "").split(",").filter(Boolean).map((kv) => kv.split("=")).map(([k, v]) => [k, Number(v)]));
  const post = async (articles) => {
    const res = await app.request("http://127.0.0.1/api/articles", { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer bench-admin" }, body: JSON.stringify({ articles }) }, env, ctx);
    await settle();
    if (res.status !== 201) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
    return { kv: kvHeader(res), body: await res.json() };
  };
  const perArticle = [];
  let tagPathOf;
  for (let i = 0; i < 200; i++) {
    const r = await post([webhookInput(i)]);
    perArticle.push(r.kv);
    if (i === 0) tagPathOf = r.body.articles[0].tags[0];
  }
  const get = async (path) => {
    const res = await app.request(`http://127.0.0.1${path}`, {}, env, ctx);
    const body = await res.arrayBuffer();
    await settle();
    return { status: res.status, layer: res.headers.get("x-tagfeed-layer"), kv: kvHeader(res), bytes: body.byteLength };
  };
  const feedPath = `/feeds/${tagPathOf.type}/${tagPathOf.slug}.rss`;
  const firstRender = await get(feedPath);
  const snapshot = await get(feedPath);
  const healthz = await get("/healthz");
  // The directory at 1,000 tags: 100 articles of 10 new tags each; the first request builds its document.
  for (let batch = 0; batch < 10; batch++) {
    await post(Array.from({ length: 10 }, (_, i) => ({ ...webhookInput(10_000 + batch * 10 + i), tags: Array.from({ length: 10 }, (_, j) => ({ type: "person", name: `Bench person ${batch * 100 + i * 10 + j}` })) })));
  }
  const directoryBuild = await get("/api/tags");
  const directory = { build: directoryBuild, apiTags: await get("/api/tags"), opml: await get("/opml"), home: await get("/") };
  log("app in-process");
  const rows = await compare(
    [
      { name: "GET /healthz", fn: () => app.request("http://127.0.0.1/healthz", {}, env, ctx).then((r) => r.arrayBuffer()) },
      { name: `GET ${feedPath} (snapshot layer)`, fn: () => app.request(`http://127.0.0.1${feedPath}`, {}, env, ctx).then((r) => r.arrayBuffer()) },
      { name: "GET /api/tags (1,000+ tags, warm)", fn: () => app.request("http://127.0.0.1/api/tags", {}, env, ctx).then((r) => r.arrayBuffer()) },
      { name: "GET /opml (1,000+ tags, warm)", fn: () => app.request("http://127.0.0.1/opml", {}, env, ctx).then((r) => r.arrayBuffer()) },
      { name: "GET / (1,000+ tags, warm)", fn: () => app.request("http://127.0.0.1/", {}, env, ctx).then((r) => r.arrayBuffer()) },
    ],
    { rounds: ROUNDS, budgetMs: BUDGET },
  );
  // The directory at 1,000 and 5,000 tags: warm (this isolate keeps the rendering) and cold (a fresh
  // isolate: the tag set's version and the document read, parsed, rendered), CPU and KV operations.
  const directoryAt = async () => {
    const total = (await (await app.request("http://127.0.0.1/api/tags?limit=1", {}, env, ctx)).json()).total;
    await settle();
    const paths = ["/", "/api/tags", "/opml", "/tags/person"];
    const requests = {};
    for (const path of paths) {
      const warm = await get(path);
      forgetDirectoryIsolateState();
      requests[path] = { warm: warm.kv, cold: (await get(path)).kv, bytes: warm.bytes, status: warm.status };
    }
    const request = (path) => app.request(`http://127.0.0.1${path}`, {}, env, ctx).then((r) => r.arrayBuffer());
    // Process CPU time per request (user + system), less sensitive than wall time to other
    // processes on a shared machine: the mean of n sequential requests.
    const cpuPerRequest = async (fn, n) => {
      const before = process.cpuUsage();
      for (let i = 0; i < n; i++) await fn();
      const used = process.cpuUsage(before);
      return (used.user + used.system) / 1000 / n;
    };
    for (const path of paths) {
      requests[path].cpuWarmMs = await cpuPerRequest(() => request(path), 40);
      requests[path].cpuColdMs = await cpuPerRequest(() => (forgetDirectoryIsolateState(), request(path)), 20);
    }
    log(`directory at ${total} tags`);
    const timed = await compare(
      paths.flatMap((path) => [
        { name: `GET ${path} (${total} tags, warm)`, fn: () => request(path) },
        { name: `GET ${path} (${total} tags, cold)`, fn: () => (forgetDirectoryIsolateState(), request(path)) },
      ]),
      { rounds: ROUNDS, budgetMs: BUDGET / 2 },
    );
    return { total, requests, rows: timed };
  };
  const directoryScale = [await directoryAt()];
  for (let batch = 0; batch < 40; batch++) {
    await post(Array.from({ length: 10 }, (_, i) => ({ ...webhookInput(20_000 + batch * 10 + i), tags: Array.from({ length: 10 }, (_, j) => ({ type: "person", name: `Bench person ${1000 + batch * 100 + i * 10 + j}` })) })));
  }
  directory.build5000 = await get("/api/tags");
  directoryScale.push(await directoryAt());
  const sumOps = (c) => (c.reads ?? 0) + (c.bulk_reads ?? 0) + (c.lists ?? 0) + (c.writes ?? 0) + (c.deletes ?? 0);
  results.app = { feedPath, perArticleFirst: perArticle[0], perArticleLater: perArticle[perArticle.length - 1], perArticleOps: perArticle.map(sumOps), firstRender, snapshot, healthz, directory, directoryScale, rows, kvKeys: kv.size };
}

writeFileSync(outFile, JSON.stringify(results, null, 1));
