/**
 * Retractions: an article an admin deleted stays deleted. Neither an upstream refresh that still
 * carries it nor a re-sent copy of the same version brings it back; a changed version from its
 * publisher restores it. Checked on the served feed and the article route.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ArticleInput } from "../src/domain/article";
import { ingestUpstream } from "../src/ingest/ingest";
import { normalizeArticle } from "../src/ingest/normalize";
import { articleStore } from "../src/store/articles";
import { tagKey } from "../src/store/keys";
import { loadTaxonomy } from "../src/store/taxonomy";
import { adminHeaders, call, makeArticle, submit, uniqueId } from "./helpers";

async function feedIds(path: string): Promise<string[]> {
  const response = await call(path);
  expect(response.status).toBe(200);
  const feed = (await response.json()) as { items: { id: string }[] };
  return feed.items.map((item) => item.id);
}

async function upstreamCopy(input: Record<string, unknown>) {
  const { index } = await loadTaxonomy(env.KV);
  const draft = await normalizeArticle(input as ArticleInput, { taxonomy: index, nowMs: Date.now() });
  if (!draft.ok) throw new Error(JSON.stringify(draft.error));
  return ingestUpstream(articleStore(env), [{ draft: draft.value, inventedDate: false }], Date.now());
}

describe("a deleted article stays deleted", () => {
  it("through an upstream refresh and a re-sent copy, and comes back only with a changed version", async () => {
    const tag = uniqueId("retracted");
    const article = makeArticle({ tags: [{ type: "topic", name: tag }] });
    const id = String(article.id);
    const feed = `/feeds/topic/${tag}.json`;
    const item = `urn:tagfeed:article:${id}`;
    expect((await submit(article)).status).toBe(201);
    expect(await feedIds(feed)).toContain(item);

    expect((await call(`/api/articles/${id}`, { method: "DELETE", headers: adminHeaders() })).status).toBeLessThan(300);
    expect(await feedIds(feed)).not.toContain(item);

    // An upstream feed that still carries it, and the publisher's system sending the same version again.
    const refreshed = await upstreamCopy(article);
    expect(refreshed.outcomes.map((o) => o.status)).toEqual(["unchanged"]);
    const resent = await submit(article);
    expect(resent.status).toBe(200);
    // The publisher is told why nothing was stored, and a re-delivery of that webhook says it again.
    const resentBody = (await resent.json()) as { articles: { id: string; status: string }[] };
    expect(resentBody.articles).toEqual([expect.objectContaining({ id, status: "retracted" })]);
    const webhookId = uniqueId("msg");
    expect((await submit(article, { id: webhookId })).status).toBe(200);
    const redelivered = (await (await submit(article, { id: webhookId })).json()) as { redelivery?: boolean; articles: { status: string }[] };
    expect(redelivered).toMatchObject({ redelivery: true, articles: [{ status: "retracted" }] });
    expect((await call(`/api/articles/${id}`)).status).toBe(404);
    expect(await feedIds(feed)).not.toContain(item);

    // The publisher's changed version is an explicit restore.
    const changed = { ...article, title: "Исправленный заголовок" };
    expect((await submit(changed)).status).toBe(201);
    expect((await call(`/api/articles/${id}`)).status).toBe(200);
    expect(await feedIds(feed)).toContain(item);
  });

  it("leaves no tag record behind for a re-sent copy it refused", async () => {
    const tag = uniqueId("stray");
    const article = makeArticle({ tags: [{ type: "topic", name: tag }] });
    expect((await submit(article)).status).toBe(201);
    expect((await call(`/api/articles/${String(article.id)}`, { method: "DELETE", headers: adminHeaders() })).status).toBeLessThan(300);
    // The tag's record gone with its last article (as a merge leaves it), then the same version again.
    await env.KV.delete(tagKey({ type: "topic", slug: tag }));
    const resent = (await (await submit(article)).json()) as { articles: { status: string }[] };
    expect(resent.articles.map((a) => a.status)).toEqual(["retracted"]);
    expect(await upstreamCopy(article)).toMatchObject({ outcomes: [{ status: "unchanged" }] });
    expect(await env.KV.get(tagKey({ type: "topic", slug: tag }))).toBeNull();
  });
});
