import { makeUpstreamRss } from "./inputs.mjs";
const m = await import(process.argv[2]);
if (process.env.NODIGEST) crypto.subtle.digest = async () => new ArrayBuffer(32);
const which = process.argv[3];
const taxonomy = m.compileTaxonomy(m.DEFAULT_TAXONOMY);
const doc = makeUpstreamRss({ items: 50 });
const body = new TextEncoder().encode(doc.xml);
const parsed = m.parseFeed(body, { url: "https://news.example.kz/rss", contentType: "application/rss+xml" });
const items = parsed.value.items;
const source = m.newSource("s-00000000000000b1", "https://news.example.kz/rss", { name: "News KZ" }, "2024-05-01T00:00:00Z");
const ctx = { source, taxonomy, fetchedAtIso: "2024-05-01T12:30:00.000Z", feedLanguage: "ru", sharedUrls: m.sharedLinks(items) };
const mapped = [];
for (const it of items) mapped.push((await m.mapItem(it, ctx)).value);
const t0 = performance.now(); let n = 0;
while (performance.now() - t0 < 8000) {
  if (which === "map") for (const it of items) await m.mapItem(it, ctx);
  else for (const mi of mapped) await m.normalizeArticle(mi.input, { taxonomy, nowMs: Date.parse("2024-05-01T12:30:00.000Z"), contentBase: mi.contentBase, linkAsGiven: true });
  n++;
}
console.log(which, ((performance.now() - t0) / n).toFixed(2), "ms per 50");
