/**
 * The cron refresh end to end in workerd: sources added through the API, the Worker's own
 * `scheduled` handler run, fixture feeds served by the mock upstream (test/fixtures/upstream,
 * wired as Miniflare's outboundService in vitest.config.ts), and the results read back through
 * the API and the feeds.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import type { Article } from "../src/domain/article";
import type { Source } from "../src/domain/source";
import { deriveArticleId } from "../src/ingest/ids";
import { runRefreshTick } from "../src/refresh/run-tick";
import { listFeedEntries } from "../src/store/articles";
import { ALL_FEED } from "../src/store/keys";
import { getSource, putSource } from "../src/store/sources";
import { parseFeed } from "../src/upstream/parse";
import { UPSTREAM, addSource, adminHeaders, call, json, uniqueId } from "./helpers";

const MIN = 60_000;

/** The in-tick path: the Worker as deployed without a refresh queue (test/queue.test.ts covers the queue). */
async function tick(overrides: Partial<Cloudflare.Env> = {}): Promise<void> {
  const controller = createScheduledController({ scheduledTime: Date.now(), cron: "*/10 * * * *" });
  const ctx = createExecutionContext();
  const { REFRESH_QUEUE: _queue, ...withoutQueue } = env;
  await worker.scheduled(controller, { ...withoutQueue, ...overrides } as Cloudflare.Env, ctx);
  await waitOnExecutionContext(ctx);
}


async function stateOf(id: string): Promise<Source> {
  const response = await call(`/api/sources/${id}`, { headers: adminHeaders() });
  expect(response.status).toBe(200);
  return json<Source>(response);
}

/** Makes a source due now; `forget` also drops its validators, so the next fetch gets the whole document. */
async function makeDue(id: string, forget = false): Promise<void> {
  const source = await getSource(env.KV, id);
  if (!source) throw new Error(`no source ${id}`);
  const { etag, last_modified, ...rest } = source;
  await putSource(env.KV, { ...(forget ? rest : source), next_due: new Date(Date.now() - 1000).toISOString() });
}

interface LoggedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
}

async function upstreamLog(match: string): Promise<LoggedRequest[]> {
  return json<LoggedRequest[]>(await fetch(`${UPSTREAM}/__log?match=${encodeURIComponent(match)}`));
}

async function article(url: string): Promise<Article> {
  const response = await call(`/api/articles/${await deriveArticleId(url)}`);
  expect(response.status).toBe(200);
  return json<Article>(response);
}

async function feedTitles(path: string): Promise<string[]> {
  const response = await call(`/feeds/${path}.json?limit=200`);
  expect(response.status).toBe(200);
  return (await json<{ items: { title?: string }[] }>(response)).items.map((i) => i.title ?? "");
}

const tagKeys = (a: Pick<Article, "tags">): string[] => a.tags.map((t) => `${t.type}/${t.slug}`);

describe("cron refresh: a source from add to feed", () => {
  it("fetches, maps categories and default tags, and serves the items in the tag feeds", async () => {
    const nonce = uniqueId("e2e");
    const source = await addSource(`/files/news-a.xml?t=${nonce}`, { name: "Вести Алматы", tags: ["Новости"] });
    await tick();

    const state = await stateOf(source.id);
    expect(state).toMatchObject({ last_status: 200, consecutive_failures: 0, items_seen: 3, etag: expect.stringMatching(/^"/), last_modified: "Wed, 01 May 2024 10:00:00 GMT" });
    expect(state.last_error).toBeUndefined();
    expect(state.last_counts).toMatchObject({ invalid: 0, deferred: 0 });
    expect((state.last_counts?.created ?? 0) + (state.last_counts?.updated ?? 0)).toBe(3);
    expect(Date.parse(state.next_due) - Date.parse(state.last_fetch ?? "")).toBe(30 * MIN);

    const metro = await article("https://vesti-almaty.example/news/metro-2024");
    expect(metro.title).toBe("В Алматы открыли новую ветку метро");
    expect(metro.published).toBe("2024-05-01T04:00:00.000Z");
    expect(metro.summary).toBe("Три новые станции приняли первых пассажиров.");
    expect(metro.sources).toContainEqual({ name: "Вести Алматы", url: `${UPSTREAM}/files/news-a.xml?t=${nonce}` });
    expect(tagKeys(metro)).toEqual(expect.arrayContaining(["topic/novosti", "city/almaty", "topic/transport"]));

    // Auto-tagging found the party and the city in the text.
    const congress = await article("https://vesti-almaty.example/news/congress");
    expect(tagKeys(congress)).toEqual(expect.arrayContaining(["party/amanat", "city/astana", "topic/novosti"]));

    expect(await feedTitles("city/almaty")).toContain("В Алматы открыли новую ветку метро");
    expect(await feedTitles("party/amanat")).toContain("Съезд партии");
    expect(await feedTitles("topic/novosti")).toEqual(expect.arrayContaining(["В Алматы открыли новую ветку метро", "Съезд партии", "Общая новость: паводки на севере"]));
  });

  it("keeps every item of a page whose permalinks differ only by #fragment, links as published", async () => {
    const nonce = uniqueId("frag");
    const source = await addSource(`/files/fragment-linklog.xml?t=${nonce}`, { autotag: false });
    await tick();
    const state = await stateOf(source.id);
    expect(state.last_counts).toMatchObject({ invalid: 0, deferred: 0 });
    expect((state.last_counts?.created ?? 0) + (state.last_counts?.updated ?? 0) + (state.last_counts?.unchanged ?? 0)).toBe(5);

    const response = await call("/feeds/topic/linklog-fragments.json?limit=200");
    expect(response.status).toBe(200);
    const items = (await json<{ items: { id: string; url?: string; title?: string; date_published: string }[] }>(response)).items;
    const page = "https://linklog.example/2024/05/";
    const mine = items.filter((i) => i.url?.startsWith(page));
    expect(mine.map((i) => i.url).sort()).toEqual([1, 2, 3, 4, 5].map((n) => `${page}#note-${n}`));
    expect(new Set(mine.map((i) => i.id)).size).toBe(5);
    // The untitled item is titled by its link; bad dates fall back to when it was first seen.
    expect(mine.find((i) => i.url?.endsWith("#note-4"))?.title).toBe("linklog.example/2024/05/#note-4");
    for (const n of [3, 5]) {
      const seen = Date.parse(mine.find((i) => i.url?.endsWith(`#note-${n}`))?.date_published ?? "");
      expect(Math.abs(seen - Date.parse(state.last_fetch ?? ""))).toBeLessThan(10 * MIN);
    }

    // A second full fetch finds the same five articles, creating none.
    await makeDue(source.id, true);
    await tick();
    const again = await stateOf(source.id);
    expect(again.last_counts).toMatchObject({ created: 0, invalid: 0 });
  });

  it("uses conditional GET on the next run, and a 304 or unchanged document writes nothing", async () => {
    const nonce = uniqueId("cond");
    const source = await addSource(`/files/news-a.xml?t=${nonce}`);
    await tick();
    const first = await stateOf(source.id);
    const before = await article("https://vesti-almaty.example/news/metro-2024");

    await makeDue(source.id);
    await tick();
    const requests = await upstreamLog(nonce);
    expect(requests).toHaveLength(2);
    expect(requests[0]?.headers["if-none-match"]).toBeUndefined();
    expect(requests[0]?.headers["user-agent"]).toMatch(/^tagfeed\/0\.1 /);
    expect(requests[0]?.headers.accept).toContain("application/rss+xml");
    expect(requests[1]?.headers["if-none-match"]).toBe(first.etag);
    expect(requests[1]?.headers["if-modified-since"]).toBe("Wed, 01 May 2024 10:00:00 GMT");
    const second = await stateOf(source.id);
    expect(second).toMatchObject({ last_status: 304, consecutive_failures: 0, etag: first.etag, items_seen: 3 });
    expect(second.last_counts).toEqual({ created: 0, updated: 0, unchanged: 0, invalid: 0, deferred: 0 });

    // Without validators the whole document comes again: every item is unchanged, nothing is rewritten.
    await makeDue(source.id, true);
    await tick();
    const third = await stateOf(source.id);
    expect(third.last_status).toBe(200);
    expect(third.last_counts).toEqual({ created: 0, updated: 0, unchanged: 3, invalid: 0, deferred: 0 });
    const after = await article("https://vesti-almaty.example/news/metro-2024");
    expect(after.modified).toBe(before.modified);
    expect(after.rev).toBe(before.rev);
    const { entries } = await listFeedEntries(env.KV, ALL_FEED, { limit: 10_000 });
    expect(entries.filter((e) => e.id === after.id)).toHaveLength(1);
    // Those three were skipped by fingerprint, not mapped and normalized again.
    expect(third.item_fingerprints).toHaveLength(3);
    expect(third.item_fingerprints).toEqual(first.item_fingerprints);

    // New default tags change every fingerprint: the items are processed again and gain the tag.
    const stored = await getSource(env.KV, source.id);
    const { etag: _etag, last_modified: _lastModified, ...withoutValidators } = stored!;
    await putSource(env.KV, { ...withoutValidators, tags: [{ type: "topic", name: nonce }], next_due: new Date(Date.now() - 1000).toISOString() });
    await tick();
    const fourth = await stateOf(source.id);
    expect(fourth.last_counts).toMatchObject({ updated: 3, unchanged: 0 });
    expect(fourth.item_fingerprints).not.toEqual(first.item_fingerprints);
    expect(tagKeys(await article("https://vesti-almaty.example/news/metro-2024"))).toContain(`topic/${nonce.toLowerCase()}`);
  });

  it("gives an undated item the time it was first seen, and keeps it on later fetches", async () => {
    const nonce = uniqueId("undated");
    const source = await addSource(`/files/undated.xml?t=${nonce}`);
    const startedMs = Date.now();
    await tick();
    expect((await stateOf(source.id)).last_counts).toMatchObject({ created: 2, invalid: 0 });
    const untitled = await article("https://nodates.example/untitled");
    expect(untitled.title).toBe("Элемент без заголовка и без даты, но с текстом, который станет заголовком.");
    expect(Date.parse(untitled.published)).toBeGreaterThanOrEqual(startedMs - 1000);

    await makeDue(source.id, true);
    await tick();
    expect((await stateOf(source.id)).last_counts).toMatchObject({ created: 0, updated: 0, unchanged: 2 });
    expect((await article("https://nodates.example/untitled")).published).toBe(untitled.published);
  });
});

describe("cron refresh: the same story from two sources", () => {
  it("is one article listing both sources, with the union of their tags, and stays put on later runs", async () => {
    const nonce = uniqueId("two");
    const a = await addSource(`/files/news-a.xml?t=${nonce}`, { name: "Вести Алматы" });
    const b = await addSource(`/files/news-b.atom?t=${nonce}`, { name: "Северный вестник" });
    await tick();

    const story = await article("https://shared.example/story/floods");
    expect(story.sources).toEqual(
      expect.arrayContaining([
        { name: "Вести Алматы", url: `${UPSTREAM}/files/news-a.xml?t=${nonce}` },
        { name: "Северный вестник", url: `${UPSTREAM}/files/news-b.atom?t=${nonce}` },
      ]),
    );
    expect(tagKeys(story)).toEqual(expect.arrayContaining(["topic/pavodki", "topic/navodneniya"]));
    expect(["Общая новость: паводки на севере", "Паводки на севере: вода поднимается"]).toContain(story.title);
    const { entries } = await listFeedEntries(env.KV, ALL_FEED, { limit: 10_000 });
    expect(entries.filter((e) => e.id === story.id)).toHaveLength(1);

    // Both feeds again, in full: the article does not flip between their versions.
    await makeDue(a.id, true);
    await makeDue(b.id, true);
    await tick();
    for (const id of [a.id, b.id]) expect((await stateOf(id)).last_counts).toMatchObject({ created: 0, updated: 0 });
    const again = await article("https://shared.example/story/floods");
    expect(again.rev).toBe(story.rev);
    expect(again.modified).toBe(story.modified);
  });
});

describe("cron refresh: two feeds answering at the same moment", () => {
  it("never lose one of the sources of a story both carry", async () => {
    const nonce = uniqueId("race");
    const a = await addSource(`/files/race-a.xml?t=${nonce}`, { name: "Race A" });
    const b = await addSource(`/files/race-b.xml?t=${nonce}`, { name: "Race B" });
    // Hold both answers until both have arrived, so the two sources' processing runs in lockstep.
    let arrived = 0;
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const gatedFetch = async (request: Request): Promise<Response> => {
      const response = await fetch(request);
      const body = await response.arrayBuffer();
      if (++arrived === 2) open();
      await gate;
      return new Response(body, { status: response.status, headers: response.headers });
    };
    const report = await runRefreshTick(env, { fetch: gatedFetch, parse: parseFeed, now: Date.now });
    expect(report.refreshed.map((r) => r.id).sort()).toEqual([a.id, b.id].sort());

    const story = await article("https://race.example/story");
    expect(story.sources.map((s) => s.name).sort()).toEqual(["Race A", "Race B"]);
  });
});

describe("cron refresh: a source deleted mid-refresh", () => {
  it("stays deleted: the refresh does not write its state back", async () => {
    const source = await addSource(`/files/podcast.json?t=${uniqueId("mid")}`);
    let fetched = (): void => undefined;
    const wasFetched = new Promise<void>((resolve) => (fetched = resolve));
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const gatedFetch = async (request: Request): Promise<Response> => {
      const response = await fetch(request);
      const body = await response.arrayBuffer();
      fetched();
      await gate;
      return new Response(body, { status: response.status, headers: response.headers });
    };
    const running = runRefreshTick(env, { fetch: gatedFetch, parse: parseFeed, now: Date.now });
    await wasFetched;
    expect((await call(`/api/sources/${source.id}`, { method: "DELETE", headers: adminHeaders() })).status).toBe(200);
    release();
    const report = await running;
    expect(report.refreshed.map((r) => r.id)).toEqual([source.id]);
    expect(await getSource(env.KV, source.id)).toBeNull();
  });
});

describe("cron refresh: failures", () => {
  it("records each broken source's failure and backoff while a good source in the same tick succeeds", async () => {
    const nonce = uniqueId("broken");
    const broken = {
      http500: await addSource(`/status/500?t=${nonce}`),
      garbage: await addSource(`/garbage?t=${nonce}`),
      hang: await addSource(`/hang?t=${nonce}`),
      trickle: await addSource(`/trickle?t=${nonce}`),
      loop: await addSource(`/loop/a?t=${nonce}`),
      tooManyRedirects: await addSource(`/redirect/6/news-b.atom?t=${nonce}`),
      big: await addSource(`/big?t=${nonce}`),
      bigDeclared: await addSource(`/big-declared?t=${nonce}`),
      gzipBomb: await addSource(`/gzip-bomb?t=${nonce}`),
      privateRedirect: await addSource(`/private-redirect?t=${nonce}`),
      rateLimited: await addSource(`/status/429?retry-after=7200&t=${nonce}`),
      unavailable: await addSource(`/status/503?retry-after=${encodeURIComponent("Fri, 01 Jan 2100 00:00:00 GMT")}&t=${nonce}`),
      missing: await addSource(`/status/404?t=${nonce}`),
    };
    const good = await addSource(`/files/podcast.json?t=${nonce}`, { name: "Подкаст" });

    await tick({ ALLOW_PRIVATE_SOURCES: "false", REFRESH_FETCH_TIMEOUT_MS: "1000", REFRESH_MAX_BYTES: String(1024 * 1024) });

    const expected: Record<keyof typeof broken, number | string> = {
      http500: 500,
      garbage: "parse_error",
      hang: "timeout",
      trickle: "timeout",
      loop: "redirect_loop",
      tooManyRedirects: "too_many_redirects",
      big: "too_large",
      bigDeclared: "too_large",
      gzipBomb: "too_large",
      privateRedirect: "blocked_url",
      rateLimited: 429,
      unavailable: 503,
      missing: 404,
    };
    for (const [name, source] of Object.entries(broken) as [keyof typeof broken, Source][]) {
      const state = await stateOf(source.id);
      expect({ name, status: state.last_status }).toEqual({ name, status: expected[name] });
      expect(state.consecutive_failures).toBe(1);
      expect(state.last_error).toMatch(/\w/);
      const delay = Date.parse(state.next_due) - Date.parse(state.last_fetch ?? "");
      if (name === "rateLimited") expect(delay).toBeGreaterThanOrEqual(7200_000 - 5000);
      else if (name === "unavailable") expect(delay).toBe(7 * 24 * 60 * MIN);
      else expect(delay).toBe(60 * MIN);
    }
    expect((await stateOf(broken.privateRedirect.id)).last_error).toMatch(/169\.254\.169\.254/);

    const ok = await stateOf(good.id);
    expect(ok).toMatchObject({ last_status: 200, consecutive_failures: 0, items_seen: 2 });
    expect(ok.last_counts).toMatchObject({ created: 2 });
    expect(await feedTitles("city/shymkent")).toContain("Выпуск 12: Шымкент");
    expect(await feedTitles("topic/podkast")).toContain("Выпуск 12: Шымкент");

    // Backed off: the next tick leaves them alone.
    const before = (await upstreamLog(nonce)).length;
    await tick();
    expect((await upstreamLog(nonce)).length).toBe(before);

    // A second failure in a row doubles the wait.
    await makeDue(broken.http500.id);
    await tick();
    const twice = await stateOf(broken.http500.id);
    expect(twice.consecutive_failures).toBe(2);
    expect(Date.parse(twice.next_due) - Date.parse(twice.last_fetch ?? "")).toBe(120 * MIN);

    // Leave no due sources behind for the other tests' ticks.
    for (const source of Object.values(broken)) await call(`/api/sources/${source.id}`, { method: "DELETE", headers: adminHeaders() });
  });
});

describe("cron refresh: redirects", () => {
  it("records the final URL after a 301 and fetches from there on", async () => {
    const nonce = uniqueId("moved");
    const source = await addSource(`/moved/news-b.atom?t=${nonce}`);
    await tick();
    const state = await stateOf(source.id);
    expect(state).toMatchObject({ last_status: 200, final_url: `${UPSTREAM}/files/news-b.atom?t=${nonce}`, url: `${UPSTREAM}/moved/news-b.atom?t=${nonce}` });

    const refreshed = await call(`/api/sources/${source.id}/refresh`, { method: "POST", headers: adminHeaders() });
    expect(refreshed.status).toBe(200);
    expect((await json(refreshed)).refresh).toMatchObject({ outcome: "not_modified", status: 304, requests: 1 });
    const paths = (await upstreamLog(nonce)).map((r) => new URL(r.url).pathname);
    expect(paths).toEqual(["/moved/news-b.atom", "/files/news-b.atom", "/files/news-b.atom"]);
  });

  it("does not record a final URL for temporary redirects", async () => {
    const source = await addSource(`/redirect/2/podcast.json?t=${uniqueId("temp")}`);
    await tick();
    const state = await stateOf(source.id);
    expect(state.last_status).toBe(200);
    expect(state.final_url).toBeUndefined();
  });
});

describe("POST /api/sources/{id}/refresh", () => {
  it("refreshes now, whatever the schedule, and answers the outcome", async () => {
    const source = await addSource(`/files/news-b.atom?t=${uniqueId("now")}`);
    const response = await call(`/api/sources/${source.id}/refresh`, { method: "POST", headers: adminHeaders() });
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body.refresh).toMatchObject({ id: source.id, outcome: "updated", status: 200, items: 2, requests: 1 });
    expect(body.refresh.counts.invalid).toBe(0);
    expect(body.source).toMatchObject({ id: source.id, last_status: 200, items_seen: 2 });

    const again = await json(await call(`/api/sources/${source.id}/refresh`, { method: "POST", headers: adminHeaders() }));
    expect(again.refresh).toMatchObject({ outcome: "not_modified", status: 304 });
  });

  it("answers a failed refresh with 200 and the recorded failure", async () => {
    const source = await addSource(`/status/500?t=${uniqueId("now-fail")}`);
    const body = await json(await call(`/api/sources/${source.id}/refresh`, { method: "POST", headers: adminHeaders() }));
    expect(body.refresh).toMatchObject({ outcome: "failed", status: 500 });
    expect(body.source).toMatchObject({ last_status: 500, consecutive_failures: 1 });
    await call(`/api/sources/${source.id}`, { method: "DELETE", headers: adminHeaders() });
  });
});

describe("cron refresh: budgets", () => {
  it("refreshes at most REFRESH_MAX_SOURCES per tick, oldest due first, and the rest next tick", async () => {
    const first = await addSource(`/files/podcast.json?t=${uniqueId("batch1")}`);
    const second = await addSource(`/files/podcast.json?t=${uniqueId("batch2")}`);
    await tick({ REFRESH_MAX_SOURCES: "1" });
    expect((await stateOf(first.id)).last_fetch).toBeDefined();
    expect((await stateOf(second.id)).last_fetch).toBeUndefined();
    await tick({ REFRESH_MAX_SOURCES: "1" });
    expect((await stateOf(second.id)).last_status).toBe(200);
  });

  it("leaves the items a tick's KV budget cannot write to the next tick, which writes them without fetching again", async () => {
    const nonce = uniqueId("kv");
    const source = await addSource(`/files/podcast.json?t=${nonce}`);
    await tick({ REFRESH_KV_OPS: "10" });
    const starved = await stateOf(source.id);
    // The rest waits as a stored part (test/refresh-parts.test.ts); the state stands until the document is whole.
    expect(starved.resume?.part).toBe(1);
    expect(starved.last_status).toBeUndefined();
    expect(Date.parse(starved.next_due)).toBeLessThanOrEqual(Date.now());
    // A tick too small for even one item leaves the part as it was, its expiry still running.
    await tick({ REFRESH_KV_OPS: "10" });
    expect((await stateOf(source.id)).resume).toEqual(starved.resume);

    await tick();
    const done = await stateOf(source.id);
    expect(done.resume).toBeUndefined();
    expect(done.last_counts).toMatchObject({ created: 2, deferred: 0 });
    expect(done.etag).toBeDefined();
    expect(await upstreamLog(nonce)).toHaveLength(1);
  });

  it("a source deleted while due is not refreshed", async () => {
    const nonce = uniqueId("gone");
    const source = await addSource(`/files/podcast.json?t=${nonce}`);
    await call(`/api/sources/${source.id}`, { method: "DELETE", headers: adminHeaders() });
    await tick();
    expect(await upstreamLog(nonce)).toHaveLength(0);
    expect(await getSource(env.KV, source.id)).toBeNull();
  });
});
