/**
 * The refresh fan-out over Cloudflare Queues in workerd: the cron as producer (claims, batches),
 * the Worker's own queue() handler as consumer (fresh and stale messages, retry delays, documents
 * in parts, a crash mid-document), claims under concurrent manual refreshes and ticks (the claims
 * decide even where KV does not show their copies yet), and through Miniflare's real local queue
 * (wrangler.jsonc's `queues`): a fan-out of 50 sources, and a failing refresh retried to its dead
 * letter.
 */
import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../src/index";
import type { Source } from "../src/domain/source";
import { deriveArticleId } from "../src/ingest/ids";
import { refreshConfig } from "../src/refresh/config";
import { REFRESH_MAX_RETRIES, type RefreshMessage, enqueueDue, retryDelaySeconds } from "../src/refresh/queue";
import { runRefreshTick } from "../src/refresh/run-tick";
import { claimSources } from "../src/store/claims";
import { getArticles } from "../src/store/articles";
import { getSource, putSource } from "../src/store/sources";
import { parseFeed } from "../src/upstream/parse";
import { UPSTREAM, addSource, adminHeaders, call, failingPutsOf, json, uniqueId, withWriterKv } from "./helpers";


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
  // getQueueResult keeps which messages were retried, not how long they wait: the delays are watched here.
  const delays = batch.messages.map((message) => vi.spyOn(message, "retry"));
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch<unknown>, testEnv, ctx);
  return { ...(await getQueueResult(batch, ctx)), delaySeconds: delays.flatMap((spy) => spy.mock.calls.map(([options]) => options?.delaySeconds)) };
}


/**
 * KV as seen from a location that has not yet seen the claims' copies (a write shows elsewhere
 * within about a minute): no `claim` on records, no `c` in list metadata. Writes go through.
 */
function withoutClaimCopies(kv: KVNamespace): KVNamespace {
  const strip = (value: unknown): unknown => {
    if (value === null || typeof value !== "object" || !("claim" in value)) return value;
    const { claim: _claim, ...rest } = value as Record<string, unknown>;
    return rest;
  };
  return new Proxy(kv, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      if (property === "list")
        return async (options: KVNamespaceListOptions) => {
          const page = await target.list<{ d: number; c?: number }>(options);
          return { ...page, keys: page.keys.map((key) => ({ ...key, metadata: key.metadata && { ...key.metadata, c: undefined } })) };
        };
      if (property === "get")
        return async (...args: unknown[]) => {
          const found: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          return found instanceof Map ? new Map([...found].map(([k, v]) => [k, strip(v)])) : strip(found);
        };
      return value.bind(target);
    },
  });
}

/** The upstream's log of the requests whose URL contains `match`. */
async function fetchesOf(match: string): Promise<{ url: string; at: number }[]> {
  return json(await fetch(`${UPSTREAM}/__log?match=${encodeURIComponent(match)}`));
}

const refreshNow = (id: string) => call(`/api/sources/${id}/refresh`, { method: "POST", headers: adminHeaders() });

/** Polls `probe` until it answers true, or fails after `ms`. */
async function until(probe: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const tickDeps = { fetch: (request: Request) => fetch(request), parse: parseFeed, now: Date.now };

/** The article ids of `/items/{n}?t={run}`'s items. */
const itemIds = (run: string, n: number): Promise<string[]> => Promise.all(Array.from({ length: n }, (_, i) => deriveArticleId(`https://news.example/${run}/${i}`)));

/** The writers of these articles fail every KV put but the sources' own (their claims' state writes). */
const failingArticleWrites = (ids: readonly string[]) => <T>(work: () => Promise<T>) =>
  withWriterKv(ids, (kv) => failingPutsOf(kv, (key) => !key.startsWith("source:")), work);

async function itemsStored(run: string, n: number): Promise<number> {
  const found = await getArticles(env.KV, await itemIds(run, n));
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

describe("claims under concurrent refreshes", () => {
  it("two manual refreshes at once: exactly one runs, the other answers 409 with Retry-After", async () => {
    const run = uniqueId("twice");
    const source = await addSource(`/items/2?t=${run}&delay=300`);
    const answers = await Promise.all([refreshNow(source.id), refreshNow(source.id)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const busy = answers.find((a) => a.status === 409)!;
    const retryAfter = Number(busy.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(JSON.stringify(await json(busy))).toContain("refresh_in_progress");
    expect(await fetchesOf(run)).toHaveLength(1);
    expect((await getSource(env.KV, source.id))?.claim).toBeUndefined();
  });

  it("a manual refresh that storage failed releases its claim: the next one runs at once", async () => {
    const run = uniqueId("failed-now");
    const source = await addSource(`/items/2?t=${run}`);
    const failed = await failingArticleWrites(await itemIds(run, 2))(() => refreshNow(source.id));
    expect(failed.status).toBe(503);
    const again = await refreshNow(source.id);
    expect(again.status).toBe(200);
    expect((await json<{ source: Source }>(again)).source.claim).toBeUndefined();
  });

  it("a tick while a manual refresh runs neither enqueues nor refreshes that source, even where KV does not show the claim yet", async () => {
    const run = uniqueId("busy");
    const source = await addSource(`/items/2?t=${run}&delay=1500`);
    const manual = refreshNow(source.id);
    await until(async () => (await fetchesOf(run)).length === 1, 10_000, "the manual refresh's fetch");
    const lagging = { ...env, KV: withoutClaimCopies(env.KV) };
    expect((await getSource(lagging.KV, source.id))?.claim).toBeUndefined();
    const { sent, queue } = recordingQueue();
    const produced = await enqueueDue(lagging, queue, Date.now());
    expect(sent.map((m) => m.id)).not.toContain(source.id);
    expect(produced.claimed).toBeGreaterThanOrEqual(1);
    const inTick = await runRefreshTick(lagging, tickDeps);
    expect(inTick.refreshed.map((r) => r.id)).not.toContain(source.id);
    expect((await manual).status).toBe(200);
    expect(await fetchesOf(run)).toHaveLength(1);
    // Released by the manual refresh's state write: the next refresh may run.
    expect((await getSource(env.KV, source.id))?.last_status).toBe(200);
    expect((await refreshNow(source.id)).status).toBe(200);
  });

  it("a tick racing manual refreshes of its due sources: each source is refreshed exactly once", async () => {
    const run = uniqueId("race");
    const sources = await Promise.all(Array.from({ length: 6 }, (_, i) => addSource(`/items/1?t=${run}-${i}&delay=500`)));
    const { sent, queue } = recordingQueue();
    const lagging = { ...env, KV: withoutClaimCopies(env.KV) };
    const [, ...answers] = await Promise.all([enqueueDue(lagging, queue, Date.now()), ...sources.map((s) => refreshNow(s.id))]);
    for (const [i, source] of sources.entries()) {
      const answer = answers[i]!;
      expect([200, 409]).toContain(answer.status);
      // The manual refresh ran, or the tick enqueued the source: never both.
      expect(answer.status === 200).toBe(!sent.some((m) => m.id === source.id));
    }
    for (const message of sent.filter((m) => sources.some((s) => s.id === m.id))) await consume({ ...env, REFRESH_QUEUE: queue }, [message]);
    for (const [i, source] of sources.entries()) {
      expect(await fetchesOf(`${run}-${i}&`)).toHaveLength(1);
      expect((await getSource(env.KV, source.id))?.last_status).toBe(200);
    }
  });
});

describe("claims of the in-tick refresh", () => {
  it("are taken for the sources it refreshes, and those it did not reach are free again at once", async () => {
    const source = await addSource(`/items/1?t=${uniqueId("unreached")}`);
    const { REFRESH_QUEUE: _queue, ...withoutQueue } = env;
    const stopped = await runRefreshTick(withoutQueue as Cloudflare.Env, tickDeps, { wallMs: 0, maxSources: 1000 });
    expect(stopped.stopped).toBe("wall_time");
    expect(stopped.refreshed).toHaveLength(0);
    expect((await refreshNow(source.id)).status).toBe(200);
  });
});

describe("retries", () => {
  it("a storage failure retries the message, each attempt waiting twice as long as the one before", async () => {
    const run = uniqueId("retry");
    const source = await addSource(`/items/2?t=${run}`);
    const { sent, queue } = recordingQueue();
    await tick({ ...env, REFRESH_QUEUE: queue });
    const message = sent.find((m) => m.id === source.id)!;
    const delays = await failingArticleWrites(await itemIds(run, 2))(async () => {
      const seen: number[] = [];
      for (let attempts = 1; attempts <= REFRESH_MAX_RETRIES; attempts++) {
        const result = await consume({ ...env, REFRESH_QUEUE: queue }, [message], { attempts });
        expect(result.retryMessages).toHaveLength(1);
        seen.push(...result.delaySeconds.map((d) => d ?? -1));
      }
      return seen;
    });
    // REFRESH_RETRY_SECONDS is 1 here (vitest.config.ts); the deployment's 30 gives 30, 60, 120.
    expect(delays).toEqual([1, 2, 4]);
    expect([1, 2, 3].map((attempts) => retryDelaySeconds(refreshConfig({} as Env), attempts))).toEqual([30, 60, 120]);
    // Still claimed by the message: the retry goes on.
    expect((await getSource(env.KV, source.id))?.claim?.token).toBe(message.token);
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
    const crashed = await withWriterKv(source.id, (kv) => failingPutsOf(kv, (key) => key.startsWith("source:")), () => consume(testEnv, next));
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

/** The source's record as given (validators or fingerprints taken away), then claimed for `token`. */
async function claimFor(id: string, token: string, record: Source): Promise<void> {
  await putSource(env.KV, record);
  expect((await claimSources(env.ARTICLE_WRITER, [{ id, token }], Date.now())).granted.get(id)).toBe(token);
}

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
    await claimFor(source.id, token, { ...done!, etag: undefined });
    const again = await consume({ ...env, REFRESH_QUEUE: queue }, [{ id: source.id, token }]);
    expect(again.retryMessages).toHaveLength(0);
    expect(sent).toHaveLength(0);
    const after = await getSource(env.KV, source.id);
    expect(after?.last_counts).toEqual({ created: 0, updated: 0, unchanged: 50, invalid: 0, deferred: 0 });
    expect(after?.etag).toBe(done?.etag);

    // 4 items not vouched for by a fingerprint, 3 a part: the 46 fingerprinted ones take no share,
    // so the document is done in 2 parts (items 0-48, then item 49).
    const token2 = crypto.randomUUID();
    await claimFor(source.id, token2, { ...after!, etag: undefined, item_fingerprints: after!.item_fingerprints!.slice(0, 46) });
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
  it("fans a tick's 50 due sources out to the Worker's queue() handler, each refreshed once", { timeout: 120_000 }, async () => {
    const run = uniqueId("real");
    const sources = await Promise.all(Array.from({ length: 50 }, (_, i) => addSource(`/items/1?t=${run}-${i}`)));
    await tick(env);
    await until(
      async () => {
        const states = await Promise.all(sources.map((s) => getSource(env.KV, s.id)));
        return states.every((s) => s?.last_status === 200 && s.claim === undefined);
      },
      100_000,
      "every source refreshed",
    );
    const fetches = await fetchesOf(run);
    expect(fetches).toHaveLength(50);
    expect(new Set(fetches.map((f) => new URL(f.url).searchParams.get("t"))).size).toBe(50);
  });

  it("retries a refresh that keeps failing on storage max_retries times, the delays doubling, then dead-letters it", { timeout: 90_000 }, async () => {
    const run = uniqueId("dlq");
    const source = await addSource(`/items/2?t=${run}`);
    const attempts = REFRESH_MAX_RETRIES + 1;
    await failingArticleWrites(await itemIds(run, 2))(async () => {
      await tick(env);
      // The last attempt notes its error first; the dead-letter consumer then says it was given up.
      await until(async () => (await getSource(env.KV, source.id))?.dead_letter?.reason.includes("given up") === true, 60_000, "the dead letter");
    });
    // Each attempt fetched the document (nothing was saved), 1, 2 and 4 s apart (REFRESH_RETRY_SECONDS=1).
    const fetches = await fetchesOf(run);
    expect(fetches).toHaveLength(attempts);
    for (let i = 1; i < attempts; i++) expect(fetches[i]!.at - fetches[i - 1]!.at).toBeGreaterThanOrEqual(1000 * 2 ** (i - 1) - 50);
    const listed = await json<{ sources: Source[] }>(await call("/api/sources", { headers: adminHeaders() }));
    const shown = listed.sources.find((s) => s.id === source.id);
    expect(shown?.dead_letter?.reason).toContain(`given up after ${attempts} attempts`);
    // The last attempt's error, noted before the message was given up.
    expect(shown?.dead_letter?.reason).toContain("article write failed");
    expect(shown?.claim).toBeUndefined();
    expect(shown?.consecutive_failures).toBe(1);
    expect(Date.parse(shown?.next_due ?? "")).toBeGreaterThan(Date.now());
    // Released: a manual refresh runs (and, storage back, succeeds and clears the dead letter).
    const after = await refreshNow(source.id);
    expect(after.status).toBe(200);
    expect((await json<{ source: Source }>(after)).source.dead_letter).toBeUndefined();
  });
});
