/**
 * Admin blocks in workerd: a URL pattern or a source's item, added and removed through
 * /api/blocks; the webhook refuses a blocked article (403, naming it, nothing stored) and the
 * refresh skips and counts blocked items.
 */
import { describe, expect, it } from "vitest";
import { adminHeaders, call, json, makeArticle, submit, uniqueId } from "./helpers";

const UPSTREAM = "https://upstream.example";

const postBlock = (body: unknown, headers: Record<string, string> = adminHeaders()) =>
  call("/api/blocks", { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(body) });

describe("/api/blocks", () => {
  it("is admin only and answers a bad block with 400 naming the field", async () => {
    expect((await postBlock({ url_pattern: "https://x.example/" }, {})).status).toBe(401);
    expect((await call("/api/blocks")).status).toBe(401);
    for (const [body, path] of [
      [{}, "url_pattern"],
      [{ url_pattern: "ftp://x.example/" }, "url_pattern"],
      [{ url_pattern: "https://x.example/", source: "s-0123456789abcdef", guid: "g" }, "url_pattern"],
      [{ guid: "g" }, "source"],
      [{ source: "s-0123456789abcdef" }, "guid"],
      [{ source: "nope", guid: "g" }, "source"],
      [{ url_pattern: "https://x.example/", colour: "red" }, ""],
    ] as const) {
      const response = await postBlock(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const error = await json<{ error: { fields: { path: string }[] } }>(response);
      expect(error.error.fields.map((f) => f.path), JSON.stringify(body)).toContain(path);
    }
    expect((await call("/api/blocks/b-0000000000000000", { method: "DELETE", headers: adminHeaders() })).status).toBe(404);
  });

  it("a URL pattern refuses matching webhook articles, and its removal lets them in", async () => {
    const t = uniqueId("blk");
    const pattern = `https://news.example/${t}/*/sponsored`;
    const created = await postBlock({ url_pattern: pattern, note: "paid posts" });
    expect(created.status).toBe(201);
    const block = await json<{ id: string; url_pattern: string }>(created);
    expect(block.url_pattern).toBe(pattern);
    expect((await postBlock({ url_pattern: pattern })).status).toBe(200);
    const listed = await json<{ blocks: { id: string }[] }>(await call("/api/blocks", { headers: adminHeaders() }));
    expect(listed.blocks.map((b) => b.id)).toContain(block.id);

    const blocked = makeArticle({ id: undefined, url: `https://news.example/${t}/2026/sponsored-post?utm_source=x` });
    const fine = makeArticle({ id: undefined, url: `https://news.example/${t}/2026/report` });
    const refused = await submit({ articles: [fine, blocked] });
    expect(refused.status).toBe(403);
    const body = await json<{ error: { code: string; fields: { path: string; reason: string }[] } }>(refused);
    expect(body.error.code).toBe("blocked");
    expect(body.error.fields).toEqual([{ path: "articles[1].url", reason: `is blocked by ${block.id}` }]);
    // Nothing of the batch was stored.
    const stored = await submit(fine);
    expect(stored.status).toBe(201);

    expect((await call(`/api/blocks/${block.id}`, { method: "DELETE", headers: adminHeaders() })).status).toBe(200);
    expect((await submit(blocked)).status).toBe(201);
  });

  it("the refresh skips a blocked item of a source and a blocked URL, and counts them", async () => {
    const nonce = uniqueId("blkref");
    const added = await call("/api/sources", {
      method: "POST",
      headers: { ...adminHeaders(), "content-type": "application/json" },
      body: JSON.stringify({ url: `${UPSTREAM}/files/news-a.xml?t=${nonce}` }),
    });
    expect(added.status).toBe(201);
    const source = await json<{ id: string }>(added);
    expect((await postBlock({ source: source.id, guid: "vesti-2024-0430-congress" })).status).toBe(201);
    expect((await postBlock({ url_pattern: "https://shared.example/story/" })).status).toBe(201);
    const refreshed = await call(`/api/sources/${source.id}/refresh`, { method: "POST", headers: adminHeaders() });
    expect(refreshed.status).toBe(200);
    const { refresh, source: after } = await json<{ refresh: { counts: { blocked?: number; created: number } }; source: { last_counts?: { blocked?: number } } }>(refreshed);
    expect(refresh.counts.blocked).toBe(2);
    expect(after.last_counts?.blocked).toBe(2);
    const all = await json<{ items: { url?: string }[] }>(await call("/feeds/all.json?limit=100"));
    const urls = all.items.map((i) => i.url);
    expect(urls).toContain("https://vesti-almaty.example/news/metro-2024");
    expect(urls).not.toContain("https://vesti-almaty.example/news/congress");
    expect(urls.some((u) => u?.startsWith("https://shared.example/story/"))).toBe(false);
  });
});
