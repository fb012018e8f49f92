import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type Article } from "../src/domain/article";
import { listFeedEntries, resolveEntries } from "../src/store/articles";
import { ALL_FEED, tagFeedKey } from "../src/store/keys";
import { adminHeaders, call, fixtures, json, makeArticle, signedHeaders, submit, uniqueId } from "./helpers";

async function feedIds(feed: string): Promise<string[]> {
  const { entries } = await listFeedEntries(env.KV, feed, { limit: 10_000 });
  const { articles } = await resolveEntries(env.KV, entries);
  return articles.map((a) => a.id);
}

describe("GET /healthz", () => {
  it("answers ok", async () => {
    const response = await call("/healthz");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });
});

describe("POST /api/articles: the seed article", () => {
  it("stores it with typed tags resolved and its Cyrillic text intact", async () => {
    const seed = fixtures.seed();
    const response = await submit(seed);
    expect(response.status).toBe(201);
    const answer = await json(response);
    expect(answer.articles).toHaveLength(1);
    expect(answer.articles[0]).toMatchObject({ id: "seed-amanat-platform-2022-08-27", status: "created" });
    expect(answer.articles[0].tags).toEqual([
      { type: "party", name: "AMANAT", slug: "amanat" },
      { type: "city", name: "Алматы", slug: "almaty" },
      { type: "section", name: "В Мире", slug: "v-mire" },
    ]);

    const stored = await json<Article>(await call("/api/articles/seed-amanat-platform-2022-08-27"));
    expect(stored.title).toBe(seed.title);
    expect(stored.summary).toBe(seed.summary);
    expect(stored.published).toBe("2022-08-26T21:00:00.000Z");
    expect(stored.sources).toEqual([{ name: "Футляр от виолончели" }]);
    expect(stored.language).toBe("ru");
    // Sanitizing keeps the meaning: every paragraph's text survives.
    expect(stored.content_html).toContain("Эдуард Полетаев");
    expect(stored.content_html?.match(/<p>/g)?.length).toBe((seed.content_html as string).match(/<p>/g)?.length);

    expect(await feedIds(ALL_FEED)).toContain(stored.id);
    expect(await feedIds(tagFeedKey({ type: "party", slug: "amanat" }))).toContain(stored.id);
    expect(await feedIds(tagFeedKey({ type: "city", slug: "almaty" }))).toContain(stored.id);
  });

  it("resolves bare-string tags through the taxonomy to the same typed tags", async () => {
    const response = await submit(fixtures.seedUntyped());
    expect(response.status).toBe(201);
    const answer = await json(response);
    expect(answer.articles[0].tags).toEqual(
      expect.arrayContaining([
        { type: "party", name: "AMANAT", slug: "amanat" },
        { type: "city", name: "Алматы", slug: "almaty" },
      ]),
    );
  });
});

describe("POST /api/articles: idempotence and updates", () => {
  it("answers a re-delivered webhook-id with the first answer and changes nothing", async () => {
    const article = makeArticle();
    const webhookId = uniqueId("msg");
    const first = await submit(article, { id: webhookId });
    expect(first.status).toBe(201);
    const again = await submit({ ...article, title: "Changed, but a re-delivery" }, { id: webhookId });
    expect(again.status).toBe(200);
    const answer = await json(again);
    expect(answer.redelivery).toBe(true);
    expect(answer.articles[0]).toMatchObject({ id: article.id, status: "created" });
    const stored = await json<Article>(await call(`/api/articles/${article.id}`));
    expect(stored.title).toBe(article.title);
  });

  it("answers 200 unchanged for the same content under a new webhook-id", async () => {
    const article = makeArticle();
    expect((await submit(article)).status).toBe(201);
    const before = await json<Article>(await call(`/api/articles/${article.id}`));
    const again = await submit(article);
    expect(again.status).toBe(200);
    expect((await json(again)).articles[0].status).toBe("unchanged");
    const after = await json<Article>(await call(`/api/articles/${article.id}`));
    expect(after).toEqual(before);
    expect((await feedIds(ALL_FEED)).filter((id) => id === article.id)).toHaveLength(1);
  });

  it("updates a changed article everywhere and removes it from the tags it lost", async () => {
    const article = makeArticle({ tags: ["Алматы", { type: "topic", name: "Выборы" }] });
    expect((await submit(article)).status).toBe(201);
    const first = await json<Article>(await call(`/api/articles/${article.id}`));
    expect(await feedIds(tagFeedKey({ type: "topic", slug: "vybory" }))).toContain(article.id);

    const changed = { ...article, title: "Новый заголовок", published: "2024-05-02T10:00:00Z", tags: ["Астана"] };
    const response = await submit(changed);
    expect(response.status).toBe(201);
    expect((await json(response)).articles[0]).toMatchObject({ status: "updated", tags: [{ type: "city", slug: "astana" }] });

    const stored = await json<Article>(await call(`/api/articles/${article.id}`));
    expect(stored.title).toBe("Новый заголовок");
    expect(stored.received).toBe(first.received);
    expect(await feedIds(tagFeedKey({ type: "topic", slug: "vybory" }))).not.toContain(article.id);
    expect(await feedIds(tagFeedKey({ type: "city", slug: "almaty" }))).not.toContain(article.id);
    expect(await feedIds(tagFeedKey({ type: "city", slug: "astana" }))).toContain(article.id);
    // The all-feed holds it once, under its new date.
    const { entries } = await listFeedEntries(env.KV, ALL_FEED, { limit: 10_000 });
    expect(entries.filter((e) => e.id === article.id)).toHaveLength(1);
  });

  it("derives the id from the canonical URL when none is given", async () => {
    const url = `https://news.example.kz/politics/${uniqueId("story")}`;
    const first = await json(await submit(makeArticle({ id: undefined, url })));
    const second = await json(await submit(makeArticle({ id: undefined, url: `${url}?utm_source=x#top` })));
    expect(first.articles[0].id).toMatch(/^u-[0-9a-f]{24}$/);
    expect(second.articles[0].id).toBe(first.articles[0].id);
    expect(second.articles[0].status).toBe("unchanged");
  });
});

describe("POST /api/articles: podcast fields", () => {
  it("accepts them optionally, keeps them with an audio enclosure and serves them in RSS", async () => {
    const article = makeArticle({
      tags: [{ type: "topic", name: uniqueId("podcast-tag") }],
      enclosures: [{ url: "https://cdn.example.kz/ep9.mp3", type: "audio/mpeg", length: 10 }],
      podcast: { duration_seconds: 754, explicit: false, episode: 9, image: "https://cdn.example.kz/ep9.jpg" },
    });
    expect((await submit(article)).status).toBe(201);
    const stored = await json<Article>(await call(`/api/articles/${article.id as string}`));
    expect(stored.podcast).toEqual({ duration_seconds: 754, explicit: false, episode: 9, image: "https://cdn.example.kz/ep9.jpg" });
    const slug = stored.tags[0]!.slug;
    const rss = await (await call(`/feeds/topic/${slug}.rss`)).text();
    expect(rss).toContain('xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"');
    expect(rss).toContain("<itunes:duration>0:12:34</itunes:duration><itunes:explicit>false</itunes:explicit><itunes:episode>9</itunes:episode>");
    const bad = await submit(makeArticle({ podcast: { episode: -1 } }));
    expect(bad.status).toBe(400);
  });
});

describe("POST /api/articles: batches", () => {
  it("accepts an array and {articles: [...]}", async () => {
    const asArray = await submit([makeArticle(), makeArticle()]);
    expect(asArray.status).toBe(201);
    expect((await json(asArray)).articles).toHaveLength(2);
    const wrapped = await submit({ articles: [makeArticle(), makeArticle(), makeArticle()] });
    expect(wrapped.status).toBe(201);
    expect((await json(wrapped)).articles).toHaveLength(3);
  });

  it("names every invalid field by JSON path and stores nothing from the request", async () => {
    const good = makeArticle();
    const response = await submit({
      articles: [
        good,
        { id: "bad id!", title: "", published: "yesterday" },
        makeArticle({ url: "javascript:alert(1)", tags: [{ type: "City", name: "x" }, 42], enclosures: [{ url: "https://x.kz/a.mp3" }] }),
        makeArticle({ published: "2022-02-30T00:00:00Z" }),
        { title: "no id, no url", published: "2024-01-01T00:00:00Z" },
      ],
    });
    expect(response.status).toBe(400);
    const body = await json(response);
    expect(body.error.code).toBe("invalid_fields");
    const paths = body.error.fields.map((f: { path: string }) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "articles[1].id",
        "articles[1].title",
        "articles[1].published",
        "articles[2].url",
        "articles[2].tags[0].type",
        "articles[2].tags[1]",
        "articles[2].enclosures[0].type",
        "articles[3].published",
        "articles[4].id",
      ]),
    );
    for (const field of body.error.fields) expect(field.reason).toMatch(/\w/);
    expect((await call(`/api/articles/${good.id}`)).status).toBe(404);
  });

  it("refuses an empty batch, more than 100 articles, repeated ids and non-object bodies", async () => {
    expect((await submit([])).status).toBe(400);
    expect((await submit({ articles: [] })).status).toBe(400);
    const tooMany = Array.from({ length: 101 }, () => makeArticle());
    const over = await submit(tooMany);
    expect(over.status).toBe(400);
    expect((await json(over)).error.fields[0].reason).toMatch(/at most 100/);
    const twin = makeArticle();
    const repeated = await submit([twin, { ...twin }]);
    expect(repeated.status).toBe(400);
    expect((await json(repeated)).error.fields).toEqual([{ path: "[1].id", reason: "repeats the article at [0]" }]);
    expect((await submit("just a string")).status).toBe(400);
    expect((await submit(null)).status).toBe(400);
    expect((await submit({ articles: "nope" })).status).toBe(400);
  });

  it("refuses a published date far in the future", async () => {
    const response = await submit(makeArticle({ published: "2999-01-01T00:00:00Z" }));
    expect(response.status).toBe(400);
    expect((await json(response)).error.fields[0].path).toBe("published");
  });
});

describe("POST /api/articles: bad bodies", () => {
  it("answers 400 for invalid JSON and for bytes that are not UTF-8", async () => {
    const text = '{"title": ';
    const invalid = await call("/api/articles", { method: "POST", headers: await signedHeaders(text), body: text });
    expect(invalid.status).toBe(400);
    expect((await json(invalid)).error.code).toBe("invalid_json");

    const bytes = new Uint8Array([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    const misencoded = await call("/api/articles", { method: "POST", headers: await signedHeaders(bytes), body: bytes });
    expect(misencoded.status).toBe(400);
    expect((await json(misencoded)).error.code).toBe("invalid_encoding");
  });

  it("answers 415 when the body is not JSON", async () => {
    const body = "title=x";
    const headers = { ...(await signedHeaders(body)), "content-type": "application/x-www-form-urlencoded" };
    const response = await call("/api/articles", { method: "POST", headers, body });
    expect(response.status).toBe(415);
    expect((await json(response)).error.code).toBe("unsupported_media_type");
  });

  it("answers 413 by Content-Length before reading, and when a streamed body runs over", async () => {
    const declared = await call("/api/articles", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(6 * 1024 * 1024), ...adminHeaders() },
      body: "{}",
    });
    expect(declared.status).toBe(413);

    const chunk = new TextEncoder().encode(" ".repeat(1024 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 7) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const streamed = await call("/api/articles", {
      method: "POST",
      headers: { "content-type": "application/json", ...adminHeaders() },
      body: stream,
      // @ts-expect-error: `duplex` is required by fetch for streamed bodies but missing from the types
      duplex: "half",
    });
    expect(streamed.status).toBe(413);
  });

  it("never answers 500 for junk JSON values", async () => {
    const junk: unknown[] = [0, true, [[[[]]]], { articles: [null] }, { title: { $gt: "" } }, [{ tags: "x" }], JSON.parse("[".repeat(500) + "]".repeat(500))];
    for (const value of junk) {
      const response = await submit(value);
      expect(response.status, JSON.stringify(value).slice(0, 40)).toBe(400);
    }
  });
});

describe("POST /api/articles: authentication", () => {
  const body = JSON.stringify(makeArticle());

  it("answers 401 without credentials, naming what to send", async () => {
    const response = await call("/api/articles", { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(response.status).toBe(401);
    const answer = await json(response);
    expect(answer.error.message).toMatch(/webhook-signature/);
  });

  it("answers 401 for a wrong signature, a stale timestamp and a wrong secret", async () => {
    const headers = await signedHeaders(body);
    const tampered = await call("/api/articles", { method: "POST", headers, body: body.replace("Заголовок", "Подделка") });
    expect(tampered.status).toBe(401);
    expect((await json(tampered)).error.code).toBe("auth_mismatch");

    const stale = await signedHeaders(body, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    const staleResponse = await call("/api/articles", { method: "POST", headers: stale, body });
    expect(staleResponse.status).toBe(401);
    expect((await json(staleResponse)).error.code).toBe("auth_expired");

    const otherSecret = await signedHeaders(body, { secret: "whsec_" + btoa("another secret of 32 bytes long!") });
    const other = await call("/api/articles", { method: "POST", headers: otherSecret, body });
    expect(other.status).toBe(401);
    const text = JSON.stringify(await json(other));
    expect(text).not.toContain(otherSecret["webhook-signature"]!.slice(3));
    expect(text).not.toContain(env.WEBHOOK_SECRET!);
  });

  it("accepts a header with several signatures when one matches", async () => {
    const headers = await signedHeaders(body);
    headers["webhook-signature"] = `v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= ${headers["webhook-signature"]} v2,ignored`;
    const response = await call("/api/articles", { method: "POST", headers, body });
    expect(response.status).toBe(201);
  });

  it("accepts the admin bearer token and refuses a wrong one", async () => {
    const article = JSON.stringify(makeArticle());
    const ok = await call("/api/articles", { method: "POST", headers: { "content-type": "application/json", ...adminHeaders() }, body: article });
    expect(ok.status).toBe(201);
    const wrong = await call("/api/articles", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer nope" },
      body: article,
    });
    expect(wrong.status).toBe(401);
  });
});

describe("GET and DELETE /api/articles/:id", () => {
  it("answers 404 for an unknown or malformed id", async () => {
    expect((await call("/api/articles/no-such-article")).status).toBe(404);
    expect((await call("/api/articles/%00..%2Fetc")).status).toBe(404);
  });

  it("deletes only with the admin token, and the article leaves every feed", async () => {
    const article = makeArticle({ tags: ["AMANAT", "Алматы"] });
    expect((await submit(article)).status).toBe(201);
    expect((await call(`/api/articles/${article.id}`, { method: "DELETE" })).status).toBe(401);
    const removed = await call(`/api/articles/${article.id}`, { method: "DELETE", headers: adminHeaders() });
    expect(removed.status).toBe(200);
    expect((await call(`/api/articles/${article.id}`)).status).toBe(404);
    expect(await feedIds(ALL_FEED)).not.toContain(article.id);
    expect(await feedIds(tagFeedKey({ type: "party", slug: "amanat" }))).not.toContain(article.id);
    const { entries } = await listFeedEntries(env.KV, tagFeedKey({ type: "city", slug: "almaty" }), { limit: 10_000 });
    expect(entries.map((e) => e.id)).not.toContain(article.id);
    expect((await call(`/api/articles/${article.id}`, { method: "DELETE", headers: adminHeaders() })).status).toBe(404);
  });
});

describe("concurrency", () => {
  it("stores and lists all of 100 concurrent submissions to one tag", async () => {
    const topic = uniqueId("concurrent");
    const articles = Array.from({ length: 100 }, (_, i) =>
      makeArticle({ tags: [{ type: "topic", name: topic }], published: new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString() }),
    );
    const responses = await Promise.all(articles.map((a) => submit(a)));
    expect(responses.map((r) => r.status)).toEqual(articles.map(() => 201));
    const ids = await feedIds(tagFeedKey({ type: "topic", slug: topic }));
    expect(new Set(ids)).toEqual(new Set(articles.map((a) => a.id)));
    // Newest first.
    expect(ids[0]).toBe(articles[99]!.id);
  });
});

describe("POST /api/articles: what is accepted always reads back", () => {
  it("refuses a section too long to be a tag and URLs too long once percent-encoded, instead of a 201 that reads back 404", async () => {
    const longSection = await submit(makeArticle({ section: "x".repeat(300) }));
    expect(longSection.status).toBe(400);
    expect((await json(longSection)).error.fields[0].path).toBe("section");

    const cyrillicUrl = await submit(makeArticle({ authors: [{ name: "Автор", url: `https://e.kz/${"ж".repeat(400)}` }] }));
    expect(cyrillicUrl.status).toBe(400);
    expect((await json(cyrillicUrl)).error.fields[0].path).toBe("authors[0].url");
  });

  it("names the errors of every article at once, the schema's and the normalizer's", async () => {
    const response = await submit([{ id: uniqueId("a"), published: "2024-01-01T00:00:00Z" }, makeArticle({ published: "2999-01-01T00:00:00Z" })]);
    expect(response.status).toBe(400);
    const paths = (await json(response)).error.fields.map((f: { path: string }) => f.path);
    expect(paths).toEqual(expect.arrayContaining(["[0].title", "[1].published"]));
  });

  it("refuses two articles of one request that are one article once their URLs are canonical", async () => {
    const base = `http://news.example.kz/${uniqueId("same")}`;
    const response = await submit([makeArticle({ id: undefined, url: `${base}/` }), makeArticle({ id: undefined, url: `${base.replace("http:", "https:")}?utm_source=z` })]);
    expect(response.status).toBe(400);
    expect((await json(response)).error.fields).toEqual([{ path: "[1].url", reason: "repeats the article at [0]" }]);
  });

  it("refuses with 413, storing nothing, a batch that needs more KV operations than one request may make", async () => {
    const batch = Array.from({ length: 100 }, (_, i) =>
      makeArticle({ tags: Array.from({ length: 10 }, (_, t) => ({ type: "topic", name: `budget-${i}-${t}` })) }),
    );
    const response = await submit(batch);
    expect(response.status).toBe(413);
    expect((await json(response)).error.code).toBe("batch_too_large");
    expect((await call(`/api/articles/${batch[0]!.id}`)).status).toBe(404);
    // Split in four, it goes through.
    for (let i = 0; i < 100; i += 25) expect((await submit(batch.slice(i, i + 25))).status).toBe(201);
  });
});
