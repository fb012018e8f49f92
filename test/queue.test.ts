/**
 * The refresh fan-out over Cloudflare Queues in workerd: the cron as producer (claims, batches),
 * the Worker's own queue() handler as consumer (fresh and stale messages, retries, documents in
 * parts, a crash mid-document), the dead-letter consumer, manual refresh against claims, and one
 * round trip through Miniflare's real local queue (wrangler.jsonc's `queues`).
 */
import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import type { Source } from "../src/domain/source";
import { deriveArticleId } from "../src/ingest/ids";
import { type RefreshMessage, claimSource } from "../src/refresh/queue";
import { getArticles } from "../src/store/articles";
import { getSource } from "../src/store/sources";
import { adminHeaders, call, json, uniqueId } from "./helpers";

const UPSTREAM = "https://upstream.example";

/** A queue binding that keeps what is sent, so a test decides when (and how often) messages are consumed. */
function recordingQueue() {
  const sent: RefreshMessage[] = [];
  const queue = {
    async send(body: RefreshMessage) {
      sent.push(body);
    },
    async sendBatch(messages: Iterable<{ body: RefreshMessage }>) {
      for (const m of messages) sent.push(m.body);
    },
  };
  return { sent, queue: queue as unknown as Queue };
}

async function tick(testEnv: Cloudflare.Env): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: Date.UTC(2026, 0, 1, 12, 0), cron: "*/10 * * * *" }), testEnv, ctx);
  await waitOnExecutionContext(ctx);
}

let messageCounter = 0;
async function consume(testEnv: Cloudflare.Env, bodies: RefreshMessage[], options: { attempts?: number; queue?: string } = {}) {
  const batch = createMessageBatch<RefreshMessage>(
    options.queue ?? "tagfeed-refresh",
    bodies.map((body) => ({ id: `m-${messageCounter++}`, timestamp: Date.now(), attempts: options.attempts ?? 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch<unknown>, testEnv, ctx);
  return getQueueResult(batch, ctx);
}

async function addSource(path: string): Promise<Source> {
  const response = await call("/api/sources", {
    method: "POST",
    headers: { ...adminHeaders(), "content-type": "application/json" },
    body: JSON.stringify({ url: `${UPSTREAM}${path}` }),
  });
  expect(response.status).toBe(201);
  return json<Source>(response);
}

/** KV whose puts fail for the keys `fails` picks (every put by default). */
function failingKv(fails: (key: string) => boolean = () => true): KVNamespace {
  return new Proxy(env.KV, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property === "put")
        return async (...args: unknown[]) => {
          if (fails(String(args[0]))) throw new Error("injected KV failure");
          return (value as (...a: unknown[]) => Promise<void>).apply(target, args);
        };
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function itemsStored(run: string, n: number): Promise<number> {
  const ids = await Promise.all(Array.from({ length: n }, (_, i) => deriveArticleId(`https://news.example/${run}/${i}`)));
  const found = await getArticles(env.KV, ids);
  return [...found.values()].filter((a) => a !== null).length;
}

describe("queue fan-out", () => {
  it("claims every due source, sends them in batches, never twice while claimed, and the consumer refreshes each", async () => {
    const run = uniqueId("fan");
    const sources = await Promise.all(Array.from({ length: 30 }, (_, i) => addSource(`/items/3?t=${run}-${i}`)));
    const { sent, queue } = recordingQueue();
    const testEnv = { ...env, REFRESH_QUEUE: queue };
    await tick(testEnv);
    const ours = sent.filter((m) => sources.some((s) => s.id === m.id));
    expect(ours).toHaveLength(30);
    for (const source of sources) expect((await getSource(env.KV, source.id))?.claim).toBeDefined();

    // Claimed: the next tick sends none of them again.
    const before = sent.length;
    await tick(testEnv);
    expect(sent.slice(before).filter((m) => sources.some((s) => s.id === m.id))).toHaveLength(0);

    // One message per invocation, as wrangler.jsonc's max_batch_size has it.
    for (const message of ours) expect((await consume(testEnv, [message])).retryMessages).toHaveLength(0);
    for (const source of sources) {
      const after = await getSource(env.KV, source.id);
      expect(after?.last_status).toBe(200);
      expect(after?.claim).toBeUndefined();
      expect(after?.items_seen).toBe(3);
    }
  });

  it("acks a stale message (its claim was taken over) without refreshing", async () => {
    const run = uniqueId("stale");
    const source = await addSource(`/items/2?t=${run}`);
    const { sent, queue } = recordingQueue();
    const testEnv = { ...env, REFRESH_QUEUE: queue };
    await tick(testEnv);
    const message = sent.find((m) => m.id === source.id);
    expect(message).toBeDefined();
    const result = await consume(testEnv, [{ ...message!, token: "not-the-claim" }]);
    expect(result.explicitAcks).toHaveLength(1);
    expect((await getSource(env.KV, source.id))?.last_fetch).toBeUndefined();
  });
});

describe("claims and a manual refresh", () => {
  it("a claimed source answers 409 to POST refresh; once the queued refresh is done, a manual one runs", async () => {
    const run = uniqueId("manual");
    const source = await addSource(`/items/2?t=${run}`);
    const { sent, queue } = recordingQueue();
    const testEnv = { ...env, REFRESH_QUEUE: queue };
    await tick(testEnv);
    const busy = await call(`/api/sources/${source.id}/refresh`, { method: "POST", headers: adminHeaders() });
    expect(busy.status).toBe(409);
    expect(JSON.stringify(await json(busy))).toContain("refresh_in_progress");
    await consume(testEnv, sent.filter((m) => m.id === source.id));
    const now = await call(`/api/sources/${source.id}/refresh`, { method: "POST", headers: adminHeaders() });
    expect(now.status).toBe(200);
    // The manual refresh released its own claim.
    expect((await getSource(env.KV, source.id))?.claim).toBeUndefined();
  });
});

describe("retries and dead letters", () => {
  it("a storage failure retries the message with a delay; the dead-letter consumer records why on the source", async () => {
    const run = uniqueId("dead");
    const source = await addSource(`/items/2?t=${run}`);
    const { sent, queue } = recordingQueue();
    await tick({ ...env, REFRESH_QUEUE: queue });
    const message = sent.find((m) => m.id === source.id)!;
    const broken = { ...env, KV: failingKv(), REFRESH_QUEUE: queue };
    const first = await consume(broken, [message]);
    expect(first.retryMessages).toHaveLength(1);

    const dead = await consume({ ...env, REFRESH_QUEUE: queue }, [message], { queue: "tagfeed-refresh-dlq", attempts: 4 });
    expect(dead.explicitAcks).toHaveLength(1);
    const listed = await json<{ sources: Source[] }>(await call("/api/sources", { headers: adminHeaders() }));
    const shown = listed.sources.find((s) => s.id === source.id);
    expect(shown?.dead_letter?.reason).toContain("given up");
    expect(shown?.claim).toBeUndefined();
    expect(shown?.consecutive_failures).toBe(1);
  });
});

describe("a document in parts", () => {
  it("continues in a follow-up message, survives a crash mid-document, and stores every item once", async () => {
    const run = uniqueId("big");
    // 200 items of 3 categories: about 1000 KV operations, more than one invocation's budget.
    const source = await addSource(`/items/200?t=${run}`);
    const { sent, queue } = recordingQueue();
    // The CPU bound out of the way: the KV budget alone splits this document.
    const testEnv = { ...env, REFRESH_QUEUE: queue, REFRESH_ITEMS_PER_PART: "200" };
    await tick(testEnv);
    const first = sent.find((m) => m.id === source.id)!;

    const log = async () => ((await (await fetch(`${UPSTREAM}/__log?match=${run}`)).json()) as unknown[]).length;
    const before = sent.length;
    const part0 = await consume(testEnv, [first]);
    expect(part0.retryMessages).toHaveLength(0);
    const next = sent.slice(before).filter((m) => m.id === source.id);
    expect(next).toEqual([{ id: source.id, token: first.token, part: 1 }]);
    const partial = await itemsStored(run, 200);
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(200);
    const midway = await getSource(env.KV, source.id);
    // Mid-document the old state stands: still claimed, no validators from the unfinished document.
    expect(midway?.claim?.token).toBe(first.token);
    expect(midway?.etag).toBeUndefined();
    const fetches = await log();

    // Part 1 dies after storing its items, before saving the source: retried.
    const crashed = await consume({ ...testEnv, KV: failingKv((key) => key.startsWith("source:")) }, next);
    expect(crashed.retryMessages).toHaveLength(1);
    expect(await itemsStored(run, 200)).toBe(200);
    // The retry takes up the same stored part: nothing fetched or parsed again, nothing written twice.
    const retried = await consume(testEnv, next, { attempts: 2 });
    expect(retried.retryMessages).toHaveLength(0);
    expect(await log()).toBe(fetches);
    expect(await itemsStored(run, 200)).toBe(200);
    const done = await getSource(env.KV, source.id);
    expect(done?.claim).toBeUndefined();
    expect(done?.etag).toBeDefined();
    expect(done?.item_fingerprints).toHaveLength(200);
    // Every item counted once: created in part 0 or 1 (the retry found the crashed part's unchanged).
    expect((done?.last_counts?.created ?? 0) + (done?.last_counts?.unchanged ?? 0)).toBe(200);
    expect(done?.last_counts?.deferred).toBe(0);
  });
});

describe("a document in parts of new items (REFRESH_ITEMS_PER_PART)", () => {
  it("50 new items through the real local queue: in parts of REFRESH_ITEMS_PER_PART, every item stored once, the validators kept; unchanged items do not count", async () => {
    const run = uniqueId("parts");
    const source = await addSource(`/items/50?t=${run}`);
    const perPart = Number(env.REFRESH_ITEMS_PER_PART);
    expect(perPart).toBeLessThan(50);
    const parts = Math.ceil(50 / perPart);
    await tick(env);
    const deadline = Date.now() + 25_000;
    let done: Source | null = null;
    while (Date.now() < deadline) {
      done = await getSource(env.KV, source.id);
      if (done?.last_status === 200 && done.claim === undefined) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(done?.claim).toBeUndefined();
    // Every part after the first took up a stored continuation: one invocation per part, one fetch.
    const resumed = await env.KV.list({ prefix: `resume:${source.id}:` });
    const numbers = resumed.keys.map((k) => Number(k.name.slice(k.name.lastIndexOf(":") + 1))).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: parts - 1 }, (_, i) => i + 1));
    // The first continuation holds the items left; the later ones name the end of that list.
    const first = await env.KV.get<{ items: unknown[] }>(`resume:${source.id}:${resumed.keys[0]!.name.split(":")[2]}:1`, "json");
    expect(first?.items).toHaveLength(50 - perPart);
    if (parts > 2) {
      const later = await env.KV.get<{ items: unknown[]; itemsIn?: unknown }>(resumed.keys.find((k) => k.name.endsWith(":2"))!.name, "json");
      expect(later?.items).toEqual([]);
      expect(later?.itemsIn).toEqual({ part: 1, skip: perPart });
    }
    expect(((await (await fetch(`${UPSTREAM}/__log?match=${run}`)).json()) as unknown[]).length).toBe(1);
    expect(await itemsStored(run, 50)).toBe(50);
    // Each item prepared once: created once, never seen again as unchanged in a later part.
    expect(done?.last_counts).toEqual({ created: 50, updated: 0, unchanged: 0, invalid: 0, deferred: 0 });
    expect(done?.etag).toBeDefined();
    expect(done?.items_seen).toBe(50);
    expect(done?.item_fingerprints).toHaveLength(50);

    // The same document again, without its validators: all 50 skipped by fingerprint, in one part.
    const { sent, queue } = recordingQueue();
    const token = crypto.randomUUID();
    await claimSource(env.KV, { ...done!, etag: undefined }, Date.now(), token);
    const again = await consume({ ...env, REFRESH_QUEUE: queue }, [{ id: source.id, token }]);
    expect(again.retryMessages).toHaveLength(0);
    expect(sent).toHaveLength(0);
    const after = await getSource(env.KV, source.id);
    expect(after?.last_counts).toEqual({ created: 0, updated: 0, unchanged: 50, invalid: 0, deferred: 0 });
    expect(after?.etag).toBe(done?.etag);

    // 4 items not vouched for by a fingerprint, 3 a part: the 46 fingerprinted ones take no share,
    // so the document is done in 2 parts (items 0-48, then item 49).
    const token2 = crypto.randomUUID();
    await claimSource(env.KV, { ...after!, etag: undefined, item_fingerprints: after!.item_fingerprints!.slice(0, 46) }, Date.now(), token2);
    const small = { ...env, REFRESH_QUEUE: queue, REFRESH_ITEMS_PER_PART: "3" };
    expect((await consume(small, [{ id: source.id, token: token2 }])).retryMessages).toHaveLength(0);
    expect(sent).toEqual([{ id: source.id, token: token2, part: 1 }]);
    const rest = await env.KV.get<{ items: unknown[] }>(`resume:${source.id}:${token2}:1`, "json");
    expect(rest?.items).toHaveLength(1);
    expect((await consume(small, sent)).retryMessages).toHaveLength(0);
    expect(sent).toHaveLength(1);
    const mixed = await getSource(env.KV, source.id);
    expect(mixed?.claim).toBeUndefined();
    expect(mixed?.last_counts).toEqual({ created: 0, updated: 0, unchanged: 50, invalid: 0, deferred: 0 });
    expect(mixed?.item_fingerprints).toEqual(after?.item_fingerprints);
  });
});

describe("the real local queue", () => {
  it("a tick's messages are delivered to the Worker's queue() handler and the sources refreshed", async () => {
    const run = uniqueId("real");
    const sources = await Promise.all(Array.from({ length: 5 }, (_, i) => addSource(`/items/2?t=${run}-${i}`)));
    await tick(env);
    const deadline = Date.now() + 20_000;
    let fresh = 0;
    while (Date.now() < deadline) {
      const states = await Promise.all(sources.map((s) => getSource(env.KV, s.id)));
      fresh = states.filter((s) => s?.last_status === 200 && s.claim === undefined).length;
      if (fresh === sources.length) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(fresh).toBe(sources.length);
  });
});
