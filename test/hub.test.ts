/**
 * tagfeed as its own WebSub hub in workerd (W3C WebSub §5–§8): subscriber requests to POST /hub,
 * verification of intent against a loopback subscriber (test/fixtures/upstream/mock-upstream.mjs,
 * `/subscriber/{kind}`), deliveries over the real local `tagfeed-websub` queue, signed with
 * X-Hub-Signature, retries, unsubscription and lease expiry. The hub object's run is driven
 * explicitly (its alarm may also fire; runs are serialized), with the clock moved for retries and leases.
 */
import { createExecutionContext, createScheduledController, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../src/app";
import worker from "../src/index";
import { DROP_FAILING_AFTER_MS, FETCHES_PER_RUN } from "../src/hub/hub-object";
import { LEASE_MAX_SECONDS, LEASE_MIN_SECONDS } from "../src/hub/subscription";
import { shardOf } from "../src/store/article-ops";
import type { ArticleWriter } from "../src/store/article-writer";
import { BASE, adminHeaders, call, failingPutsOf, makeArticle, submit, uniqueId } from "./helpers";

const SUBSCRIBER = "https://upstream.example/subscriber";
const hub = () => env.WEBSUB_HUB.getByName("hub");

interface LogEntry {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

async function upstreamLog(match: string): Promise<LogEntry[]> {
  return (await (await fetch(`https://upstream.example/__log?match=${encodeURIComponent(match)}`)).json()) as LogEntry[];
}

async function until<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function hubRequest(fields: Record<string, string>, testEnv: Cloudflare.Env = env): Promise<Response> {
  return await app.fetch(
    new Request(`${BASE}/hub`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields).toString() }),
    testEnv,
    createExecutionContext(),
  );
}

/** A tag with one article, so its feed exists; its Atom feed is the topic. */
async function topicWithArticle(): Promise<{ name: string; topic: string }> {
  const name = uniqueId("hub");
  expect((await submit(makeArticle({ tags: [{ type: "topic", name }] }))).status).toBe(201);
  return { name, topic: `${BASE}/feeds/topic/${name}.atom` };
}

async function subscribed(topic: string, callback: string) {
  return (await hub().subscriptions(topic)).find((s) => s.callback === callback);
}

async function cronTick(): Promise<void> {
  const ctx = createExecutionContext();
  const { REFRESH_QUEUE: _queue, ...withoutRefreshQueue } = env;
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/10 * * * *" }), withoutRefreshQueue as Cloudflare.Env, ctx);
  await waitOnExecutionContext(ctx);
}

async function hmacHex(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return Array.from(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body))), (b) => b.toString(16).padStart(2, "0")).join("");
}

describe("WebSub hub: subscriber requests", () => {
  it("refuses bad requests with 400 naming the field and why", async () => {
    const { name, topic } = await topicWithArticle();
    const callback = `${SUBSCRIBER}/ok?run=${name}`;
    const refused = async (fields: Record<string, string>, field: string, reason: RegExp, testEnv?: Cloudflare.Env) => {
      const response = await hubRequest(fields, testEnv);
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { code: string; fields: { path: string; reason: string }[] } };
      expect(body.error.code).toBe("invalid_fields");
      expect(body.error.fields).toContainEqual({ path: field, reason: expect.stringMatching(reason) });
    };
    await refused({ "hub.topic": topic, "hub.callback": callback }, "hub.mode", /subscribe/);
    await refused({ "hub.mode": "subscribe", "hub.topic": "https://elsewhere.example/feeds/all.rss", "hub.callback": callback }, "hub.topic", /not a feed of this site/);
    await refused({ "hub.mode": "subscribe", "hub.topic": `${topic}?limit=10`, "hub.callback": callback }, "hub.topic", /without a query/);
    await refused({ "hub.mode": "subscribe", "hub.topic": `${BASE}/feeds/topic/no-such-${name}.rss`, "hub.callback": callback }, "hub.topic", /answers 404/);
    await refused({ "hub.mode": "subscribe", "hub.topic": `${BASE}/articles`, "hub.callback": callback }, "hub.topic", /not a feed URL/);
    await refused({ "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": "ftp://upstream.example/cb" }, "hub.callback", /http/);
    await refused({ "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": callback, "hub.secret": "x".repeat(200) }, "hub.secret", /200 bytes/);
    await refused({ "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": callback, "hub.lease_seconds": "soon" }, "hub.lease_seconds", /whole number/);
    // Callbacks obey the source rules: loopback and private addresses only with ALLOW_PRIVATE_SOURCES=true.
    await refused({ "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": "http://127.0.0.1:8080/cb" }, "hub.callback", /private|loopback|address/i, {
      ...env,
      ALLOW_PRIVATE_SOURCES: "false",
    });
    // A combination in another order is not its canonical URL.
    const other = uniqueId("hub");
    expect((await submit(makeArticle({ tags: [{ type: "topic", name }, { type: "city", name: other }] }))).status).toBe(201);
    await refused({ "hub.mode": "subscribe", "hub.topic": `${BASE}/feeds/topic/${name}+city/${other}.rss`, "hub.callback": callback }, "hub.topic", /canonical URL: subscribe to .*city\//);
    expect(await hub().subscriptions(topic)).toEqual([]);
    const wrongType = await call("/hub", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(wrongType.status).toBe(415);
    const off = await hubRequest({ "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": callback }, { ...env, WEBSUB_SELF_HUB: "false" });
    expect(off.status).toBe(404);
  });

  it("answers 202, verifies intent with a challenge, and clamps the lease it states", async () => {
    const { name, topic } = await topicWithArticle();
    const callback = `${SUBSCRIBER}/ok?run=${name}`;
    const response = await hubRequest({ "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": callback, "hub.lease_seconds": "5" });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ mode: "subscribe", topic, callback, lease_seconds: LEASE_MIN_SECONDS, verification: "pending" });
    const before = Date.now();
    await hub().run(Date.now());
    const verification = (await upstreamLog(`run=${name}`)).find((e) => e.method === "GET");
    const query = new URL(verification!.url).searchParams;
    expect(query.get("hub.mode")).toBe("subscribe");
    expect(query.get("hub.topic")).toBe(topic);
    expect(query.get("hub.challenge")).toMatch(/.{16,}/);
    expect(query.get("hub.lease_seconds")).toBe(String(LEASE_MIN_SECONDS));
    const sub = await subscribed(topic, callback);
    expect(sub).toMatchObject({ failures: 0, signed: false });
    expect(sub!.expires).toBeGreaterThanOrEqual(before + LEASE_MIN_SECONDS * 1000);
    expect(sub!.expires).toBeLessThanOrEqual(Date.now() + LEASE_MIN_SECONDS * 1000);
    const long = await hubRequest({ "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": callback, "hub.lease_seconds": "999999999" });
    expect(((await long.json()) as { lease_seconds: number }).lease_seconds).toBe(LEASE_MAX_SECONDS);
  });

  it("does not subscribe a callback that echoes another challenge or answers 404", async () => {
    const { name, topic } = await topicWithArticle();
    for (const kind of ["wrong", "gone"]) {
      const callback = `${SUBSCRIBER}/${kind}?run=${name}`;
      expect((await hubRequest({ "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": callback })).status).toBe(202);
    }
    await hub().run(Date.now());
    expect((await upstreamLog(`run=${name}`)).filter((e) => e.method === "GET")).toHaveLength(2);
    expect(await hub().subscriptions(topic)).toEqual([]);
  });
});

describe("WebSub hub: content distribution", () => {
  it("delivers the topic's new feed, signed, within one cron tick of a webhook article", async () => {
    const { name, topic } = await topicWithArticle();
    const secret = `s3cret-${name}`;
    const callback = `${SUBSCRIBER}/ok?run=${name}`;
    expect((await hubRequest({ "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": callback, "hub.secret": secret })).status).toBe(202);
    await hub().run(Date.now());
    expect(await subscribed(topic, callback)).toMatchObject({ signed: true });

    const title = `Новость ${name}`;
    expect((await submit(makeArticle({ title, tags: [{ type: "topic", name }] }))).status).toBe(201);
    await cronTick();
    const delivery = await until(async () => (await upstreamLog(`run=${name}`)).find((e) => e.method === "POST"), "the delivery");
    expect(delivery.headers["content-type"]).toMatch(/^application\/atom\+xml/);
    expect(delivery.headers.link).toContain(`<${BASE}/hub>; rel="hub"`);
    expect(delivery.headers.link).toContain(`<${topic}>; rel="self"`);
    expect(delivery.body).toContain(title);
    expect(delivery.headers["x-hub-signature"]).toBe(`sha256=${await hmacHex(secret, delivery.body!)}`);
    // The feed it delivered is the one readers get.
    expect(delivery.body).toBe(await (await call(`/feeds/topic/${name}.atom`)).text());
  });

  it("delivers to the feeds an updated article left, not only those it joined", async () => {
    const { name, topic } = await topicWithArticle();
    const callback = `${SUBSCRIBER}/ok?run=${name}`;
    const article = makeArticle({ tags: [{ type: "topic", name }] });
    expect((await submit(article)).status).toBe(201);
    await hubRequest({ "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": callback });
    await hub().run(Date.now());
    expect(await subscribed(topic, callback)).toBeDefined();
    expect((await submit({ ...article, content_html: "<p>moved</p>", tags: [{ type: "topic", name: `${name}-elsewhere` }] })).status).toBe(201);
    await hub().run(Date.now());
    const delivery = await until(async () => (await upstreamLog(`run=${name}`)).find((e) => e.method === "POST"), "the delivery");
    expect(delivery.body).not.toContain(String(article.id));
  });

  it("retries a delivery that got a 5xx, after the backoff, and counts the failure", async () => {
    const { name, topic } = await topicWithArticle();
    const callback = `${SUBSCRIBER}/flaky?run=${name}`;
    await hubRequest({ "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": callback });
    await hub().run(Date.now());
    expect((await submit(makeArticle({ tags: [{ type: "topic", name }] }))).status).toBe(201);
    await hub().run(Date.now());
    await until(async () => (await subscribed(topic, callback))?.failures === 1, "the failed delivery's report");
    expect((await subscribed(topic, callback))?.failing_since).toEqual(expect.any(Number));
    expect((await upstreamLog(`run=${name}`)).filter((e) => e.method === "POST")).toHaveLength(1);
    // Not before its backoff (30 s): a run now sends nothing.
    await hub().run(Date.now());
    expect((await upstreamLog(`run=${name}`)).filter((e) => e.method === "POST")).toHaveLength(1);
    await hub().run(Date.now() + 31_000);
    await until(async () => (await subscribed(topic, callback))?.failures === 0, "the retried delivery's report");
    expect((await subscribed(topic, callback))?.failing_since).toBeNull();
    expect((await upstreamLog(`run=${name}`)).filter((e) => e.method === "POST")).toHaveLength(2);
  });

  it("drops a subscription whose callback has failed every attempt for a day", async () => {
    const { name, topic } = await topicWithArticle();
    const callback = `${SUBSCRIBER}/fail?run=${name}`;
    await hubRequest({ "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": callback });
    const start = Date.now();
    await hub().run(start, { queue: false });
    expect(await subscribed(topic, callback)).toMatchObject({ failures: 0, failing_since: null });
    expect((await submit(makeArticle({ tags: [{ type: "topic", name }] }))).status).toBe(201);
    await hub().run(start, { queue: false });
    expect(await subscribed(topic, callback)).toMatchObject({ failures: 1, failing_since: start });
    // Every retry fails too (30 s, 2 min, 10 min, 1 h), then the delivery is given up: still subscribed.
    for (const after of [31_000, 151_000, 751_000, 4_351_000, 4_400_000]) await hub().run(start + after, { queue: false });
    expect(await subscribed(topic, callback)).toMatchObject({ failures: 5, failing_since: start });
    // The next change, a day after the first failure: its delivery fails, and the subscription goes.
    const dayLater = start + DROP_FAILING_AFTER_MS + 1000;
    expect((await submit(makeArticle({ tags: [{ type: "topic", name }] }))).status).toBe(201);
    await hub().run(dayLater, { queue: false });
    expect(await subscribed(topic, callback)).toBeUndefined();
    expect((await upstreamLog(`run=${name}`)).filter((e) => e.method === "POST")).toHaveLength(6);
    await hub().run(dayLater + 3_600_000, { queue: false });
    expect((await upstreamLog(`run=${name}`)).filter((e) => e.method === "POST")).toHaveLength(6);
  });
});

describe("WebSub hub: unsubscription and leases", () => {
  it("unsubscribes after verifying the intent; no delivery follows", async () => {
    const { name, topic } = await topicWithArticle();
    const callback = `${SUBSCRIBER}/ok?run=${name}`;
    await hubRequest({ "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": callback });
    await hub().run(Date.now());
    expect(await subscribed(topic, callback)).toBeDefined();
    const response = await hubRequest({ "hub.mode": "unsubscribe", "hub.topic": topic, "hub.callback": callback });
    expect(response.status).toBe(202);
    await hub().run(Date.now());
    const verification = (await upstreamLog(`run=${name}`)).filter((e) => e.method === "GET").at(-1)!;
    expect(new URL(verification.url).searchParams.get("hub.mode")).toBe("unsubscribe");
    expect(await hub().subscriptions(topic)).toEqual([]);
    expect((await submit(makeArticle({ tags: [{ type: "topic", name }] }))).status).toBe(201);
    await hub().run(Date.now());
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await upstreamLog(`run=${name}`)).filter((e) => e.method === "POST")).toEqual([]);
  });

  it("drops a subscription whose lease ran out; a renewal extends it", async () => {
    const { name, topic } = await topicWithArticle();
    const callback = `${SUBSCRIBER}/ok?run=${name}`;
    await hubRequest({ "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": callback, "hub.lease_seconds": "3600" });
    await hub().run(Date.now());
    const first = await subscribed(topic, callback);
    // Renewal: the same request again, later, moves the expiry.
    await hubRequest({ "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": callback, "hub.lease_seconds": "7200" });
    await hub().run(Date.now());
    const renewed = await subscribed(topic, callback);
    expect(renewed!.expires).toBeGreaterThan(first!.expires + 3000_000);
    const report = await hub().run(renewed!.expires + 1);
    expect(report.expired).toBeGreaterThanOrEqual(1);
    expect(await hub().subscriptions(topic)).toEqual([]);
  });
});

describe("WebSub discovery with the own hub", () => {
  it("advertises the own hub first on tag feeds, only it on combinations, and none on paged views", async () => {
    const { name } = await topicWithArticle();
    const external = { ...env, WEBSUB_HUBS: "https://hub.example/" };
    const get = (path: string) => app.fetch(new Request(`${BASE}${path}`), external, createExecutionContext());
    expect((await get(`/feeds/topic/${name}.rss`)).headers.get("link")).toBe(
      `<${BASE}/hub>; rel="hub", <https://hub.example/>; rel="hub", <${BASE}/feeds/topic/${name}.rss>; rel="self"`,
    );
    expect((await get(`/feeds/topic/${name}.rss?limit=5`)).headers.get("link")).toBeNull();
    const other = uniqueId("hub");
    expect((await submit(makeArticle({ tags: [{ type: "topic", name }, { type: "city", name: other }] }))).status).toBe(201);
    const combination = await get(`/feeds/city/${other}+topic/${name}.atom`);
    expect(combination.status).toBe(200);
    expect(combination.headers.get("link")).toBe(`<${BASE}/hub>; rel="hub", <${BASE}/feeds/city/${other}+topic/${name}.atom>; rel="self"`);
  });
});

describe("WebSub hub: every change, and bounded runs", () => {
  it("delivers after a change made by an upstream refresh", async () => {
    const { name, topic } = await topicWithArticle();
    const callback = `${SUBSCRIBER}/ok?run=${name}`;
    await hubRequest({ "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": callback });
    await hub().run(Date.now());
    const added = await call("/api/sources", {
      method: "POST",
      headers: { ...adminHeaders(), "content-type": "application/json" },
      body: JSON.stringify({ url: `https://upstream.example/items/2?t=${name}`, tags: [{ type: "topic", name }] }),
    });
    expect(added.status).toBe(201);
    const { id } = (await added.json()) as { id: string };
    expect((await call(`/api/sources/${id}/refresh`, { method: "POST", headers: adminHeaders() })).status).toBe(200);
    await hub().run(Date.now());
    const delivery = await until(async () => (await upstreamLog(`run=${name}`)).find((e) => e.method === "POST"), "the delivery");
    expect(delivery.body).toContain(`Item 0 of ${name}`);
  });

  it("without the queue, makes deliveries itself, at most FETCHES_PER_RUN a run; the rest in the next", async () => {
    const { name, topic } = await topicWithArticle();
    const callbacks = Array.from({ length: FETCHES_PER_RUN + 5 }, (_, i) => `${SUBSCRIBER}/ok?run=${name}&n=${i}`);
    for (const callback of callbacks) expect((await hubRequest({ "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": callback })).status).toBe(202);
    // Verifications too are bounded per run.
    for (let i = 0; i < 4 && (await hub().subscriptions(topic)).length < callbacks.length; i++) await hub().run(Date.now(), { queue: false });
    expect(await hub().subscriptions(topic)).toHaveLength(callbacks.length);
    expect((await submit(makeArticle({ tags: [{ type: "topic", name }] }))).status).toBe(201);
    const first = await hub().run(Date.now(), { queue: false });
    expect(first.delivered).toBe(FETCHES_PER_RUN);
    // The rest: the next run (this one, or the hub's alarm, which may come first).
    await hub().run(Date.now(), { queue: false });
    await until(async () => (await upstreamLog(`run=${name}`)).filter((e) => e.method === "POST").length === callbacks.length, "every delivery");
  });

  it("delivers the feeds a batch did change when another shard of it answered 503", async () => {
    const { name, topic } = await topicWithArticle();
    const callback = `${SUBSCRIBER}/ok?run=${name}`;
    await hubRequest({ "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": callback });
    await hub().run(Date.now());
    const kept = makeArticle({ tags: [{ type: "topic", name }] });
    let doomed = makeArticle({ tags: [{ type: "topic", name: `${name}-y` }] });
    while (shardOf(String(doomed.id)) === shardOf(String(kept.id))) doomed = makeArticle({ tags: [{ type: "topic", name: `${name}-y` }] });
    const doomedWriter = env.ARTICLE_WRITER.getByName(`articles-${shardOf(String(doomed.id))}`);
    await runInDurableObject(doomedWriter, (instance: ArticleWriter) => {
      instance.kv = failingPutsOf(env.KV);
    });
    try {
      expect((await submit([kept, doomed])).status).toBe(503);
    } finally {
      await runInDurableObject(doomedWriter, (instance: ArticleWriter) => {
        instance.kv = env.KV;
      });
    }
    await hub().run(Date.now());
    const delivery = await until(async () => (await upstreamLog(`run=${name}`)).find((e) => e.method === "POST"), "the delivery");
    expect(delivery.body).toContain(String(kept.id));
  });

  it("matches many changed feeds at once (more than SQLite binds in one statement)", async () => {
    const { name, topic } = await topicWithArticle();
    const callback = `${SUBSCRIBER}/ok?run=${name}`;
    await hubRequest({ "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": callback });
    await hub().run(Date.now());
    const feeds = [...Array.from({ length: 150 }, (_, i) => `t/topic/${name}-other-${i}`), `t/topic/${name}`];
    await hub().changed(feeds);
    await hub().run(Date.now(), { queue: false });
    await until(async () => (await upstreamLog(`run=${name}`)).find((e) => e.method === "POST"), "the delivery");
  });

  it("delivers after a tag merge moved articles into the topic's tag", async () => {
    const { name, topic } = await topicWithArticle();
    const callback = `${SUBSCRIBER}/ok?run=${name}`;
    await hubRequest({ "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": callback });
    await hub().run(Date.now());
    const from = `${name}-from`;
    const moved = makeArticle({ tags: [{ type: "topic", name: from }] });
    expect((await submit(moved)).status).toBe(201);
    await hub().run(Date.now());
    expect((await upstreamLog(`run=${name}`)).filter((e) => e.method === "POST")).toEqual([]);
    const merge = await call("/api/tags/merge", {
      method: "POST",
      headers: { ...adminHeaders(), "content-type": "application/json" },
      body: JSON.stringify({ from: { type: "topic", slug: from }, into: { type: "topic", slug: name } }),
    });
    expect(merge.status).toBe(200);
    await hub().run(Date.now());
    const delivery = await until(async () => (await upstreamLog(`run=${name}`)).find((e) => e.method === "POST"), "the delivery");
    expect(delivery.body).toContain(String(moved.id));
  });
});
