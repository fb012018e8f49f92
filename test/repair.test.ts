/**
 * Index repair (a crash between writes is repaired by the next write or the
 * cron; src/store/repair.ts). Debris and missing keys are made by writing KV directly, as a
 * Worker that died between two writes would leave them, and by racing updates of one article.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Article } from "../src/domain/article";
import { type IndexEntryMeta, getArticle, indexKeysOf, listFeedEntries, resolveEntries } from "../src/store/articles";
import { ALL_FEED, INDEX_PREFIX, REPAIR_CURSOR_KEY, indexKey, parseIndexKey, tagFeedKey } from "../src/store/keys";
import { REPAIR_GRACE_MS, type RepairReport, repairIndexes } from "../src/store/repair";
import { call, json, makeArticle, submit, uniqueId } from "./helpers";

const MINUTE = 60_000;

/** Runs the sweep until it completes a pass, as successive cron ticks would. */
async function repairPass(nowMs: number, budget?: number): Promise<RepairReport[]> {
  const reports: RepairReport[] = [];
  for (let call = 0; call < 200; call++) {
    const report = await repairIndexes(env.KV, { nowMs, ...(budget !== undefined && { budget }) });
    reports.push(report);
    if (report.passComplete) return reports;
  }
  throw new Error("the repair sweep never completed a pass");
}

async function exists(key: string): Promise<boolean> {
  return (await env.KV.get(key)) !== null;
}

async function visibleIn(feed: string): Promise<string[]> {
  const { entries } = await listFeedEntries(env.KV, feed, { limit: 100_000 });
  return (await resolveEntries(env.KV, entries)).articles.map((a) => a.id);
}

/** Every raw index key of an article, in any feed. */
async function rawIndexKeysOf(id: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await env.KV.list({ prefix: INDEX_PREFIX, cursor });
    keys.push(...page.keys.map((k) => k.name).filter((name) => parseIndexKey(name)?.id === id));
    if (page.list_complete) return keys.sort();
    cursor = page.cursor;
  }
}

async function feedItemIds(path: string): Promise<string[]> {
  const response = await call(path);
  expect(response.status, path).toBe(200);
  return (await json<{ items: { id: string }[] }>(response)).items.map((item) => item.id.replace("urn:tagfeed:article:", ""));
}

const putDebris = (key: string, writtenMs: number): Promise<void> =>
  env.KV.put(key, "", { metadata: { r: "debris", w: Math.floor(writtenMs / 1000) } satisfies IndexEntryMeta });

describe("repairIndexes: debris", () => {
  it("removes an index key without its article once older than the grace period, and keeps a young one", async () => {
    const now = Date.now();
    const topic = tagFeedKey({ type: "topic", slug: uniqueId("debris").toLowerCase() });
    const old = indexKey(topic, Date.parse("2024-01-01T00:00:00Z"), uniqueId("ghost-old"));
    const young = indexKey(topic, Date.parse("2024-01-02T00:00:00Z"), uniqueId("ghost-young"));
    const oldInAll = indexKey(ALL_FEED, Date.parse("2024-01-01T00:00:00Z"), uniqueId("ghost-all"));
    await putDebris(old, now - REPAIR_GRACE_MS - MINUTE);
    await putDebris(oldInAll, now - 3 * 3600_000);
    await putDebris(young, now - MINUTE);

    const reports = await repairPass(now);
    expect(await exists(old)).toBe(false);
    expect(await exists(oldInAll)).toBe(false);
    expect(await exists(young)).toBe(true);
    expect(reports.flatMap((r) => r.removed)).toEqual(expect.arrayContaining([old, oldInAll]));
    expect(reports.flatMap((r) => r.removed)).not.toContain(young);

    // A later tick, past the grace period: the young debris goes too.
    await repairPass(now + REPAIR_GRACE_MS + MINUTE);
    expect(await exists(young)).toBe(false);
  });

  it("never removes the index keys of a record that exists but does not parse (another schema wrote it)", async () => {
    const now = Date.now();
    const topic = tagFeedKey({ type: "topic", slug: uniqueId("unreadable").toLowerCase() });
    const id = uniqueId("unreadable");
    const key = indexKey(topic, Date.parse("2024-01-01T00:00:00Z"), id);
    await env.KV.put(`article:${id}`, JSON.stringify({ id, title: "written by a future schema", tags: "not an array" }));
    await putDebris(key, now - 3 * 3600_000);
    await repairPass(now);
    expect(await exists(key)).toBe(true);
  });

  it("removes an old index key its article no longer claims, and never one it claims", async () => {
    const article = makeArticle({ tags: [{ type: "topic", name: uniqueId("claimed") }] });
    expect((await submit(article)).status).toBe(201);
    const stored = (await getArticle(env.KV, article.id as string))!;
    const stale = indexKey(tagFeedKey({ type: "topic", slug: uniqueId("unclaimed").toLowerCase() }), Date.parse(stored.published), stored.id);
    await putDebris(stale, Date.now() - REPAIR_GRACE_MS - MINUTE);

    await repairPass(Date.now() + 2 * REPAIR_GRACE_MS);
    expect(await exists(stale)).toBe(false);
    expect(await rawIndexKeysOf(stored.id)).toEqual(indexKeysOf(stored).sort());
  });
});

describe("repairIndexes: missing index keys", () => {
  it("restores an article's missing index key, and the article shows in that feed again", async () => {
    const slug = uniqueId("restore").toLowerCase();
    const article = makeArticle({ tags: [{ type: "topic", name: slug }] });
    expect((await submit(article)).status).toBe(201);
    const stored = (await getArticle(env.KV, article.id as string))!;
    const feedPath = `/feeds/topic/${slug}.json`;
    expect(await feedItemIds(feedPath)).toEqual([stored.id]);

    // A crash (or a racing update) lost the tag's index key.
    const lost = indexKey(tagFeedKey({ type: "topic", slug }), Date.parse(stored.published), stored.id);
    await env.KV.delete(lost);
    expect(await visibleIn(tagFeedKey({ type: "topic", slug }))).toEqual([]);

    const reports = await repairPass(Date.now());
    expect(reports.flatMap((r) => r.restored)).toContain(lost);
    const { metadata } = await env.KV.getWithMetadata<IndexEntryMeta>(lost);
    expect(metadata?.r).toBe(stored.rev);
    expect(await visibleIn(tagFeedKey({ type: "topic", slug }))).toEqual([stored.id]);
    // The feed's version was bumped: the served feed is rendered again and lists it.
    expect(await feedItemIds(feedPath)).toEqual([stored.id]);
  });

  it("repairs the damage two unserialized updates of one article would leave", async () => {
    // What two updates written from the same version P, without the article's writer, leave in KV:
    // U1 drops P's tag x (deleting x's key as stale), U2 keeps x (so does not re-put it), U2's
    // record lands last. The writers serialize this away; the sweep still mends it (a store
    // written before them, or keys the platform lost). Made here with raw KV writes.
    const [x, y] = [uniqueId("race-x").toLowerCase(), uniqueId("race-y").toLowerCase()];
    const article = makeArticle({ tags: [{ type: "topic", name: x }] });
    expect((await submit(article)).status).toBe(201);
    const previous = (await getArticle(env.KV, article.id as string))!;
    const tag = (slug: string) => ({ type: "topic", name: slug, slug });
    const u1: Article = { ...previous, title: "U1", rev: "u1", tags: [tag(y)] };
    const u2: Article = { ...previous, title: "U2", rev: "u2", tags: [tag(x)] };
    const now = Date.now();
    const meta = { r: u1.rev, w: Math.floor(now / 1000) };
    for (const key of indexKeysOf(u1)) await env.KV.put(key, "", { metadata: meta });
    await env.KV.delete(indexKey(tagFeedKey({ type: "topic", slug: x }), Date.parse(previous.published), previous.id));
    await env.KV.put(`article:${previous.id}`, JSON.stringify(u2));

    // Broken: U2 claims x's key, which U1 deleted; U1's key for y is debris.
    expect(await visibleIn(tagFeedKey({ type: "topic", slug: x }))).toEqual([]);
    const debris = indexKey(tagFeedKey({ type: "topic", slug: y }), Date.parse(previous.published), previous.id);
    expect(await exists(debris)).toBe(true);

    await repairPass(now + REPAIR_GRACE_MS + MINUTE);
    expect(await visibleIn(tagFeedKey({ type: "topic", slug: x }))).toEqual([previous.id]);
    expect(await exists(debris)).toBe(false);
    expect(await rawIndexKeysOf(previous.id)).toEqual(indexKeysOf(u2).sort());
    expect(await feedItemIds(`/feeds/topic/${x}.json`)).toEqual([previous.id]);
    expect(await visibleIn(tagFeedKey({ type: "topic", slug: y }))).toEqual([]);
  });
});

describe("repairIndexes: bounded work", () => {
  it("stays within its KV budget per call and carries on where it stopped, through the saved cursor", async () => {
    const now = Date.now();
    const topic = tagFeedKey({ type: "topic", slug: uniqueId("bounded").toLowerCase() });
    const ghosts = Array.from({ length: 60 }, (_, i) => indexKey(topic, Date.parse("2023-01-01T00:00:00Z") + i, uniqueId("ghost")));
    await Promise.all(ghosts.map((key) => putDebris(key, now - 2 * REPAIR_GRACE_MS)));

    const budget = 25;
    const reports = await repairPass(now, budget);
    expect(reports.length).toBeGreaterThan(1);
    for (const report of reports) expect(report.ops).toBeLessThanOrEqual(budget);
    for (const key of ghosts) expect(await exists(key), key).toBe(false);
    expect(reports.flatMap((r) => r.removed).filter((key) => ghosts.includes(key)).sort()).toEqual([...ghosts].sort());
    // A pass that ends mid-way leaves its place behind; a completed one starts over next time.
    const first = await repairIndexes(env.KV, { nowMs: now, budget: 5 });
    expect(first.passComplete).toBe(false);
    expect(await env.KV.get(REPAIR_CURSOR_KEY, "json")).toMatchObject({ phase: expect.any(String) });
  });

  it("restarts a phase when the saved cursor is unreadable", async () => {
    await env.KV.put(REPAIR_CURSOR_KEY, JSON.stringify({ phase: "index", cursor: "not-a-kv-cursor", after: "idx:zzz" }));
    const reports = await repairPass(Date.now());
    expect(reports.at(-1)?.passComplete).toBe(true);
  });
});

describe("repairIndexes after many concurrent updates of one article", () => {
  it("leaves the article in exactly the feeds its final record claims, and in no other", async () => {
    const topics = Array.from({ length: 6 }, () => uniqueId("conc").toLowerCase());
    const article = makeArticle({ tags: [{ type: "topic", name: topics[0] }] });
    expect((await submit(article)).status).toBe(201);
    const id = article.id as string;

    // 16 updates in parallel, each with its own title and tag subset.
    const versions = Array.from({ length: 16 }, (_, v) => ({
      ...article,
      title: `Version ${v}`,
      tags: topics.filter((_, t) => (v >> (t % 4)) & 1 || t === (v % topics.length)).map((name) => ({ type: "topic", name })),
    }));
    const responses = await Promise.all(versions.map((version) => submit(version)));
    for (const response of responses) expect(response.status).toBeLessThan(300);

    await repairPass(Date.now() + REPAIR_GRACE_MS + MINUTE);

    const final = (await getArticle(env.KV, id))!;
    expect(versions.map((v) => v.title)).toContain(final.title);
    const claimedTopics = new Set(final.tags.map((t) => t.slug));
    for (const slug of topics) {
      const feed = tagFeedKey({ type: "topic", slug });
      const expected = claimedTopics.has(slug) ? [id] : [];
      expect(await visibleIn(feed), slug).toEqual(expected);
      expect(await feedItemIds(`/feeds/topic/${slug}.json`), slug).toEqual(expected);
    }
    expect(await visibleIn(ALL_FEED)).toContain(id);
    expect(await rawIndexKeysOf(id)).toEqual(indexKeysOf(final).sort());
  });
});
