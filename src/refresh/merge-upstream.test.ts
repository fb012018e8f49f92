/** mergeUpstream (src/ingest/ingest.ts): how an upstream item meets an article already stored. */
import { describe, expect, it } from "vitest";
import type { Article, ArticleInput } from "../domain/article";
import { mergeUpstream } from "../ingest/ingest";
import { type ArticleDraft, normalizeArticle, stampArticle } from "../ingest/normalize";
import { DEFAULT_TAXONOMY } from "../tags/default-taxonomy";
import { compileTaxonomy } from "../tags/resolve";

const taxonomy = compileTaxonomy(DEFAULT_TAXONOMY);
const NOW = Date.UTC(2024, 4, 1, 12);
const A = { name: "Feed A", url: "https://a.example/rss" };
const B = { name: "Feed B", url: "https://b.example/rss" };

async function draft(overrides: Partial<ArticleInput> = {}): Promise<ArticleDraft> {
  const result = await normalizeArticle(
    { url: "https://news.example/story", title: "Title from A", published: "2024-05-01T08:00:00Z", summary: "A's summary", source: A, tags: ["Алматы"], ...overrides },
    { taxonomy, nowMs: NOW },
  );
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value;
}

const stored = async (overrides: Partial<ArticleInput> = {}): Promise<Article> => stampArticle(await draft(overrides), null, NOW - 3600_000);

describe("mergeUpstream", () => {
  it("changes nothing (same rev) when the owner sends the same item again", async () => {
    const prev = await stored();
    const merged = await mergeUpstream(prev, await draft(), false);
    expect(merged.rev).toBe(prev.rev);
  });

  it("adds a second source and its tags, keeping the first source's content", async () => {
    const prev = await stored();
    const fromB = await draft({ title: "Title from B", summary: "B's summary", source: B, tags: ["Выборы"] });
    const merged = await mergeUpstream(prev, fromB, false);
    expect(merged.id).toBe(prev.id);
    expect(merged.title).toBe("Title from A");
    expect(merged.summary).toBe("A's summary");
    expect(merged.sources).toEqual([A, B]);
    expect(merged.tags.map((t) => t.slug)).toEqual(["almaty", "vybory"]);
    expect(merged.rev).not.toBe(prev.rev);

    // B again: nothing new, so nothing to write (no flip-flop between the two versions).
    const afterB = stampArticle(merged, prev, NOW);
    expect((await mergeUpstream(afterB, fromB, false)).rev).toBe(afterB.rev);
    // A again, unchanged: B stays listed and the content is A's, so nothing to write either.
    expect((await mergeUpstream(afterB, await draft(), false)).rev).toBe(afterB.rev);
  });

  it("never lets a feed take over a publisher's article whose source has the feed's name but no URL", async () => {
    const publisher = await stored({ title: "Publisher's corrected headline", source: { name: "Feed A" } });
    const merged = await mergeUpstream(publisher, await draft({ title: "Stale feed headline" }), false);
    expect(merged.title).toBe("Publisher's corrected headline");
    expect(merged.sources).toEqual([{ name: "Feed A" }, A]);
  });

  it("knows the owner by its URL without userinfo, on either side", async () => {
    const withCredentials = { name: "Feed A", url: "https://reader:secret@a.example/rss" };
    // A record stored while source URLs kept their userinfo; drafts never have it (normalize).
    const prev = { ...(await stored()), sources: [withCredentials] };
    const corrected = await mergeUpstream(prev, await draft({ title: "Corrected title" }), false);
    expect(corrected.title).toBe("Corrected title");
    expect(corrected.sources).toEqual([withCredentials]);
  });

  it("lets the owner update the content, keeping the other sources", async () => {
    const prev = stampArticle(await mergeUpstream(await stored(), await draft({ source: B }), false), null, NOW);
    const corrected = await mergeUpstream(prev, await draft({ title: "Corrected title" }), false);
    expect(corrected.title).toBe("Corrected title");
    expect(corrected.sources).toEqual([A, B]);
  });

  it("keeps the stored date when the item's date was invented at fetch time", async () => {
    const prev = await stored({ published: "2024-05-01T09:00:00Z" });
    const refetched = await draft({ published: "2024-05-01T11:00:00Z" });
    const merged = await mergeUpstream(prev, refetched, true);
    expect(merged.published).toBe(prev.published);
    expect(merged.rev).toBe(prev.rev);
    // A real date from the feed is an update.
    expect((await mergeUpstream(prev, refetched, false)).published).toBe("2024-05-01T11:00:00.000Z");
  });

  it("never overwrites a publisher's webhook article, only lists the feed as a source", async () => {
    const pushed = await stored({ source: undefined, title: "Publisher's title", tags: [{ type: "party", name: "AMANAT" }] });
    const merged = await mergeUpstream(pushed, await draft({ title: "Feed's title" }), false);
    expect(merged.title).toBe("Publisher's title");
    expect(merged.sources).toEqual([A]);
    expect(merged.tags.map((t) => `${t.type}/${t.slug}`)).toEqual(["party/amanat", "city/almaty"]);
  });
});
