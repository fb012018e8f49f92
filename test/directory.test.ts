import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../src/app";
import { PAGE_TAGS, forgetDirectoryIsolateState } from "../src/feeds/directory";
import { makeArticle, submit, uniqueId } from "./helpers";

async function counted(path: string) {
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(`http://tagfeed.test${path}`), { ...env, KV_COUNT: "true" }, ctx);
  await waitOnExecutionContext(ctx);
  const kv = Object.fromEntries((response.headers.get("x-tagfeed-kv") ?? "").split(",").map((p) => p.split("=")).map(([k, v]) => [k!, Number(v)]));
  return { response, kv, body: await response.text() };
}

describe("directory at scale", () => {
  it("costs at most 2 KV reads (no bulk read, no list) at 1,000 tags on /, /opml and /api/tags once its document is built", async () => {
    const prefix = uniqueId("dir");
    for (let batch = 0; batch < 10; batch++) {
      const articles = Array.from({ length: 10 }, (_, i) =>
        makeArticle({ tags: Array.from({ length: 10 }, (_, j) => ({ type: "person", name: `${prefix} ${batch * 100 + i * 10 + j}` })) }),
      );
      expect((await submit(articles)).status).toBe(201);
    }
    // The first request after the tag set changed builds the document (and pays for it).
    const built = await counted("/api/tags");
    const tags = (JSON.parse(built.body) as { tags: { name: string }[] }).tags.filter((t) => t.name.startsWith(prefix));
    expect(tags).toHaveLength(1000);
    for (const path of ["/api/tags", "/opml", "/", "/api/tags?type=person"]) {
      const { response, kv } = await counted(path);
      expect(response.status, path).toBe(200);
      expect(kv.reads, path).toBeLessThanOrEqual(2);
      expect(kv.bulk_reads, path).toBe(0);
      expect(kv.lists, path).toBe(0);
      expect(kv.writes, path).toBe(0);
    }
    expect((await counted("/opml")).body).toContain(`text="${prefix} 999"`);
  }, 120_000);
});

interface ApiTags {
  tags: { type: string; name: string; newest: string | null; newest_known: boolean }[];
  total: number;
  next?: string;
}

async function apiTags(path: string): Promise<ApiTags> {
  const { response, body } = await counted(path);
  expect(response.status, path).toBe(200);
  return JSON.parse(body) as ApiTags;
}

/** Every tag, following `next`. */
async function everyTag(): Promise<ApiTags["tags"]> {
  const all: ApiTags["tags"] = [];
  let path: string | undefined = "/api/tags";
  while (path !== undefined) {
    const page = await apiTags(path);
    all.push(...page.tags);
    path = page.next === undefined ? undefined : new URL(page.next).pathname + new URL(page.next).search;
  }
  return all;
}

async function addTags(type: string, prefix: string, count: number): Promise<void> {
  for (let done = 0; done < count; done += 100) {
    const articles = Array.from({ length: 10 }, (_, i) =>
      makeArticle({ tags: Array.from({ length: 10 }, (_, j) => ({ type, name: `${prefix} ${String(done + i * 10 + j).padStart(4, "0")}` })) }),
    );
    expect((await submit(articles)).status).toBe(201);
  }
}

describe("directory past 1,000 tags", () => {
  it("pages by type on / and /tags/{type}, /api/tags pages with next links, /opml stays complete, all at 2 KV reads warm", async () => {
    const prefix = uniqueId("org");
    await addTags("org", prefix, 1100);
    const first = await apiTags("/api/tags");
    expect(first.total).toBeGreaterThan(1000);
    expect(first.tags).toHaveLength(1000);
    expect(first.next).toBe("http://tagfeed.test/api/tags?offset=1000");
    const all = await everyTag();
    expect(all).toHaveLength(first.total);
    expect(new Set(all.map((t) => `${t.type}/${t.name}`)).size).toBe(first.total);
    expect(all.filter((t) => t.name.startsWith(prefix))).toHaveLength(1100);

    const orgs = await apiTags("/api/tags?type=org&limit=100&offset=1000");
    expect(orgs.tags.length).toBeGreaterThan(0);
    expect(orgs.tags.every((t) => t.type === "org")).toBe(true);
    const orgCount = orgs.total;
    expect(orgs.next).toBe(orgCount > 1100 ? "http://tagfeed.test/api/tags?type=org&limit=100&offset=1100" : undefined);
    for (const bad of ["/api/tags?q=x", "/api/tags?limit=0", "/api/tags?offset=-1", "/api/tags?limit=abc"]) {
      expect((await counted(bad)).response.status, bad).toBe(400);
    }
    const unknown = JSON.parse((await counted("/api/tags?q=x")).body) as { error: { fields: { path: string }[] } };
    expect(unknown.error.fields).toEqual([expect.objectContaining({ path: "query:q" })]);

    // `/`: each type's count and first tags, and a link to the rest.
    const home = (await counted("/")).body;
    expect(home).toContain('href="http://tagfeed.test/tags/org"');
    expect(home.match(/<li class="item">/g)?.length ?? 0).toBeLessThanOrEqual(50 * new Set(all.map((t) => t.type)).size);
    expect(home).not.toContain(`${prefix} 0999`);

    // `/tags/org`: PAGE_TAGS a page, the neighbours linked, past the last a 404, garbage a 400.
    const pages = Math.ceil(orgCount / PAGE_TAGS);
    expect(pages).toBeGreaterThanOrEqual(3);
    const page1 = (await counted("/tags/org")).body;
    expect(page1).toContain('href="http://tagfeed.test/tags/org?page=2"');
    expect(page1.match(/<li class="item">/g)).toHaveLength(PAGE_TAGS);
    const last = await counted(`/tags/org?page=${pages}`);
    expect(last.response.status).toBe(200);
    expect(last.body.match(/<li class="item">/g)).toHaveLength(orgCount - (pages - 1) * PAGE_TAGS);
    expect(last.body).toContain('rel="prev"');
    expect(last.body).not.toContain('rel="next"');
    expect((await counted(`/tags/org?page=${pages}&utm_source=x`)).body).toBe(last.body);
    expect((await counted(`/tags/org?page=${pages + 1}`)).response.status).toBe(404);
    expect((await counted("/tags/org?page=0")).response.status).toBe(400);

    // OPML is a subscription list: every tag, whatever their number.
    const opml = (await counted("/opml")).body;
    expect(opml.match(/type="rss"/g)).toHaveLength(first.total + 1);

    for (const path of ["/", "/opml", "/api/tags", "/api/tags?type=org&offset=1000", "/?utm_source=x"]) {
      const { response, kv } = await counted(path);
      expect(response.status, path).toBe(200);
      expect(kv.reads, path).toBeLessThanOrEqual(2);
      expect((kv.bulk_reads ?? 0) + (kv.lists ?? 0) + (kv.writes ?? 0), path).toBe(0);
    }
  }, 120_000);

  it("answers 304 to its own ETag and keys / on the recognized request only", async () => {
    for (const path of ["/", "/opml", "/api/tags", "/tags/org"]) {
      const { response } = await counted(path);
      const etag = response.headers.get("etag");
      expect(etag, path).toMatch(/^"dir-[0-9a-z]+-[0-9a-z]+"$/);
      expect(response.headers.get("last-modified"), path).not.toBeNull();
      const ctx = createExecutionContext();
      const again = await app.fetch(new Request(`http://tagfeed.test${path}`, { headers: { "if-none-match": etag! } }), env, ctx);
      await waitOnExecutionContext(ctx);
      expect(again.status, path).toBe(304);
      expect(await again.text(), path).toBe("");
    }
    const plain = await counted("/");
    const junk = await counted("/?utm_source=x&anything");
    expect(junk.response.headers.get("etag")).toBe(plain.response.headers.get("etag"));
    expect(junk.body).toBe(plain.body);
    expect(junk.body).toContain("back=%2F\"");
    // A new tag is a new document: a new ETag.
    await addTags("org", uniqueId("org-more"), 1);
    expect((await counted("/")).response.headers.get("etag")).not.toBe(plain.response.headers.get("etag"));
  }, 60_000);

  it("carries each tag's newest date over from the last document into a fresh isolate's build", async () => {
    const known = (tags: ApiTags["tags"]) => tags.filter((t) => t.newest !== null).length;
    // A fresh isolate, after the tag set changed: it reads at most 100 newest dates.
    forgetDirectoryIsolateState();
    await addTags("org", uniqueId("org-a"), 1);
    const once = await everyTag();
    expect(once.length).toBeGreaterThan(300);
    const lastPage = Math.ceil((await apiTags("/api/tags?type=org&limit=1")).total / PAGE_TAGS);
    const english = await app.fetch(new Request(`http://tagfeed.test/tags/org?page=${lastPage}`, { headers: { "accept-language": "en" } }), env, createExecutionContext());
    const text = await english.text();
    // Dates not read yet are said to be unknown, not "no articles" (every tag here has articles).
    expect(text).toContain("Newest article: not known yet");
    expect(text).not.toContain("No articles yet");
    expect(once.filter((t) => !t.newest_known).every((t) => t.newest === null)).toBe(true);

    forgetDirectoryIsolateState();
    await addTags("org", uniqueId("org-b"), 1);
    const twice = await everyTag();
    expect(known(twice)).toBeGreaterThanOrEqual(Math.min(twice.length, known(once) + 90));
  }, 60_000);
});
