/**
 * Retention in workerd: the sweep removes exactly what the rules say (record and every index key),
 * trims a type's feeds, caps a source's articles by age and by count (ranked across the writers,
 * while webhook batches land), keeps the rest, takes removed articles out of their RFC 5005
 * archives, keeps an expired article out of the next upstream copy, races a webhook batch, and
 * never leaves half an article when KV fails.
 */
import { createExecutionContext, createScheduledController, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ArticleInput } from "../src/domain/article";
import worker from "../src/index";
import { deriveArticleId } from "../src/ingest/ids";
import { ingestUpstream } from "../src/ingest/ingest";
import { normalizeArticle } from "../src/ingest/normalize";
import { shardOf } from "../src/store/article-ops";
import type { ArticleWriter } from "../src/store/article-writer";
import { articleStore, sweepArticleWriters, writerName } from "../src/store/articles";
import { articleKey, indexPrefix } from "../src/store/keys";
import { getArchive, sealArchives } from "../src/store/archives";
import { sweepRetention } from "../src/store/retention";
import { getSource, putSource } from "../src/store/sources";
import { loadTaxonomy } from "../src/store/taxonomy";
import { adminHeaders, call, json, makeArticle, submit, uniqueId } from "./helpers";

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();

async function setRules(rules: { all?: number | null; types: Record<string, number | null>; counts?: Record<string, number> }): Promise<void> {
  const taxonomy = await json<{ types: { type: string; retention?: unknown }[]; retention?: unknown }>(await call("/api/taxonomy"));
  for (const def of taxonomy.types) {
    const count = rules.counts?.[def.type];
    if (def.type in rules.types || count !== undefined) {
      def.retention = { ...(def.type in rules.types && { max_age_days: rules.types[def.type] }), ...(count !== undefined && { max_count: count }) };
    } else delete def.retention;
  }
  taxonomy.retention = rules.all === undefined ? {} : { all: { max_age_days: rules.all } };
  const response = await call("/api/taxonomy", {
    method: "PUT",
    headers: { ...adminHeaders(), "content-type": "application/json" },
    body: JSON.stringify(taxonomy),
  });
  expect(response.status, await response.clone().text()).toBe(200);
}

async function feedIds(path: string): Promise<string[]> {
  const response = await call(path);
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: { id: string }[] }).items.map((item) => item.id.replace("urn:tagfeed:article:", ""));
}

/** Every index key KV holds for an article in the given feeds, and whether its record exists. */
async function storedState(id: string, feeds: string[]): Promise<{ record: boolean; keys: string[] }> {
  const keys: string[] = [];
  for (const feed of feeds) {
    const listed = await env.KV.list({ prefix: indexPrefix(feed) });
    keys.push(...listed.keys.map((k) => k.name).filter((name) => name.endsWith(`:${id}`)));
  }
  return { record: (await env.KV.get(articleKey(id))) !== null, keys };
}

async function post(article: Record<string, unknown>): Promise<void> {
  const response = await submit(article);
  expect(response.status, await response.clone().text()).toBeLessThan(300);
}

const sweep = (budget = 900) => sweepRetention(articleStore(env), { nowMs: Date.now(), budget });

async function addSource(url: string, retention?: Record<string, number>): Promise<{ id: string; url: string; retention?: unknown }> {
  const created = await call("/api/sources", {
    method: "POST",
    headers: { ...adminHeaders(), "content-type": "application/json" },
    body: JSON.stringify({ url, ...(retention && { retention }) }),
  });
  expect(created.status, await created.clone().text()).toBe(201);
  return json<{ id: string; url: string; retention?: unknown }>(created);
}

/** An upstream copy of `article` from `source`: merged into the stored one, which then lists both sources. */
async function alsoFrom(article: Record<string, unknown>, source: { url: string }): Promise<void> {
  const { index } = await loadTaxonomy(env.KV, { maxAgeMs: 0 });
  const draft = await normalizeArticle({ ...article, source: { name: "Other", url: source.url } } as ArticleInput, { taxonomy: index, nowMs: Date.now() });
  if (!draft.ok) throw new Error(JSON.stringify(draft.error));
  await ingestUpstream(articleStore(env), [{ draft: draft.value, inventedDate: false }], Date.now());
}

describe("retention", () => {
  it("removes exactly what the rules say and nothing else", async () => {
    await setRules({ all: 365, types: { topic: 90, party: null } });
    const t = uniqueId("ret");
    const topic = { type: "topic", name: `${t}-topic` };
    const party = { type: "party", name: `${t}-party` };
    const fresh = makeArticle({ id: `${t}-fresh`, published: ago(10), tags: [topic] });
    const trimmed = makeArticle({ id: `${t}-trim`, published: ago(100), tags: [topic] });
    const gone = makeArticle({ id: `${t}-gone`, published: ago(400), tags: [topic] });
    const kept = makeArticle({ id: `${t}-party`, published: ago(4000), tags: [party] });
    const both = makeArticle({ id: `${t}-both`, published: ago(400), tags: [topic, party] });
    for (const a of [fresh, trimmed, gone, kept, both]) await post(a);
    const topicFeed = `/feeds/topic/${t}-topic.json`;
    const partyFeed = `/feeds/party/${t}-party.json`;
    expect((await feedIds(topicFeed)).sort()).toEqual([`${t}-both`, `${t}-fresh`, `${t}-gone`, `${t}-trim`]);

    const report = await sweep();
    expect(report.failed).toBeUndefined();
    expect(await feedIds(topicFeed)).toEqual([`${t}-fresh`]);
    expect((await feedIds(partyFeed)).sort()).toEqual([`${t}-both`, `${t}-party`]);
    const all = await feedIds("/feeds/all.json?limit=100");
    expect(all).toContain(`${t}-trim`);
    expect(all).toContain(`${t}-both`);
    expect(all).not.toContain(`${t}-gone`);
    expect((await call(`/api/articles/${t}-gone`)).status).toBe(404);
    // Removed whole: no record, no index key in any feed it was in.
    expect(await storedState(`${t}-gone`, ["all", `t/topic/${t}-topic`])).toEqual({ record: false, keys: [] });
    // Trimmed: the record no longer claims the topic, whose index key is gone.
    const trimmedRecord = await json<{ tags: { type: string }[] }>(await call(`/api/articles/${t}-trim`));
    expect(trimmedRecord.tags.map((tag) => tag.type)).toEqual([]);
    expect((await storedState(`${t}-trim`, ["all", `t/topic/${t}-topic`])).keys).toHaveLength(1);

    // A second sweep finds nothing more (what it kept is not due again for weeks).
    const again = await sweep();
    expect({ removed: again.removed, trimmed: again.trimmed }).toEqual({ removed: 0, trimmed: 0 });

    // An upstream feed that still carries the removed article does not bring it back.
    const { index } = await loadTaxonomy(env.KV, { maxAgeMs: 0 });
    const draft = await normalizeArticle(gone as ArticleInput, { taxonomy: index, nowMs: Date.now() });
    if (!draft.ok) throw new Error(JSON.stringify(draft.error));
    await ingestUpstream(articleStore(env), [{ draft: draft.value, inventedDate: false }], Date.now());
    expect((await call(`/api/articles/${t}-gone`)).status).toBe(404);
    expect(await feedIds(topicFeed)).toEqual([`${t}-fresh`]);
  });

  it("caps a source's articles at its rule, whatever their tags", async () => {
    await setRules({ types: { party: null } });
    const t = uniqueId("src");
    const url = `https://news.example.com/${t}.xml`;
    const created = await call("/api/sources", {
      method: "POST",
      headers: { ...adminHeaders(), "content-type": "application/json" },
      body: JSON.stringify({ url, retention: { max_age_days: 30 } }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const source = await json<{ id: string; url: string; retention: unknown }>(created);
    expect(source.retention).toEqual({ max_age_days: 30 });
    const party = { type: "party", name: `${t}-party` };
    await post(makeArticle({ id: `${t}-old`, published: ago(31), tags: [party], source: { name: "News", url: source.url } }));
    await post(makeArticle({ id: `${t}-new`, published: ago(29), tags: [party], source: { name: "News", url: source.url } }));
    await post(makeArticle({ id: `${t}-other`, published: ago(31), tags: [party] }));
    await sweep();
    expect((await feedIds(`/feeds/party/${t}-party.json`)).sort()).toEqual([`${t}-new`, `${t}-other`]);

    // Bad rules get a clear 400 naming the field.
    const bad = await call(`/api/sources/${source.id}`, {
      method: "PATCH",
      headers: { ...adminHeaders(), "content-type": "application/json" },
      body: JSON.stringify({ retention: { max_age_days: 0 } }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("retention.max_age_days");
    const cleared = await call(`/api/sources/${source.id}`, {
      method: "PATCH",
      headers: { ...adminHeaders(), "content-type": "application/json" },
      body: JSON.stringify({ retention: null }),
    });
    expect(cleared.status).toBe(200);
    expect((await json<{ retention?: unknown }>(cleared)).retention).toBeUndefined();
  });

  it("refuses a bad rule in the taxonomy with 400 naming the field", async () => {
    const taxonomy = await json<{ types: { retention?: unknown }[] }>(await call("/api/taxonomy"));
    const first = taxonomy.types[0];
    if (!first) throw new Error("no types");
    first.retention = { max_age_days: "90" };
    const response = await call("/api/taxonomy", {
      method: "PUT",
      headers: { ...adminHeaders(), "content-type": "application/json" },
      body: JSON.stringify(taxonomy),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("types[0].retention.max_age_days");
  });

  it("races a webhook batch and still removes exactly the expired articles", async () => {
    await setRules({ all: 30, types: {} });
    const t = uniqueId("race");
    const old = Array.from({ length: 12 }, (_, i) => makeArticle({ id: `${t}-old-${i}`, published: ago(40 + i), tags: [{ type: "topic", name: t }] }));
    for (const a of old) await post(a);
    const young = Array.from({ length: 12 }, (_, i) => makeArticle({ id: `${t}-new-${i}`, published: ago(i), tags: [{ type: "topic", name: t }] }));
    // The batch also sends a changed version of an old article: whichever lands first, it ends expired.
    const changed = { ...old[0], title: "Обновлённый заголовок" };
    const [report, batch] = await Promise.all([sweep(), submit([...young, changed])]);
    expect(batch.status).toBeLessThan(300);
    expect(report.failed).toBeUndefined();
    await sweep();
    expect((await feedIds(`/feeds/topic/${t}.json?limit=100`)).sort()).toEqual(young.map((a) => String(a.id)).sort());
    for (const a of old) expect(await storedState(String(a.id), ["all", `t/topic/${t}`])).toEqual({ record: false, keys: [] });
  });

  it("never leaves half an article when KV fails mid-sweep", async () => {
    await setRules({ all: 30, types: {} });
    const t = uniqueId("kvfail");
    const tags = [{ type: "topic", name: `${t}-a` }, { type: "topic", name: `${t}-b` }];
    const id = `${t}-doomed`;
    await post(makeArticle({ id, published: ago(45), tags }));
    const feeds = ["all", `t/topic/${t}-a`, `t/topic/${t}-b`];
    const stub = env.ARTICLE_WRITER.getByName(writerName(shardOf(id)));
    // The record's delete succeeds, then every index key's delete fails.
    await runInDurableObject(stub, (instance: ArticleWriter) => {
      const real = env.KV;
      instance.kv = new Proxy(real, {
        get(target, property, receiver) {
          const value: unknown = Reflect.get(target, property, receiver);
          if (typeof value !== "function") return value;
          if (property !== "delete") return value.bind(target);
          return (key: string) => (key.startsWith("idx:") ? Promise.reject(new Error("KV down")) : real.delete(key));
        },
      });
    });
    try {
      const report = await sweep();
      expect(report.failed).toBeDefined();
      // Readers see the article in every feed it claims or in none: never in one and not another.
      const seen = await Promise.all([`/feeds/all.json?limit=100`, `/feeds/topic/${t}-a.json`, `/feeds/topic/${t}-b.json`].map(async (path) => (await feedIds(path)).includes(id)));
      expect(new Set(seen).size).toBe(1);
    } finally {
      await runInDurableObject(stub, (instance: ArticleWriter) => {
        instance.kv = env.KV;
      });
    }
    // The writer rolls its logged row back whole (the previous version, every key it claims)...
    await sweepArticleWriters(env.ARTICLE_WRITER);
    const restored = await storedState(id, feeds);
    expect(restored.record).toBe(true);
    expect(restored.keys).toHaveLength(3);
    // ...and the next sweep chooses it again.
    const after = await sweep();
    expect(after.failed).toBeUndefined();
    expect(await storedState(id, feeds)).toEqual({ record: false, keys: [] });
    expect(await feedIds(`/feeds/topic/${t}-a.json`)).toEqual([]);
  });

  it("runs from the cron in the tick at minute 30 of the hour, not in the others", async () => {
    await setRules({ all: 30, types: {} });
    const t = uniqueId("cron");
    const id = `${t}-old`;
    await post(makeArticle({ id, published: ago(31), tags: [{ type: "topic", name: t }] }));
    const tickAt = async (minute: number) => {
      const at = new Date();
      at.setUTCHours(12, minute, 0, 0);
      const ctx = createExecutionContext();
      const { REFRESH_QUEUE: _queue, ...withoutQueue } = env;
      await worker.scheduled(createScheduledController({ scheduledTime: at.getTime(), cron: "*/10 * * * *" }), withoutQueue as Cloudflare.Env, ctx);
      await waitOnExecutionContext(ctx);
    };
    await tickAt(20);
    expect((await call(`/api/articles/${id}`)).status).toBe(200);
    await tickAt(30);
    expect((await call(`/api/articles/${id}`)).status).toBe(404);
  });

  it("a type's max_count keeps each of its tag feeds to its newest articles; the others stay elsewhere", async () => {
    await setRules({ types: {}, counts: { topic: 3 } });
    const t = uniqueId("count");
    const tag = { type: "topic", name: t };
    const other = { type: "city", name: `${t}-city` };
    const ids = Array.from({ length: 5 }, (_, i) => `${t}-${i}`);
    // ${t}-0 is the newest.
    for (const [i, id] of ids.entries()) await post(makeArticle({ id, published: ago(i + 1), tags: [tag, other] }));
    const feed = `/feeds/topic/${t}.json?limit=100`;
    expect(await feedIds(feed)).toEqual(ids);

    const report = await sweep();
    expect(report.failed).toBeUndefined();
    expect(await feedIds(feed)).toEqual(ids.slice(0, 3));
    // Still stored, in their other feeds.
    expect(await feedIds(`/feeds/city/${t}-city.json?limit=100`)).toEqual(ids);
    expect(await storedState(`${t}-4`, [`t/topic/${t}`])).toEqual({ record: true, keys: [] });

    // A newer article pushes one more out at the next sweep; a sweep with nothing grown lists nothing.
    await post(makeArticle({ id: `${t}-new`, published: ago(0.5), tags: [tag] }));
    await sweep();
    expect(await feedIds(feed)).toEqual([`${t}-new`, ...ids.slice(0, 2)]);
    await sweep();
    const idle = await sweep();
    expect(idle.listedFeeds ?? 0).toBe(0);
    expect(idle.trimmed).toBe(0);
  });

  it("a source's max_count keeps its newest articles, ranked over every writer, while webhook batches land", async () => {
    await setRules({ types: {} });
    const t = uniqueId("srccount");
    const capped = await addSource(`https://capped.example.com/${t}.xml`, { max_count: 3 });
    expect(capped.retention).toEqual({ max_count: 3 });
    const free = await addSource(`https://free.example.com/${t}.xml`);
    const tag = { type: "topic", name: t };
    const from = { name: "Capped", url: capped.url };
    // s-0 is the newest; ids spread over the 8 writers.
    const own = Array.from({ length: 8 }, (_, i) => makeArticle({ id: `${t}-s-${i}`, published: ago(i + 1), tags: [tag], source: from }));
    for (const a of own) await post(a);
    // s-5 is carried by an uncapped source too; other sources' old articles are not capped.
    await alsoFrom(own[5] ?? {}, free);
    const others = [
      makeArticle({ id: `${t}-free`, published: ago(30), tags: [tag], source: { name: "Free", url: free.url } }),
      makeArticle({ id: `${t}-pub`, published: ago(40), tags: [tag] }),
    ];
    for (const a of others) await post(a);
    const shared = await json<{ sources: { url?: string }[] }>(await call(`/api/articles/${t}-s-5`));
    expect(shared.sources.map((s) => s.url).sort()).toEqual([capped.url, free.url].sort());

    // A webhook batch of two newer articles of the capped source lands while the sweep ranks.
    const young = [0.1, 0.2].map((days, i) => makeArticle({ id: `${t}-y-${i}`, published: ago(days), tags: [tag], source: from }));
    const [first, batch] = await Promise.all([sweep(), submit(young)]);
    expect(batch.status).toBeLessThan(300);
    expect(first.failed).toBeUndefined();
    expect(first.rankedSources).toBeGreaterThanOrEqual(1);
    await sweep();
    // Its newest 3 of everything it carries (y-0, y-1, s-0) stay, and s-5, which the free source keeps; the rest go whole.
    const kept = [`${t}-y-0`, `${t}-y-1`, `${t}-s-0`, `${t}-s-5`, `${t}-free`, `${t}-pub`];
    expect((await feedIds(`/feeds/topic/${t}.json?limit=100`)).sort()).toEqual(kept.sort());
    for (const i of [1, 2, 3, 4, 6, 7]) expect(await storedState(`${t}-s-${i}`, ["all", `t/topic/${t}`])).toEqual({ record: false, keys: [] });
    for (const id of kept) expect((await storedState(id, ["all", `t/topic/${t}`])).keys).toHaveLength(2);

    // Nothing grew: the next sweeps rank nothing and remove nothing.
    await sweep();
    const idle = await sweep();
    expect({ ranked: idle.rankedSources ?? 0, removed: idle.removed }).toEqual({ ranked: 0, removed: 0 });

    // A newer article pushes the oldest the source keeps alone (s-0) out at the next sweep.
    await post(makeArticle({ id: `${t}-y-2`, published: ago(0.05), tags: [tag], source: from }));
    await sweep();
    expect((await feedIds(`/feeds/topic/${t}.json?limit=100`)).sort()).toEqual([`${t}-y-2`, `${t}-y-0`, `${t}-y-1`, `${t}-s-5`, `${t}-free`, `${t}-pub`].sort());

    // Bad rules answer 400 naming the field; null removes the rule.
    const patch = (body: unknown) =>
      call(`/api/sources/${capped.id}`, { method: "PATCH", headers: { ...adminHeaders(), "content-type": "application/json" }, body: JSON.stringify(body) });
    const zero = await patch({ retention: { max_count: 0 } });
    expect(zero.status).toBe(400);
    expect(await zero.text()).toContain("retention.max_count");
    const empty = await patch({ retention: {} });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain("needs max_age_days or max_count");
    const both = await patch({ retention: { max_age_days: 30, max_count: 100 } });
    expect((await json<{ retention?: unknown }>(both)).retention).toEqual({ max_age_days: 30, max_count: 100 });
    const cleared = await patch({ retention: null });
    expect((await json<{ retention?: unknown }>(cleared)).retention).toBeUndefined();
  });

  it("a source count's removals that do not fit a sweep's budget are taken up by the next ones", async () => {
    await setRules({ types: {} });
    const t = uniqueId("srcbudget");
    const capped = await addSource(`https://budget.example.com/${t}.xml`, { max_count: 2 });
    const tag = { type: "topic", name: t };
    const ids = Array.from({ length: 20 }, (_, i) => `${t}-${String(i).padStart(2, "0")}`);
    for (const [i, id] of ids.entries()) await post(makeArticle({ id, published: ago(i + 1), tags: [tag], source: { name: "Budget", url: capped.url } }));
    // 18 to remove over 8 writers, each allowed one removal (5 KV operations) a sweep.
    const small = () => sweepRetention(articleStore(env), { nowMs: Date.now(), budget: 3 + 8 * 5 });
    const first = await small();
    expect(first.failed).toBeUndefined();
    expect(first.removed).toBeGreaterThan(0);
    expect(first.removed).toBeLessThanOrEqual(8);
    let removed = first.removed;
    for (let i = 0; i < 10 && removed < 18; i++) removed += (await small()).removed;
    expect(removed).toBe(18);
    expect(await feedIds(`/feeds/topic/${t}.json?limit=100`)).toEqual(ids.slice(0, 2));
    const idle = await small();
    expect({ ranked: idle.rankedSources ?? 0, removed: idle.removed }).toEqual({ ranked: 0, removed: 0 });
  });

  it("an article two counted sources carry goes once it is past both counts, ranked in different sweeps", async () => {
    await setRules({ types: {} });
    const t = uniqueId("twocount");
    const one = await addSource(`https://one.example.com/${t}.xml`, { max_count: 1 });
    const two = await addSource(`https://two.example.com/${t}.xml`, { max_count: 1 });
    const tag = { type: "topic", name: t };
    const shared = makeArticle({ id: `${t}-shared`, published: ago(5), tags: [tag], source: { name: "One", url: one.url } });
    await post(shared);
    await alsoFrom(shared, two);
    await sweep();
    // Newer in the second source only: past its count, but still the first one's newest.
    await post(makeArticle({ id: `${t}-two`, published: ago(1), tags: [tag], source: { name: "Two", url: two.url } }));
    await sweep();
    await sweep();
    expect((await feedIds(`/feeds/topic/${t}.json`)).sort()).toEqual([`${t}-shared`, `${t}-two`]);
    // Newer in the first source too: now past both, it goes (the sweep ranking one asks for the other next).
    await post(makeArticle({ id: `${t}-one`, published: ago(1), tags: [tag], source: { name: "One", url: one.url } }));
    await sweep();
    await sweep();
    expect((await feedIds(`/feeds/topic/${t}.json`)).sort()).toEqual([`${t}-one`, `${t}-two`]);
    expect(await storedState(`${t}-shared`, ["all", `t/topic/${t}`])).toEqual({ record: false, keys: [] });
  });

  it("an article retention removes leaves the RFC 5005 archive that held it", async () => {
    await setRules({ types: {} });
    const t = uniqueId("srcarc");
    const capped = await addSource(`https://archived.example.com/${t}.xml`);
    const tag = { type: "topic", name: t };
    const start = Date.now() - 30 * DAY;
    const ids = Array.from({ length: 12 }, (_, i) => `${t}-${String(i).padStart(2, "0")}`);
    for (const [i, id] of ids.entries()) {
      await post(makeArticle({ id, published: new Date(start + i * 3_600_000).toISOString(), tags: [tag], source: { name: "Archived", url: capped.url } }));
    }
    const seal = () => sealArchives(env, { size: 5, nowMs: Date.now(), maxWrites: 500 });
    await seal();
    const feed = `t/topic/${t}`;
    expect((await getArchive(env.KV, feed, 1))?.articles.map((a) => a.id)).toEqual(ids.slice(0, 5).reverse());

    // Keep the newest 9: the 3 oldest go, from the feed and from archive 1.
    const patched = await call(`/api/sources/${capped.id}`, {
      method: "PATCH",
      headers: { ...adminHeaders(), "content-type": "application/json" },
      body: JSON.stringify({ retention: { max_count: 9 } }),
    });
    expect(patched.status).toBe(200);
    const report = await sweep();
    expect(report.removed).toBe(3);
    const rewritten = await seal();
    expect(rewritten.rewritten).toBeGreaterThanOrEqual(1);
    expect((await getArchive(env.KV, feed, 1))?.articles.map((a) => a.id)).toEqual(ids.slice(3, 5).reverse());
    const page = await json<{ items: { id: string }[] }>(await call(`/feeds/topic/${t}/archive/1.json`));
    expect(page.items.map((item) => item.id.replace("urn:tagfeed:article:", ""))).toEqual(ids.slice(3, 5).reverse());
    expect((await feedIds(`/feeds/topic/${t}.json?limit=100`)).sort()).toEqual(ids.slice(3).sort());
  });

  it("a refresh does not write a new item retention would remove at once, and counts it expired", async () => {
    await setRules({ types: {} });
    const t = uniqueId("refexp");
    // Generated items, dated 1 May 2024 (test/fixtures/upstream/mock-upstream.mjs); the same links for both URLs.
    const strict = await addSource(`https://upstream.example/items/4?t=${t}&v=strict`, { max_age_days: 30 });
    const loose = await addSource(`https://upstream.example/items/4?t=${t}&v=loose`, { max_age_days: 36_500 });
    const refresh = async (id: string) => {
      const response = await call(`/api/sources/${id}/refresh`, { method: "POST", headers: adminHeaders() });
      expect(response.status, await response.clone().text()).toBe(200);
      return (await json<{ refresh: { counts: Record<string, number> } }>(response)).refresh.counts;
    };
    const links = Array.from({ length: 4 }, (_, i) => `https://news.example/${t}/${i}`);
    const stored = async () => Promise.all(links.map(async (link) => (await call(`/api/articles/${await deriveArticleId(link)}`)).status));

    expect(await refresh(strict.id)).toMatchObject({ created: 0, expired: 4 });
    expect(await stored()).toEqual([404, 404, 404, 404]);
    // The same items from a source whose rule keeps them are created; the strict source then only joins them.
    expect(await refresh(loose.id)).toMatchObject({ created: 4 });
    // Fetched whole again (no validators, no fingerprints): its items are in store now.
    const saved = await getSource(env.KV, strict.id);
    if (!saved) throw new Error("no source");
    const { etag: _etag, last_modified: _modified, item_fingerprints: _seen, ...forgotten } = saved;
    await putSource(env.KV, forgotten);
    const again = await refresh(strict.id);
    expect(again.expired ?? 0).toBe(0);
    expect(again.updated).toBe(4);
    const first = await json<{ sources: { url?: string }[] }>(await call(`/api/articles/${await deriveArticleId(links[0] ?? "")}`));
    expect(first.sources.map((s) => s.url).sort()).toEqual([loose.url, strict.url].sort());
  });
});
