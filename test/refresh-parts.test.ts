/**
 * Documents refreshed in parts by the in-tick path (no refresh queue): a document whose changed
 * items do not fit a tick's KV budget, or its bound on new items (REFRESH_ITEMS_PER_PART, shared
 * by the tick's sources), is stored as a part (refresh/resume.ts) and finished by the next ticks
 * without fetching again; sources in the middle of a document go first; a source without a share
 * of the bound is not fetched; a deleted source's part is never used; a manual refresh (bounded
 * alike) or a first queue message takes a pending part up.
 * Real local KV and article writers; the mock upstream (test/fixtures/upstream) serves `/items/{n}`.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import type { Source } from "../src/domain/source";
import { deriveArticleId } from "../src/ingest/ids";
import type { RefreshMessage } from "../src/refresh/queue";
import { type TickReport, runRefreshTick } from "../src/refresh/run-tick";
import { getArticles } from "../src/store/articles";
import { claimSources } from "../src/store/claims";
import { resumeKey } from "../src/store/keys";
import { getSource, listDue, putSource } from "../src/store/sources";
import { parseFeed } from "../src/upstream/parse";
import { UPSTREAM, addSource, adminHeaders, call, json, uniqueId } from "./helpers";

/**
 * A tick budget well below what a 40-item document of 3 categories per item costs (about 200
 * operations), the bound on new items out of its way: these tests are about the KV budget.
 */
const SMALL_TICK = { REFRESH_KV_OPS: "100", REFRESH_ITEMS_PER_PART: "200" };
/** The bound on new items a tick maps, as shipped (wrangler.jsonc): the free plan's. */
const PER_TICK = Number(env.REFRESH_ITEMS_PER_PART);

function tick(overrides: Partial<Cloudflare.Env> = {}): Promise<TickReport> {
  return runRefreshTick({ ...env, ...overrides } as Cloudflare.Env, { fetch: (request) => fetch(request), parse: parseFeed, now: Date.now });
}


async function record(id: string): Promise<Source> {
  const source = await getSource(env.KV, id);
  if (!source) throw new Error(`no source ${id}`);
  return source;
}

const fetches = async (run: string): Promise<number> => ((await (await fetch(`${UPSTREAM}/__log?match=${run}`)).json()) as unknown[]).length;

async function itemsStored(run: string, n: number): Promise<number> {
  const ids = await Promise.all(Array.from({ length: n }, (_, i) => deriveArticleId(`https://news.example/${run}/${i}`)));
  return [...(await getArticles(env.KV, ids)).values()].filter((a) => a !== null).length;
}

const isFresh = (s: Source, items: number): boolean => s.last_status === 200 && s.items_seen === items && s.resume === undefined;

async function remove(id: string): Promise<void> {
  expect((await call(`/api/sources/${id}`, { method: "DELETE", headers: adminHeaders() })).status).toBe(200);
}

describe("a document too big for one tick", () => {
  it("is finished across ticks with one fetch, every item stored once, the old validators kept until the end", async () => {
    const run = uniqueId("parts");
    const added = await addSource(`/items/40?t=${run}`);
    // Validators and fingerprints of an earlier document: they must stand until this one is whole.
    const old = { ...(await record(added.id)), etag: '"old"', item_fingerprints: ["0".repeat(24)] };
    await putSource(env.KV, old);

    const first = await tick(SMALL_TICK);
    expect(first.continued).toBe(1);
    expect(first.refreshed[0]).toMatchObject({ id: added.id, requests: 1, continues: true });
    const midway = await record(added.id);
    expect(midway.resume).toMatchObject({ part: 1, url: added.url });
    expect(midway.etag).toBe('"old"');
    expect(midway.item_fingerprints).toEqual(old.item_fingerprints);
    expect(midway.next_due).toBe(old.next_due);
    expect(midway.last_counts).toBeUndefined();
    // The list says so: the next tick knows without reading the record.
    expect((await listDue(env.KV)).find((e) => e.id === added.id)?.resumeUntilMs).toBe(Date.parse(midway.resume?.until ?? ""));
    const partial = await itemsStored(run, 40);
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(40);

    let ticks = 1;
    let last = first;
    while ((await record(added.id)).resume !== undefined && ticks < 10) {
      last = await tick(SMALL_TICK);
      ticks += 1;
      // A part taken up: nothing fetched or parsed.
      expect(last.refreshed[0]).toMatchObject({ id: added.id, resumed: true, requests: 0 });
      expect(last.subrequests).toBe(0);
    }
    expect(ticks).toBeGreaterThan(2);
    expect(ticks).toBeLessThan(10);
    expect(last.refreshed[0]?.continues).toBeUndefined();

    expect(await fetches(run)).toBe(1);
    expect(await itemsStored(run, 40)).toBe(40);
    const done = await record(added.id);
    expect(isFresh(done, 40)).toBe(true);
    expect(done.etag).toBeDefined();
    expect(done.etag).not.toBe('"old"');
    expect(done.item_fingerprints).toHaveLength(40);
    // Every item written once: all created, none found unchanged by a repeated part.
    expect(done.last_counts).toMatchObject({ created: 40, unchanged: 0, invalid: 0, deferred: 0 });
    expect(Date.parse(done.next_due)).toBeGreaterThan(Date.now());
    expect((await listDue(env.KV)).find((e) => e.id === added.id)?.resumeUntilMs).toBe(0);

    // The next refresh is conditional again, with the document's own validators.
    await putSource(env.KV, { ...done, next_due: new Date(Date.now() - 1000).toISOString() });
    expect((await tick()).refreshed[0]).toMatchObject({ id: added.id, outcome: "not_modified" });
    await remove(added.id);
  });

  it("of a source deleted meanwhile is never taken up, not even by the same feed added again", async () => {
    const run = uniqueId("gone");
    const added = await addSource(`/items/40?t=${run}`);
    expect((await tick(SMALL_TICK)).continued).toBe(1);
    const resume = (await record(added.id)).resume;
    expect(resume).toBeDefined();
    await remove(added.id);

    // Not listed, not read.
    expect((await tick(SMALL_TICK)).refreshed).toHaveLength(0);
    // The part itself waits out its expiry, unused.
    expect(await env.KV.get(resumeKey(added.id, resume?.token ?? "", resume?.part ?? 0))).not.toBeNull();

    // Added again: the same id, a new record that names no part; its document is fetched afresh.
    const again = await addSource(`/items/40?t=${run}`);
    expect(again.id).toBe(added.id);
    const report = await tick(SMALL_TICK);
    expect(report.refreshed[0]).toMatchObject({ id: added.id, requests: 1 });
    expect(report.refreshed[0]?.resumed).toBeUndefined();
    expect(await fetches(run)).toBe(2);
    const newPart = (await record(added.id)).resume;
    expect(newPart?.token).not.toBe(resume?.token);
    await remove(added.id);
  });
});

describe("many new sources bigger than one tick", () => {
  it("become fresh one after another, each fetched once", async () => {
    const run = uniqueId("fair");
    const sources: Source[] = [];
    for (let i = 0; i < 5; i++) sources.push(await addSource(`/items/40?t=${run}-${i}`));
    // The order the tick takes them in: oldest due first, ties by id.
    const order = [...sources].sort((a, b) => Date.parse(a.next_due) - Date.parse(b.next_due) || (a.id < b.id ? -1 : 1)).map((s) => s.id);

    const freshAfter: number[] = [];
    let ticks = 0;
    let kvOps = 0;
    while (freshAfter.length < sources.length && ticks < 30) {
      const report = await tick(SMALL_TICK);
      ticks += 1;
      kvOps += report.kvOps;
      const states = await Promise.all(order.map(record));
      const fresh = states.map((s) => isFresh(s, 40));
      // Fresh in due order: never a later source before an earlier one.
      expect(fresh).toEqual([...fresh].sort((a, b) => Number(b) - Number(a)));
      // Half-done at once: at most what one tick started together.
      expect(states.filter((s) => s.resume !== undefined).length).toBeLessThanOrEqual(4);
      const count = fresh.filter(Boolean).length;
      while (freshAfter.length < count) freshAfter.push(ticks);
    }
    expect(freshAfter).toHaveLength(sources.length);
    // One after another: each in a tick of its own, the first long before the last.
    expect(new Set(freshAfter).size).toBe(sources.length);
    expect(freshAfter[0]).toBeLessThanOrEqual(ticks / 2);
    // No tick spent on fetching again: the ticks needed are about the work divided by the budget.
    expect(ticks).toBeLessThanOrEqual(Math.ceil(kvOps / Number(SMALL_TICK.REFRESH_KV_OPS)) + 2);
    for (const [i] of sources.entries()) {
      expect(await fetches(`${run}-${i}`)).toBe(1);
      expect(await itemsStored(`${run}-${i}`, 40)).toBe(40);
    }
    expect(await fetches(run)).toBe(sources.length);
    for (const s of sources) await remove(s.id);
  });
});

describe("the tick's bound on new items (REFRESH_ITEMS_PER_PART)", () => {
  it("finishes a 20-new-item source in parts of the bound: one fetch, every item stored once, the validators saved at the end", async () => {
    expect(PER_TICK).toBe(6);
    const run = uniqueId("cpu");
    const added = await addSource(`/items/20?t=${run}`);
    const stored: number[] = [];
    let ticks = 0;
    while (!isFresh(await record(added.id), 20) && ticks < 10) {
      const report = await tick();
      ticks += 1;
      expect(report.refreshed).toHaveLength(1);
      expect(report.refreshed[0]?.mapped).toBeLessThanOrEqual(PER_TICK);
      if (ticks > 1) expect(report.refreshed[0]).toMatchObject({ resumed: true, requests: 0 });
      stored.push(await itemsStored(run, 20));
      const midway = await record(added.id);
      // The validators are the whole document's, saved with its last part only.
      if (midway.resume !== undefined) expect(midway.etag).toBeUndefined();
    }
    // 6 + 6 + 6 + 2: never more than the bound created in one tick.
    expect(ticks).toBe(4);
    expect(stored).toEqual([6, 12, 18, 20]);
    expect(await fetches(run)).toBe(1);
    const done = await record(added.id);
    expect(done.etag).toBeDefined();
    expect(done.item_fingerprints).toHaveLength(20);
    expect(done.last_counts).toMatchObject({ created: 20, unchanged: 0, invalid: 0, deferred: 0 });
    // The document's own validators: the next refresh is conditional.
    await putSource(env.KV, { ...done, next_due: new Date(Date.now() - 1000).toISOString() });
    expect((await tick()).refreshed[0]).toMatchObject({ id: added.id, outcome: "not_modified", mapped: 0 });
    await remove(added.id);
  });

  it("is shared by the sources of a tick: never more than the bound mapped and stored in one tick in all", async () => {
    const run = uniqueId("share");
    const sources = [await addSource(`/items/20?t=${run}-0`), await addSource(`/items/20?t=${run}-1`)];
    const storedAll = async (): Promise<number> => (await itemsStored(`${run}-0`, 20)) + (await itemsStored(`${run}-1`, 20));
    let before = 0;
    let ticks = 0;
    let bothStarted = false;
    while (!(await Promise.all(sources.map(async (s) => isFresh(await record(s.id), 20)))).every(Boolean) && ticks < 20) {
      const report = await tick();
      ticks += 1;
      if (ticks === 1) bothStarted = report.refreshed.length === 2;
      expect(report.refreshed.reduce((sum, r) => sum + r.mapped, 0)).toBeLessThanOrEqual(PER_TICK);
      const now = await storedAll();
      expect(now - before).toBeLessThanOrEqual(PER_TICK);
      before = now;
    }
    // Started together (fetched at once), so the first tick shared its bound between them.
    expect(bothStarted).toBe(true);
    expect(before).toBe(40);
    expect(ticks).toBe(Math.ceil(40 / PER_TICK));
    for (const [i, s] of sources.entries()) {
      expect(await fetches(`${run}-${i}`)).toBe(1);
      expect((await record(s.id)).last_counts).toMatchObject({ created: 20, unchanged: 0 });
    }
    for (const s of sources) await remove(s.id);
  });

  it("starts no source when a part took the whole bound: the source is not fetched, stays due and goes first next tick", async () => {
    const run = uniqueId("starve");
    // Twice the bound: its part in the second tick maps exactly what is left of it.
    const big = await addSource(`/items/${2 * PER_TICK}?t=${run}-big`);
    expect((await tick()).continued).toBe(1);
    const waiting = await addSource(`/items/3?t=${run}-small`);
    const second = await tick();
    expect(second.refreshed.map((r) => r.id)).toEqual([big.id]);
    expect(second.refreshed[0]).toMatchObject({ resumed: true, mapped: PER_TICK });
    expect(second.stopped).toBe("items");
    expect(isFresh(await record(big.id), 2 * PER_TICK)).toBe(true);
    expect(await fetches(`${run}-small`)).toBe(0);
    const untouched = await record(waiting.id);
    expect(untouched.next_due).toBe(waiting.next_due);
    expect(untouched.last_fetch).toBeUndefined();
    // Its claim was released at the end of the tick: a manual refresh could take it now.
    const third = await tick();
    expect(third.refreshed.map((r) => r.id)).toEqual([waiting.id]);
    expect(await fetches(`${run}-small`)).toBe(1);
    expect(isFresh(await record(waiting.id), 3)).toBe(true);
    await remove(big.id);
    await remove(waiting.id);
  });
});

describe("a pending part met by another refresh", () => {
  it("is taken up by POST /api/sources/{id}/refresh instead of a fetch, within the bound on new items, the rest left to the tick", async () => {
    const run = uniqueId("manual");
    const added = await addSource(`/items/40?t=${run}`);
    expect((await tick(SMALL_TICK)).continued).toBe(1);
    const before = await itemsStored(run, 40);
    expect(40 - before).toBeGreaterThan(PER_TICK);
    const response = await call(`/api/sources/${added.id}/refresh`, { method: "POST", headers: adminHeaders() });
    expect(response.status).toBe(200);
    const body = await json<{ source: Source; refresh: { resumed?: boolean; requests: number; continues?: boolean; mapped: number } }>(response);
    // Its own invocation, bounded like a tick: PER_TICK more items, and the rest a part again.
    expect(body.refresh).toMatchObject({ resumed: true, requests: 0, mapped: PER_TICK, continues: true });
    expect(body.source.claim).toBeUndefined();
    expect(body.source.resume?.part).toBe(2);
    expect(await itemsStored(run, 40)).toBe(before + PER_TICK);
    // The tick takes the rest up first, without a fetch.
    for (let ticks = 0; (await record(added.id)).resume !== undefined && ticks < 10; ticks++) expect((await tick(SMALL_TICK)).refreshed[0]).toMatchObject({ id: added.id, resumed: true, requests: 0 });
    const done = await record(added.id);
    expect(isFresh(done, 40)).toBe(true);
    expect(done.last_counts).toMatchObject({ created: 40, unchanged: 0 });
    expect(await fetches(run)).toBe(1);
    expect(await itemsStored(run, 40)).toBe(40);
    // Nothing left for the tick.
    expect((await tick(SMALL_TICK)).refreshed).toHaveLength(0);
    await remove(added.id);
  });

  it("is taken up by the first queue message for the source", async () => {
    const run = uniqueId("queued");
    const added = await addSource(`/items/40?t=${run}`);
    expect((await tick(SMALL_TICK)).continued).toBe(1);
    const token = crypto.randomUUID();
    // Claimed as the producer claims (store/claims.ts), with the claim's copy on the record.
    expect((await claimSources(env.ARTICLE_WRITER, [{ id: added.id, token }], Date.now())).granted.get(added.id)).toBe(token);
    await putSource(env.KV, { ...(await record(added.id)), claim: { token, until: new Date(Date.now() + 60_000).toISOString() } });
    const sent: RefreshMessage[] = [];
    const queue = { send: async (body: RefreshMessage) => void sent.push(body) } as unknown as Queue;
    const batch = createMessageBatch<RefreshMessage>("tagfeed-refresh", [{ id: "m-0", timestamp: Date.now(), attempts: 1, body: { id: added.id, token } }]);
    const ctx = createExecutionContext();
    // Parts of any size: this test is about taking the tick's part up, not the queue's own parts.
    await worker.queue(batch as MessageBatch<unknown>, { ...env, REFRESH_QUEUE: queue, REFRESH_ITEMS_PER_PART: "200" } as Cloudflare.Env, ctx);
    expect((await getQueueResult(batch, ctx)).retryMessages).toHaveLength(0);
    expect(sent).toHaveLength(0);
    expect(await fetches(run)).toBe(1);
    expect(await itemsStored(run, 40)).toBe(40);
    const done = await record(added.id);
    expect(isFresh(done, 40)).toBe(true);
    expect(done.claim).toBeUndefined();
    expect(done.last_counts).toMatchObject({ created: 40, unchanged: 0 });
    await remove(added.id);
  });
});
