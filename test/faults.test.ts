import { createExecutionContext, runDurableObjectAlarm, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../src/app";
import type { Article } from "../src/domain/article";
import { feedsOf, getArticle, indexKeysOf, listFeedEntries, resolveEntries } from "../src/store/articles";
import { tagFeedKey } from "../src/store/keys";
import { BASE, call, failingPutsOf, json, makeArticle, signedHeaders, submit, uniqueId, withWriterKv, writerOf } from "./helpers";

/** A KV binding that fails the chosen operation after `okCalls` successful calls of it. */
function failingKv(kv: KVNamespace, operation: "put" | "get" | "list" | "delete", okCalls: number): KVNamespace {
  let calls = 0;
  return new Proxy(kv, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property !== operation || typeof value !== "function") return typeof value === "function" ? value.bind(target) : value;
      return (...args: unknown[]) => {
        if (calls++ >= okCalls) return Promise.reject(new Error(`KV ${operation} failed: 503 injected fault`));
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
}

/** The ids the served feed lists (the page readers poll: through versions and snapshots). */
async function servedIds(path: string): Promise<string[]> {
  const response = await call(path);
  if (response.status === 404) return [];
  expect(response.status, path).toBe(200);
  const feed = await json<{ items: { id: string }[] }>(response);
  return feed.items.map((item) => item.id.replace("urn:tagfeed:article:", ""));
}

async function submitWith(kv: KVNamespace, payload: unknown): Promise<Response> {
  const body = JSON.stringify(payload);
  const request = new Request(`${BASE}/api/articles`, { method: "POST", headers: await signedHeaders(body), body });
  const ctx = createExecutionContext();
  const response = await app.fetch(request, { ...env, KV: kv }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

async function visibleIds(tag: { type: string; slug: string }): Promise<string[]> {
  const { entries } = await listFeedEntries(env.KV, tagFeedKey(tag), { limit: 1000 });
  return (await resolveEntries(env.KV, entries)).articles.map((a) => a.id);
}

describe("KV faults", () => {
  it("answers 503 with Retry-After when a write fails, and leaves no partial article visible", async () => {
    const topic = uniqueId("fault");
    const article = makeArticle({ tags: [{ type: "topic", name: topic }] });
    // The index keys go in, then the record write (the commit point) fails.
    for (const okPuts of [0, 1, 2]) {
      const response = await withWriterKv(article.id as string, (kv) => failingKv(kv, "put", okPuts), () => submitWith(env.KV, article));
      expect(response.status, `after ${okPuts} puts`).toBe(503);
      expect(response.headers.get("retry-after")).toBe("5");
      expect((await json(response)).error.code).toBe("storage_unavailable");
      expect((await call(`/api/articles/${article.id}`)).status).toBe(404);
      expect(await visibleIds({ type: "topic", slug: topic })).not.toContain(article.id);
    }
    // The publisher retries: the article is stored whole.
    const retry = await submitWith(env.KV, article);
    expect(retry.status).toBe(201);
    expect(await visibleIds({ type: "topic", slug: topic })).toEqual([article.id]);
  });

  it("answers 503 when reads fail, on feeds and on the API", async () => {
    const reads = failingKv(env.KV, "get", 0);
    for (const path of ["/feeds/all.rss", "/api/articles/anything", "/api/tags"]) {
      const ctx = createExecutionContext();
      const response = await app.fetch(new Request(`${BASE}${path}`), { ...env, KV: reads }, ctx);
      await waitOnExecutionContext(ctx);
      expect(response.status, path).toBe(503);
      expect(response.headers.get("retry-after")).toBe("5");
    }
  });

  it("keeps the previous version visible when an update fails half-way", async () => {
    const topic = uniqueId("update-fault");
    const article = makeArticle({ tags: [{ type: "topic", name: topic }] });
    expect((await submitWith(env.KV, article)).status).toBe(201);
    // The update adds a tag: its new index key is written, then the record write fails.
    const other = uniqueId("update-fault-new");
    const update = { ...article, title: "Half-written update", tags: [...(article.tags as unknown[]), { type: "topic", name: other }] };
    const failed = await withWriterKv(article.id as string, (kv) => failingKv(kv, "put", 1), () => submitWith(env.KV, update));
    expect(failed.status).toBe(503);
    // The old version is still whole: record and index agree.
    const stored = await json(await call(`/api/articles/${article.id}`));
    expect(stored.title).toBe(article.title);
    expect(await visibleIds({ type: "topic", slug: topic })).toEqual([article.id]);
    expect(await visibleIds({ type: "topic", slug: other })).toEqual([]);
    // The all-feed key is shared by both versions; the old record still claims it.
    const { entries } = await listFeedEntries(env.KV, "all", { limit: 100_000 });
    const all = await resolveEntries(env.KV, entries.filter((e) => e.id === article.id));
    expect(all.articles.map((a) => a.title)).toEqual([article.title]);

    // The retry lands whole.
    expect((await submitWith(env.KV, update)).status).toBe(201);
    expect(await visibleIds({ type: "topic", slug: other })).toEqual([article.id]);
    expect((await json(await call(`/api/articles/${article.id}`))).title).toBe("Half-written update");
  });

  it("answers 201 when a feed-version bump fails after the commit point, keeps the bump logged, and the writer's alarm makes the served feed show it", async () => {
    const topic = uniqueId("bump-fault").toLowerCase();
    const path = `/feeds/topic/${topic}.json`;
    const first = makeArticle({ tags: [{ type: "topic", name: topic }] });
    expect((await submit(first)).status).toBe(201);
    expect(await servedIds(path)).toEqual([first.id]);

    const second = makeArticle({ tags: [{ type: "topic", name: topic }], published: "2024-05-02T10:00:00Z" });
    const response = await submitWith(failingPutsOf(env.KV, (key) => key.startsWith("fv:"), 429), second);
    expect(response.status).toBe(201);
    expect((await call(`/api/articles/${second.id}`)).status).toBe(200);
    // The bump is logged in the writer, not lost: its alarm bumps the feeds.
    expect(await runDurableObjectAlarm(writerOf(second.id as string))).toBe(true);
    expect(await servedIds(path)).toEqual([second.id, first.id]);
  });

  it("finishes a write whose invocation died after the commit point: the served feeds show it after the writer's alarm, and a retried delivery repairs them at once", async () => {
    for (const recovery of ["alarm", "retry"] as const) {
      const [kept, dropped] = [uniqueId("died-kept").toLowerCase(), uniqueId("died-dropped").toLowerCase()];
      const article = makeArticle({ tags: [{ type: "topic", name: kept }, { type: "topic", name: dropped }] });
      expect((await submit(article)).status).toBe(201);
      expect(await servedIds(`/feeds/topic/${dropped}.json`)).toEqual([article.id]);
      // The update drops a tag; the writer dies right after writing the record (the commit point).
      // What it leaves, made here step by step as the writer makes it (store/article-writer.ts):
      // the logged row and feeds, the new version's index keys, the record; no stale key deleted,
      // no feed bumped.
      const previous = (await getArticle(env.KV, article.id as string))!;
      const next: Article = { ...previous, title: `Updated (${recovery})`, rev: `rev-${recovery}`, tags: previous.tags.filter((t) => t.slug === kept) };
      await runInDurableObject(writerOf(next.id), (_, state) => {
        state.storage.sql.exec(
          "INSERT OR REPLACE INTO articles (id, record, keys, pending) VALUES (?, ?, ?, 1)",
          next.id,
          JSON.stringify(next),
          JSON.stringify([...new Set([...indexKeysOf(previous), ...indexKeysOf(next)])]),
        );
        for (const feed of feedsOf(previous)) state.storage.sql.exec("INSERT OR REPLACE INTO bumps (feed, seq) VALUES (?, 1000000)", feed);
        return state.storage.setAlarm(Date.now() + 20_000);
      });
      await env.KV.put(`article:${next.id}`, JSON.stringify(next));
      const update = { ...article, title: next.title, tags: [{ type: "topic", name: kept }] };
      // The record is stored; the feed it left still has its key and its old version.
      expect((await json(await call(`/api/articles/${article.id}`))).title).toBe(next.title);
      // Stale until the writer finishes: the version is the old one.
      expect(await servedIds(`/feeds/topic/${dropped}.json`)).toEqual([article.id]);
      if (recovery === "alarm") {
        expect(await runDurableObjectAlarm(writerOf(article.id as string))).toBe(true);
      } else {
        // The publisher, never answered, delivers again: the writer finishes the logged write first.
        const retried = await submitWith(env.KV, update);
        expect(retried.status).toBeLessThan(300);
      }
      expect(await servedIds(`/feeds/topic/${dropped}.json`), recovery).toEqual([]);
      expect(await servedIds(`/feeds/topic/${kept}.json`), recovery).toEqual([article.id]);
      expect(await visibleIds({ type: "topic", slug: dropped })).toEqual([]);
    }
  });
});
