/** mapItem (map-item.ts): ids, dates, titles, tags and field hygiene of upstream items. */
import { describe, expect, it } from "vitest";
import type { Source } from "../domain/source";
import { normalizeArticle } from "../ingest/normalize";
import { DEFAULT_TAXONOMY } from "../tags/default-taxonomy";
import { compileTaxonomy } from "../tags/resolve";
import type { UpstreamItem } from "../upstream/types";
import { type MapContext, mapItem, sharedLinks } from "./map-item";

const taxonomy = compileTaxonomy(DEFAULT_TAXONOMY);
const FETCHED = "2024-05-01T12:00:00.000Z";

const makeSource = (overrides: Partial<Source> = {}): MapContext["source"] => ({
  id: "s-0123456789abcdef",
  name: "Kaz News",
  url: "https://kaznews.example/rss",
  tags: [],
  autotag: true,
  ...overrides,
});

const makeItem = (overrides: Partial<UpstreamItem> = {}): UpstreamItem => ({
  guid: "https://kaznews.example/a/1",
  url: "https://kaznews.example/a/1",
  title: "Акимат Алматы объявил о ремонте дорог",
  summary: "<p>Ремонт начнётся в мае.</p>",
  published: "2024-05-01T08:00:00.000Z",
  authors: [],
  categories: [],
  enclosures: [],
  ...overrides,
});

const context = (overrides: Partial<MapContext> = {}): MapContext => ({ source: makeSource(), taxonomy, fetchedAtIso: FETCHED, ...overrides });

async function mapped(item: UpstreamItem, ctx: MapContext = context()) {
  const result = await mapItem(item, ctx);
  if (!result.ok) throw new Error(`expected a mapped item, got: ${result.error}`);
  return result.value;
}

describe("mapItem: ids", () => {
  it("leaves the id to normalize when the item has a link, so two sources share one article", async () => {
    const a = await mapped(makeItem({ url: "https://news.example/story?utm_source=rss" }));
    const b = await mapped(makeItem({ url: "http://NEWS.example/story", guid: "other-guid" }), context({ source: makeSource({ id: "s-ffffffffffffffff", name: "Other" }) }));
    expect(a.input.id).toBeUndefined();
    const na = await normalizeArticle(a.input, { taxonomy, nowMs: Date.parse(FETCHED) });
    const nb = await normalizeArticle(b.input, { taxonomy, nowMs: Date.parse(FETCHED) });
    expect(na.ok && nb.ok && na.value.id === nb.value.id).toBe(true);
  });

  it("derives a stable, source-scoped id from the guid when there is no link", async () => {
    const item = makeItem({ url: undefined, guid: "tag:kaznews,2024:1" });
    const first = await mapped(item);
    const again = await mapped({ ...item, title: "Changed title" });
    const elsewhere = await mapped(item, context({ source: makeSource({ id: "s-ffffffffffffffff" }) }));
    expect(first.input.id).toMatch(/^g-[0-9a-f]{24}$/);
    expect(again.input.id).toBe(first.input.id);
    expect(elsewhere.input.id).not.toBe(first.input.id);
  });

  it("falls back to a content hash without link or guid", async () => {
    const item = makeItem({ url: undefined, guid: undefined });
    const first = await mapped(item);
    expect(first.input.id).toMatch(/^h-[0-9a-f]{24}$/);
    expect((await mapped(item)).input.id).toBe(first.input.id);
    expect((await mapped({ ...item, title: "Another story" })).input.id).not.toBe(first.input.id);
  });

  it("does not let a link shared by several items merge them", async () => {
    const items = [makeItem({ guid: "1", url: "https://kaznews.example/" }), makeItem({ guid: "2", url: "https://kaznews.example/" })];
    const shared = sharedLinks(items);
    expect([...shared]).toEqual(["https://kaznews.example/"]);
    const [a, b] = await Promise.all(items.map((i) => mapped(i, context({ sharedUrls: shared }))));
    expect(a?.input.id).toMatch(/^g-/);
    expect(a?.input.id).not.toBe(b?.input.id);
    expect(a?.input.url).toBe("https://kaznews.example/");
  });

  it("keeps items of one page that differ only by #fragment apart, and publishes their links whole", async () => {
    const page = "https://blog.example/2024/05/notes";
    const items = [makeItem({ guid: undefined, url: `${page}#n1` }), makeItem({ guid: undefined, url: `${page}#n2` }), makeItem({ guid: undefined, url: `${page}?utm_source=rss#n3` })];
    const shared = sharedLinks(items);
    expect([...shared]).toEqual([page]);
    const mappedItems = await Promise.all(items.map((i) => mapped(i, context({ sharedUrls: shared }))));
    const ids = mappedItems.map((m) => m.input.id);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^g-[0-9a-f]{24}$/);
    // Stable across fetches: the same link gives the same id.
    expect((await mapped(items[0]!, context({ sharedUrls: shared }))).input.id).toBe(ids[0]);
    const normalized = await normalizeArticle(mappedItems[2]!.input, { taxonomy, nowMs: Date.parse(FETCHED), linkAsGiven: true });
    expect(normalized.ok && normalized.value.url).toBe(`${page}?utm_source=rss#n3`);
  });
});

describe("mapItem: dates and titles", () => {
  it("dates an undated item with the fetch time and says so", async () => {
    const undated = await mapped(makeItem({ published: undefined }));
    expect(undated.input.published).toBe(FETCHED);
    expect(undated.inventedDate).toBe(true);
    const dated = await mapped(makeItem());
    expect(dated.inventedDate).toBe(false);
    const onlyUpdated = await mapped(makeItem({ published: undefined, updated: "2024-04-30T00:00:00.000Z" }));
    expect(onlyUpdated.input.published).toBe("2024-04-30T00:00:00.000Z");
    expect(onlyUpdated.input.updated).toBeUndefined();
    expect(onlyUpdated.inventedDate).toBe(false);
  });

  it("titles an untitled item by the start of its text, else by its link, enclosure or guid", async () => {
    const long = "Слово ".repeat(60);
    const untitled = await mapped(makeItem({ title: undefined, summary: `<p>${long}</p>` }));
    expect(untitled.input.title.endsWith("…")).toBe(true);
    expect(untitled.input.title.length).toBeLessThanOrEqual(141);
    const bare = { title: "  ", summary: undefined, contentHtml: undefined };
    expect((await mapped(makeItem({ ...bare, url: "https://kaznews.example/a/%D0%B0%D0%B1/#p3" }))).input.title).toBe("kaznews.example/a/аб/#p3");
    expect((await mapped(makeItem({ ...bare, url: undefined, guid: undefined, enclosures: [{ url: "https://cdn.example/ep/%D0%AD%D0%BF%2012.mp3", type: "audio/mpeg" }] }))).input.title).toBe("Эп 12.mp3");
    expect((await mapped(makeItem({ ...bare, url: undefined, guid: "urn:uuid:1225c695" }))).input.title).toBe("urn:uuid:1225c695");
    const nothing = await mapItem(makeItem({ ...bare, url: undefined, guid: undefined }), context());
    expect(nothing.ok).toBe(false);
  });

  it("dates an item whose date the article schema would refuse when first seen, keeping the item", async () => {
    for (const published of ["1969-12-31T00:00:00.000Z", "2999-01-01T00:00:00.000Z", "0001-01-01T00:00:00.000Z"]) {
      const item = await mapped(makeItem({ published, updated: "3000-01-01T00:00:00.000Z" }));
      expect(item.input.published).toBe(FETCHED);
      expect(item.input.updated).toBeUndefined();
      expect(item.inventedDate).toBe(true);
    }
    const fallsBack = await mapped(makeItem({ published: "2999-01-01T00:00:00.000Z", updated: "2024-04-30T00:00:00.000Z" }));
    expect(fallsBack.input.published).toBe("2024-04-30T00:00:00.000Z");
  });

  it("keeps titles as the parser decoded them: plain text, never decoded twice", async () => {
    expect((await mapped(makeItem({ title: "How to use the &lt;table&gt; element" }))).input.title).toBe("How to use the &lt;table&gt; element");
    expect((await mapped(makeItem({ title: "AT&T <3 <b>" }))).input.title).toBe("AT&T <3 <b>");
    expect((await mapped(makeItem({ title: "a < b" }))).input.title).toBe("a < b");
  });
});

describe("mapItem: tags and fields", () => {
  it("adds the source's tags, resolves categories through the taxonomy and auto-tags the text", async () => {
    const source = makeSource({ tags: [{ type: "section", name: "Новости" }, "Экономика"] });
    const { input } = await mapped(makeItem({ categories: ["Нур-Султан", "Выборы", " ", "Выборы"], summary: "Партия AMANAT провела съезд." }), context({ source }));
    expect(input.tags).toEqual([
      { type: "section", name: "Новости" },
      { type: "topic", name: "Экономика" },
      { type: "city", name: "Астана" },
      { type: "topic", name: "Выборы" },
      { type: "city", name: "Алматы" },
      { type: "party", name: "AMANAT" },
    ]);
  });

  it("does not auto-tag when the source turns it off, and limits it to the listed types", async () => {
    const item = makeItem({ summary: "Партия AMANAT провела съезд в Алматы." });
    expect((await mapped(item, context({ source: makeSource({ autotag: false }) }))).input.tags).toEqual([]);
    expect((await mapped(item, context({ source: makeSource({ autotag_types: ["party"] }) }))).input.tags).toEqual([{ type: "party", name: "AMANAT" }]);
  });

  it("records the source and keeps only usable URLs", async () => {
    const { input } = await mapped(
      makeItem({
        authors: [{ name: " Айгуль " , url: "javascript:alert(1)" }, { name: "" }, { name: "Ерлан", url: "https://kaznews.example/erlan" }],
        enclosures: [
          { url: "https://cdn.example/a.mp3", type: "audio/mpeg", length: 123 },
          { url: "ftp://cdn.example/b.mp3", type: "audio/mpeg" },
          { url: "https://cdn.example/c.bin", type: "not a type", length: -1 },
        ],
        image: "data:image/png;base64,AAAA",
        language: "ru",
      }),
    );
    expect(input.source).toEqual({ name: "Kaz News", url: "https://kaznews.example/rss" });
    expect(input.authors).toEqual([{ name: "Айгуль" }, { name: "Ерлан", url: "https://kaznews.example/erlan" }]);
    expect(input.enclosures).toEqual([
      { url: "https://cdn.example/a.mp3", type: "audio/mpeg", length: 123 },
      { url: "https://cdn.example/c.bin", type: "application/octet-stream" },
    ]);
    expect(input.image).toBeUndefined();
    expect(input.language).toBe("ru");
  });

  it("carries podcast fields, which normalize keeps only with an audio or video enclosure", async () => {
    const podcast = { durationSeconds: 3723, explicit: true, episode: 3, image: "https://cdn.example/ep3.jpg" };
    const audio = await mapped(makeItem({ podcast, enclosures: [{ url: "https://cdn.example/ep3.mp3", type: "audio/mpeg" }] }));
    expect(audio.input.podcast).toEqual({ duration_seconds: 3723, explicit: true, episode: 3, image: "https://cdn.example/ep3.jpg" });
    const stored = await normalizeArticle(audio.input, { taxonomy, nowMs: Date.parse(FETCHED), linkAsGiven: true });
    expect(stored.ok && stored.value.podcast).toEqual({ duration_seconds: 3723, explicit: true, episode: 3, image: "https://cdn.example/ep3.jpg" });
    const textOnly = await mapped(makeItem({ podcast }));
    const storedText = await normalizeArticle(textOnly.input, { taxonomy, nowMs: Date.parse(FETCHED) });
    expect(storedText.ok && storedText.value.podcast).toBeUndefined();
  });

  it("takes the feed's language for items without one, and drops malformed ones", async () => {
    expect((await mapped(makeItem(), context({ feedLanguage: "kk-KZ" }))).input.language).toBe("kk-KZ");
    expect((await mapped(makeItem({ language: "not a language!" }))).input.language).toBeUndefined();
  });

  it("cuts oversized fields to the article limits instead of losing the item", async () => {
    const { input } = await mapped(makeItem({ title: "Т".repeat(5000), summary: "s".repeat(20_000) }));
    expect(input.title.length).toBe(1000);
    expect(input.summary?.length).toBe(10_000);
  });
});
