import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../src/app";
import { listFeedEntries, resolveEntries } from "../src/store/articles";
import { tagFeedKey } from "../src/store/keys";
import { BASE, call, json, makeArticle, signedHeaders, uniqueId } from "./helpers";

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
      const response = await submitWith(failingKv(env.KV, "put", okPuts), article);
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
    const failed = await submitWith(failingKv(env.KV, "put", 1), update);
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
});
