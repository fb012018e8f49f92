/**
 * The taxonomy admin API and tag merges, in workerd with real local KV, driven through
 * the Worker's own fetch. Every test that changes the taxonomy restores the default afterwards
 * (the compiled taxonomy is memoized per isolate), and every tag a test creates has a unique name.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import type { Article } from "../src/domain/article";
import type { Taxonomy } from "../src/domain/taxonomy";
import { articleStore, listFeedEntries, resolveEntries } from "../src/store/articles";
import { tagFeedKey } from "../src/store/keys";
import { MOVE_LIMITS, moveTagArticles } from "../src/store/merge";
import { DEFAULT_TAXONOMY } from "../src/tags/default-taxonomy";
import { slugify } from "../src/tags/slugify";
import { adminHeaders, call, json, makeArticle, submit, uniqueId } from "./helpers";

const TAXONOMY_KEY = "taxonomy";

afterEach(async () => {
  await env.KV.delete(TAXONOMY_KEY);
  // The writer holds the authoritative document: back to the default too.
  await runInDurableObject(env.TAXONOMY_WRITER.getByName("taxonomy"), (_, state) => state.storage.deleteAll());
});

async function feedIds(type: string, slug: string): Promise<string[]> {
  const { entries } = await listFeedEntries(env.KV, tagFeedKey({ type, slug }), { limit: 10_000 });
  const { articles } = await resolveEntries(env.KV, entries);
  return articles.map((a) => a.id);
}

/** A fresh topic name and its slug. */
function topic(prefix = "Тема"): { name: string; slug: string } {
  const name = uniqueId(prefix);
  return { name, slug: slugify(name) };
}

const jsonInit = (method: string, body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method,
  headers: { "content-type": "application/json", ...adminHeaders(), ...headers },
  body: JSON.stringify(body),
});

async function getTaxonomy(): Promise<{ taxonomy: Taxonomy; etag: string }> {
  const response = await call("/api/taxonomy");
  expect(response.status).toBe(200);
  return { taxonomy: await json<Taxonomy>(response), etag: response.headers.get("etag") ?? "" };
}

/** A feed path answered without following its redirect. */
const feedAt = (path: string): Promise<Response> => call(path, { redirect: "manual" });

async function stored(id: string): Promise<Article> {
  const response = await call(`/api/articles/${id}`);
  expect(response.status).toBe(200);
  return json<Article>(response);
}

describe("GET /api/taxonomy", () => {
  it("serves the default document publicly, with an ETag, conditional GET and a download form", async () => {
    const response = await call("/api/taxonomy");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("content-disposition")).toBeNull();
    const etag = response.headers.get("etag");
    expect(etag).toMatch(/^"tx-[0-9a-f]{32}"$/);
    expect(await response.json()).toEqual(DEFAULT_TAXONOMY);

    const again = await call("/api/taxonomy", { headers: { "if-none-match": etag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");

    const download = await call("/api/taxonomy?download=1");
    expect(download.headers.get("content-disposition")).toBe('attachment; filename="tagfeed-taxonomy.json"');
    expect(await download.json()).toEqual(DEFAULT_TAXONOMY);
  });

  it("serves one entry by its canonical slug, and names the entry a former slug belongs to", async () => {
    const response = await call("/api/taxonomy/entries/city/astana");
    expect(response.status).toBe(200);
    const answer = await json(response);
    expect(answer.tag).toEqual({ type: "city", name: "Астана", slug: "astana" });
    expect(answer.entry.aliases).toContain("Нур-Султан");
    expect(answer.feeds.rss).toBe("http://tagfeed.test/feeds/city/astana.rss");
    const former = await call("/api/taxonomy/entries/city/nur-sultan");
    expect(former.status).toBe(404);
    expect((await json(former)).error.message).toContain("city/astana");
  });
});

describe("admin only", () => {
  it("answers 401 to every edit without the admin token, and changes nothing", async () => {
    const noAuth = (method: string, body: unknown): RequestInit => ({
      method,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const attempts: [string, RequestInit][] = [
      ["/api/taxonomy", noAuth("PUT", DEFAULT_TAXONOMY)],
      ["/api/taxonomy/entries", noAuth("POST", { type: "topic", name: "x" })],
      ["/api/taxonomy/entries/city/almaty", noAuth("PUT", { name: "x" })],
      ["/api/taxonomy/entries/city/almaty", { method: "DELETE" }],
      ["/api/taxonomy/types", noAuth("POST", { type: "event", label: "Events" })],
      ["/api/taxonomy/types/topic", { method: "DELETE" }],
      ["/api/tags/merge", noAuth("POST", { from: { type: "city", slug: "almaty" }, into: { type: "city", slug: "astana" } })],
    ];
    for (const [path, init] of attempts) {
      const response = await call(path, init);
      expect(response.status, `${init.method} ${path}`).toBe(401);
      expect(response.headers.get("www-authenticate")).toContain("Bearer");
    }
    const wrongToken = await call("/api/taxonomy", jsonInit("PUT", DEFAULT_TAXONOMY, { authorization: "Bearer nope" }));
    expect(wrongToken.status).toBe(401);
    expect(await env.KV.get(TAXONOMY_KEY)).toBeNull();
  });
});

describe("PUT /api/taxonomy (import)", () => {
  it("refuses an invalid document with every field error by JSON path, storing nothing", async () => {
    const response = await call(
      "/api/taxonomy",
      jsonInit("PUT", {
        types: [
          { type: "city", label: "Cities" },
          { type: "city", label: "Again" },
          { type: "Bad Type", label: "x" },
        ],
        entries: [
          { type: "city", name: "Алматы", aliases: ["Almaty"] },
          { type: "city", name: "Алма-Ата", aliases: ["ALMATY"] },
          { type: "planet", name: "Марс" },
          { type: "city", name: "Астана", slug: "Not A Slug" },
        ],
      }),
    );
    expect(response.status).toBe(400);
    const answer = await json(response);
    expect(answer.error.code).toBe("invalid_fields");
    const paths = answer.error.fields.map((f: { path: string }) => f.path);
    expect(paths).toEqual(expect.arrayContaining(["version", "types[2].type", "entries[3].slug"]));
    // Fixing the shape leaves the uniqueness rules, reported the same way.
    const second = await call(
      "/api/taxonomy",
      jsonInit("PUT", {
        version: 1,
        types: [
          { type: "city", label: "Cities" },
          { type: "city", label: "Again" },
        ],
        entries: [
          { type: "city", name: "Алматы", aliases: ["Almaty"] },
          { type: "city", name: "Алма-Ата", aliases: ["ALMATY"] },
          { type: "planet", name: "Марс" },
        ],
      }),
    );
    expect(second.status).toBe(400);
    const fields = (await json(second)).error.fields as { path: string; reason: string }[];
    expect(fields.map((f) => f.path)).toEqual(expect.arrayContaining(["types[1].type", "entries[1].aliases[0]", "entries[2].type"]));
    expect(fields.find((f) => f.path === "entries[1].aliases[0]")?.reason).toContain("entries[0]");
    expect(await env.KV.get(TAXONOMY_KEY)).toBeNull();

    const notJson = await call("/api/taxonomy", { method: "PUT", headers: { ...adminHeaders(), "content-type": "text/plain" }, body: "{}" });
    expect(notJson.status).toBe(415);
  });

  it("stores a valid document, and later submissions resolve through its aliases", async () => {
    const t = topic("Фестиваль");
    const alias = uniqueId("Fest");
    const doc: Taxonomy = structuredClone(DEFAULT_TAXONOMY);
    doc.types.push({ type: "event", label: "Events", autotag: false });
    doc.entries.push({ type: "event", name: t.name, slug: t.slug, aliases: [alias], former_slugs: [] });
    const response = await call("/api/taxonomy", jsonInit("PUT", doc));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(doc);
    const etag = response.headers.get("etag");
    expect((await getTaxonomy()).etag).toBe(etag);

    const submitted = await submit(makeArticle({ tags: [alias.toUpperCase(), { type: "event", name: alias }] }));
    expect(submitted.status).toBe(201);
    expect((await json(submitted)).articles[0].tags).toEqual([{ type: "event", name: t.name, slug: t.slug }]);
    expect((await feedAt(`/feeds/event/${encodeURIComponent(alias)}.rss`)).headers.get("location")).toBe(
      `http://tagfeed.test/feeds/event/${t.slug}.rss`,
    );

    // Restoring the default by import works the same way.
    expect((await call("/api/taxonomy", jsonInit("PUT", DEFAULT_TAXONOMY))).status).toBe(200);
    expect((await json(await submit(makeArticle({ tags: [alias] })))).articles[0].tags).toEqual([
      { type: "topic", name: alias, slug: slugify(alias) },
    ]);
  });
});

describe("If-Match", () => {
  it("refuses an edit made from a stale copy with 412, and accepts the current ETag or *", async () => {
    const { etag } = await getTaxonomy();
    const first = topic();
    const created = await call("/api/taxonomy/entries", jsonInit("POST", { type: "topic", name: first.name }, { "if-match": etag }));
    expect(created.status).toBe(201);
    const newEtag = created.headers.get("etag")!;
    expect(newEtag).not.toBe(etag);

    // Another admin still holds the first ETag.
    const stale = await call("/api/taxonomy/entries", jsonInit("POST", { type: "topic", name: topic().name }, { "if-match": etag }));
    expect(stale.status).toBe(412);
    expect(stale.headers.get("etag")).toBe(newEtag);
    expect((await json(stale)).error.code).toBe("precondition_failed");
    for (const [method, path, body] of [
      ["PUT", "/api/taxonomy", DEFAULT_TAXONOMY],
      ["PUT", `/api/taxonomy/entries/topic/${first.slug}`, { name: "x" }],
      ["DELETE", `/api/taxonomy/entries/topic/${first.slug}`, undefined],
      ["POST", "/api/taxonomy/types", { type: "event", label: "Events" }],
      ["POST", "/api/tags/merge", { from: { type: "city", slug: "almaty" }, into: { type: "city", slug: "astana" } }],
    ] as const) {
      const response = await call(path, { ...jsonInit(method, body), headers: { ...jsonInit(method, body).headers, "if-match": `${etag}, W/${newEtag}` } });
      expect(response.status, `${method} ${path}`).toBe(412);
    }
    expect((await getTaxonomy()).etag).toBe(newEtag);

    const current = await call(`/api/taxonomy/entries/topic/${first.slug}`, { method: "DELETE", headers: { ...adminHeaders(), "if-match": `"other", ${newEtag}` } });
    expect(current.status).toBe(200);
    const any = await call("/api/taxonomy/types", jsonInit("POST", { type: "event", label: "Events" }, { "if-match": "*" }));
    expect(any.status).toBe(201);
  });
});

describe("entries", () => {
  it("creates an entry with its slug written out, and answers 409 to a colliding one", async () => {
    const t = topic();
    const response = await call("/api/taxonomy/entries", jsonInit("POST", { type: "topic", name: t.name, aliases: [`${t.name} alias`] }));
    expect(response.status).toBe(201);
    expect(response.headers.get("location")).toBe(`/api/taxonomy/entries/topic/${t.slug}`);
    const answer = await json(response);
    expect(answer.entry).toEqual({ type: "topic", name: t.name, slug: t.slug, aliases: [`${t.name} alias`], former_slugs: [] });

    const sameSlug = await call("/api/taxonomy/entries", jsonInit("POST", { type: "topic", name: t.name.toUpperCase() }));
    expect(sameSlug.status).toBe(409);
    expect((await json(sameSlug)).error.fields).toEqual(
      expect.arrayContaining([{ path: "slug", reason: `slug "${t.slug}" is already used by topic/${t.slug}` }]),
    );
    const sameAlias = await call("/api/taxonomy/entries", jsonInit("POST", { type: "city", name: uniqueId("Город"), aliases: ["Алма-Ата"] }));
    expect(sameAlias.status).toBe(409);
    expect((await json(sameAlias)).error.fields).toEqual([{ path: "aliases[0]", reason: '"Алма-Ата" already names city/almaty' }]);

    const undeclared = await call("/api/taxonomy/entries", jsonInit("POST", { type: "planet", name: "Марс" }));
    expect(undeclared.status).toBe(400);
    expect((await json(undeclared)).error.fields[0].path).toBe("type");
    const typo = await call("/api/taxonomy/entries", jsonInit("POST", { type: "topic", name: topic().name, alias: ["x"] }));
    expect(typo.status).toBe(400);
    const bad = await call("/api/taxonomy/entries", jsonInit("POST", { type: "topic", name: topic().name, autotag_exclude: ["not mine"] }));
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.fields).toEqual([{ path: "autotag_exclude[0]", reason: expect.stringContaining("not the entry's name") }]);
  });

  it("renames a slug: the old URL answers 301, the articles move, and the old slug stays reserved", async () => {
    const t = topic();
    expect((await call("/api/taxonomy/entries", jsonInit("POST", { type: "topic", name: t.name }))).status).toBe(201);
    const articles = [makeArticle({ tags: [t.name] }), makeArticle({ tags: [{ type: "topic", name: t.name }, "Алматы"] })];
    expect((await submit(articles)).status).toBe(201);
    expect((await feedIds("topic", t.slug)).sort()).toEqual(articles.map((a) => a.id).sort());

    const newSlug = `${t.slug}-renamed`;
    const response = await call(`/api/taxonomy/entries/topic/${t.slug}`, jsonInit("PUT", { slug: newSlug }));
    expect(response.status).toBe(200);
    const answer = await json(response);
    expect(answer.entry).toMatchObject({ name: t.name, slug: newSlug, former_slugs: [t.slug] });
    expect(answer.move).toEqual({ from: `topic/${t.slug}`, into: `topic/${newSlug}`, moved: 2, remaining: 0, done: true });

    const old = await feedAt(`/feeds/topic/${t.slug}.rss?limit=5`);
    expect(old.status).toBe(301);
    expect(old.headers.get("location")).toBe(`http://tagfeed.test/feeds/topic/${newSlug}.rss?limit=5`);
    expect(await feedIds("topic", t.slug)).toEqual([]);
    expect((await feedIds("topic", newSlug)).sort()).toEqual(articles.map((a) => a.id).sort());
    const moved = await stored(articles[1]!.id as string);
    expect(moved.tags.map((tag) => `${tag.type}/${tag.slug}`)).toEqual([`topic/${newSlug}`, "city/almaty"]);
    const feed = await call(`/feeds/topic/${newSlug}.json`);
    expect((await json(feed)).items).toHaveLength(2);

    // Submissions spelled the old way land on the new slug; nobody else may take the old one.
    expect((await json(await submit(makeArticle({ tags: [{ type: "topic", name: t.slug }] })))).articles[0].tags[0].slug).toBe(newSlug);
    const taken = await call("/api/taxonomy/entries", jsonInit("POST", { type: "topic", name: uniqueId("x"), slug: t.slug }));
    expect(taken.status).toBe(409);
    // The entry is addressed by its new slug only.
    expect((await call(`/api/taxonomy/entries/topic/${t.slug}`, jsonInit("PUT", { name: "x" }))).status).toBe(404);
  });

  it("renames a display name: feeds take the new title, the old name stays an alias, stored articles keep theirs", async () => {
    const t = topic();
    expect((await call("/api/taxonomy/entries", jsonInit("POST", { type: "topic", name: t.name }))).status).toBe(201);
    const article = makeArticle({ tags: [{ type: "topic", name: t.name }] });
    expect((await submit(article)).status).toBe(201);
    const before = await json(await call(`/feeds/topic/${t.slug}.json`));
    expect(before.title).toContain(t.name);

    const newName = `${t.name} Новое`;
    const response = await call(`/api/taxonomy/entries/topic/${t.slug}`, jsonInit("PUT", { name: newName }));
    expect(response.status).toBe(200);
    const answer = await json(response);
    expect(answer.entry).toMatchObject({ name: newName, slug: t.slug, aliases: [t.name] });
    expect(answer.move).toBeUndefined();

    const after = await json(await call(`/feeds/topic/${t.slug}.json`));
    expect(after.title).toContain(newName);
    expect((await stored(article.id as string)).tags[0]).toEqual({ type: "topic", name: t.name, slug: t.slug });
    const listed = await json(await call("/api/tags?type=topic"));
    expect(listed.tags.find((tag: { slug: string }) => tag.slug === t.slug)?.name).toBe(newName);
    const resubmitted = await json(await submit(makeArticle({ tags: [{ type: "topic", name: t.name }] })));
    expect(resubmitted.articles[0].tags[0]).toEqual({ type: "topic", name: newName, slug: t.slug });

    expect((await call(`/api/taxonomy/entries/topic/${t.slug}`, jsonInit("PUT", { type: "city" }))).status).toBe(400);
  });

  it("deletes an entry; its stored tag and feed remain", async () => {
    const t = topic();
    expect((await call("/api/taxonomy/entries", jsonInit("POST", { type: "topic", name: t.name }))).status).toBe(201);
    await submit(makeArticle({ tags: [{ type: "topic", name: t.name }] }));
    const response = await call(`/api/taxonomy/entries/topic/${t.slug}`, { method: "DELETE", headers: adminHeaders() });
    expect(response.status).toBe(200);
    expect((await json(response)).deleted.name).toBe(t.name);
    expect((await call(`/api/taxonomy/entries/topic/${t.slug}`)).status).toBe(404);
    expect((await call(`/api/taxonomy/entries/topic/${t.slug}`, { method: "DELETE", headers: adminHeaders() })).status).toBe(404);
    expect((await call(`/feeds/topic/${t.slug}.rss`)).status).toBe(200);
  });
});

describe("types", () => {
  it("declares a type, refuses a duplicate, and deletes only a type no entry uses", async () => {
    const created = await call("/api/taxonomy/types", jsonInit("POST", { type: "event", label: "Events" }));
    expect(created.status).toBe(201);
    expect((await json(created)).type).toEqual({ type: "event", label: "Events", autotag: true });
    expect((await call("/api/taxonomy/types", jsonInit("POST", { type: "event", label: "Again" }))).status).toBe(409);
    expect((await call("/api/taxonomy/types", jsonInit("POST", { type: "Bad", label: "x" }))).status).toBe(400);

    expect((await call("/api/taxonomy/types/city", { method: "DELETE", headers: adminHeaders() })).status).toBe(409);
    expect((await call("/api/taxonomy/types/event", { method: "DELETE", headers: adminHeaders() })).status).toBe(200);
    expect((await call("/api/taxonomy/types/event", { method: "DELETE", headers: adminHeaders() })).status).toBe(404);
  });
});

describe("POST /api/tags/merge", () => {
  it("moves every article of one tag to another and leaves a redirect", async () => {
    const from = topic("Из");
    const into = topic("В");
    const onlyFrom = [makeArticle({ tags: [from.name, "Алматы"] }), makeArticle({ tags: [{ type: "topic", name: from.name }] })];
    const both = makeArticle({ tags: [{ type: "topic", name: from.name }, "AMANAT", { type: "topic", name: into.name }] });
    const onlyInto = makeArticle({ tags: [{ type: "topic", name: into.name }] });
    expect((await submit([...onlyFrom, both, onlyInto])).status).toBe(201);
    const revsBefore = new Map<string, string>();
    for (const a of [...onlyFrom, both]) revsBefore.set(a.id as string, (await stored(a.id as string)).rev);

    const response = await call("/api/tags/merge", jsonInit("POST", { from: { type: "topic", slug: from.slug }, into: { type: "topic", slug: into.slug } }));
    expect(response.status).toBe(200);
    const answer = await json(response);
    expect(answer).toEqual({
      from: `topic/${from.slug}`,
      into: { type: "topic", name: into.name, slug: into.slug },
      moved: 3,
      remaining: 0,
      done: true,
    });

    expect(await feedIds("topic", from.slug)).toEqual([]);
    expect((await feedIds("topic", into.slug)).sort()).toEqual([...onlyFrom, both, onlyInto].map((a) => a.id as string).sort());
    const redirect = await feedAt(`/feeds/topic/${from.slug}.atom`);
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get("location")).toBe(`http://tagfeed.test/feeds/topic/${into.slug}.atom`);

    const first = await stored(onlyFrom[0]!.id as string);
    expect(first.tags).toEqual([
      { type: "topic", name: into.name, slug: into.slug },
      { type: "city", name: "Алматы", slug: "almaty" },
    ]);
    const merged = await stored(both.id as string);
    expect(merged.tags.map((t) => `${t.type}/${t.slug}`)).toEqual([`topic/${into.slug}`, "party/amanat"]);
    for (const a of [...onlyFrom, both]) expect((await stored(a.id as string)).rev).not.toBe(revsBefore.get(a.id as string));

    // The taxonomy now holds `into` with from's name as an alias and from's slug as a former slug.
    const entry = await json(await call(`/api/taxonomy/entries/topic/${into.slug}`));
    expect(entry.entry).toMatchObject({ name: into.name, aliases: [from.name], former_slugs: [from.slug] });
    // from's record is gone from the directory.
    const listed = (await json(await call("/api/tags?type=topic"))).tags.map((t: { slug: string }) => t.slug);
    expect(listed).toContain(into.slug);
    expect(listed).not.toContain(from.slug);

    // A re-delivery of the unmerged article resolves to `into` and is unchanged: the rev matches.
    const again = await submit(onlyFrom[0]);
    expect(again.status).toBe(200);
    expect((await json(again)).articles[0]).toMatchObject({ status: "unchanged", tags: first.tags });

    // Calling again is harmless.
    const repeat = await call("/api/tags/merge", jsonInit("POST", { from: { type: "topic", slug: from.slug }, into: { type: "topic", slug: into.slug } }));
    expect(await json(repeat)).toMatchObject({ moved: 0, remaining: 0, done: true });
  });

  it("merges a taxonomy entry into another, carrying its spellings and former slugs", async () => {
    const from = topic("Из");
    const into = topic("В");
    const alias = uniqueId("Alias");
    expect((await call("/api/taxonomy/entries", jsonInit("POST", { type: "topic", name: from.name, aliases: [alias], former_slugs: [`${from.slug}-old`] }))).status).toBe(201);
    expect((await call("/api/taxonomy/entries", jsonInit("POST", { type: "topic", name: into.name }))).status).toBe(201);
    const article = makeArticle({ tags: [alias] });
    expect((await json(await submit(article))).articles[0].tags[0].slug).toBe(from.slug);

    const response = await call("/api/tags/merge", jsonInit("POST", { from: { type: "topic", slug: from.slug }, into: { type: "topic", slug: into.slug } }));
    expect(await json(response)).toMatchObject({ moved: 1, remaining: 0, done: true });
    expect((await call(`/api/taxonomy/entries/topic/${from.slug}`)).status).toBe(404);
    const entry = (await json(await call(`/api/taxonomy/entries/topic/${into.slug}`))).entry;
    expect(entry.aliases).toEqual([from.name, alias]);
    expect(entry.former_slugs).toEqual([from.slug, `${from.slug}-old`]);
    expect((await feedAt(`/feeds/topic/${from.slug}-old.rss`)).headers.get("location")).toBe(`http://tagfeed.test/feeds/topic/${into.slug}.rss`);
    expect((await json(await submit(makeArticle({ tags: [alias] })))).articles[0].tags[0].slug).toBe(into.slug);
    expect((await stored(article.id as string)).tags[0]?.slug).toBe(into.slug);
  });

  it("refuses merges that make no sense", async () => {
    const from = topic();
    await submit(makeArticle({ tags: [{ type: "topic", name: from.name }] }));
    const merge = (body: unknown) => call("/api/tags/merge", jsonInit("POST", body));
    const ref = (type: string, slug: string) => ({ type, slug });
    expect((await merge({ from: ref("topic", from.slug), into: ref("topic", from.slug) })).status).toBe(400);
    expect((await merge({ from: ref("topic", from.slug), into: ref("city", "almaty") })).status).toBe(400);
    expect((await merge({ from: ref("topic", "no-such-tag-here"), into: ref("city", "almaty") })).status).toBe(404);
    expect((await merge({ from: ref("topic", from.slug), into: ref("topic", "no-such-tag-here") })).status).toBe(404);
    expect((await merge({ from: ref("city", "nur-sultan"), into: ref("city", "almaty") })).status).toBe(409);
    expect((await merge({ from: ref("city", "almaty"), into: ref("city", "nur-sultan") })).status).toBe(409);
    expect((await merge({ from: ref("topic", from.slug) })).status).toBe(400);
    expect(await feedIds("topic", from.slug)).toHaveLength(1);
  });

  it("moves in bounded steps, answering what remains", async () => {
    const from = topic("Из");
    const into = topic("В");
    const articles = Array.from({ length: 5 }, (_, i) =>
      makeArticle({ tags: [{ type: "topic", name: from.name }], published: new Date(Date.UTC(2024, 0, 1, i)).toISOString() }),
    );
    await submit(articles);
    await submit(makeArticle({ tags: [{ type: "topic", name: into.name }] }));
    const intoTag = { type: "topic", name: into.name, slug: into.slug };
    const limits = { ...MOVE_LIMITS, maxArticles: 2 };
    const step = () => moveTagArticles(articleStore(env), { type: "topic", slug: from.slug }, intoTag, Date.now(), limits);
    expect(await step()).toEqual({ moved: 2, remaining: 3, done: false });
    expect(await step()).toEqual({ moved: 2, remaining: 1, done: false });
    expect(await step()).toEqual({ moved: 1, remaining: 0, done: true });
    expect(await feedIds("topic", from.slug)).toEqual([]);
    expect(await feedIds("topic", into.slug)).toHaveLength(6);
    // The budget stops a step early, but every step moves at least one article.
    expect(await moveTagArticles(articleStore(env), { type: "topic", slug: into.slug }, { ...intoTag, slug: `${into.slug}-x` }, Date.now(), { ...limits, opsBudget: 5 })).toMatchObject({
      moved: 1,
      done: false,
    });
  });

  it("retags the version a publisher wrote during the move, instead of overwriting it", async () => {
    const from = topic("Из");
    const into = topic("В");
    const article = makeArticle({ tags: [{ type: "topic", name: from.name }] });
    expect((await submit(article)).status).toBe(201);
    expect((await submit(makeArticle({ tags: [{ type: "topic", name: into.name }] }))).status).toBe(201);
    // The publisher's update lands between the move's read of the article and its write.
    let articleReads = 0;
    const racing = new Proxy(env.KV, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== "function") return value;
        if (property !== "get") return value.bind(target);
        return async (...args: unknown[]) => {
          if (Array.isArray(args[0]) && args[0].includes(`article:${article.id}`) && ++articleReads === 1) {
            expect((await submit({ ...article, title: "Updated by the publisher" })).status).toBe(201);
          }
          return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      },
    });
    const progress = await moveTagArticles({ kv: racing, writers: env.ARTICLE_WRITER }, { type: "topic", slug: from.slug }, { type: "topic", name: into.name, slug: into.slug }, Date.now());
    expect(progress.moved).toBe(1);
    const after = await stored(article.id as string);
    expect(after.title).toBe("Updated by the publisher");
    expect(after.tags.map((t) => t.slug)).toContain(into.slug);
  });

  it("finishes even when every article carries many tags", async () => {
    const from = topic("Из");
    const into = topic("В");
    const articles = Array.from({ length: 12 }, (_, i) =>
      makeArticle({
        tags: [{ type: "topic", name: from.name }, ...Array.from({ length: 44 }, (_, t) => ({ type: "topic", name: `${from.name}-extra-${t}` }))],
        published: new Date(Date.UTC(2024, 0, 1, i)).toISOString(),
      }),
    );
    for (const article of articles) expect((await submit(article)).status).toBe(201);
    const intoTag = { type: "topic", name: into.name, slug: into.slug };
    let progress = { moved: 0, remaining: articles.length, done: false };
    for (let call = 0; call < 20 && !progress.done; call++) {
      progress = await moveTagArticles(articleStore(env), { type: "topic", slug: from.slug }, intoTag, Date.now());
      expect(progress.moved).toBeGreaterThan(0);
    }
    expect(progress.done).toBe(true);
    expect(await feedIds("topic", into.slug)).toHaveLength(12);
  });
});
