/**
 * Differential property: one generated item written as RSS 2.0, Atom 1.0, RSS 1.0 and JSON Feed
 * 1.1 must read back as the same item (title, link, date, summary, authors, categories) and map
 * to the same article input. A difference means one reader treats a field its format carries
 * unlike the others. Bounded runs; a failure prints the seed and the shrunk item.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mapItem } from "../refresh/map-item";
import { DEFAULT_TAXONOMY } from "../tags/default-taxonomy";
import { compileTaxonomy } from "../tags/resolve";
import { parseFeed } from "./parse";

const taxonomy = compileTaxonomy(DEFAULT_TAXONOMY);
const RUNS = { numRuns: Number(process.env.PROPERTY_RUNS ?? 150) };
const FEED_URL = "https://diff.example/feed";

interface Item {
  title: string;
  link: string;
  guid: string;
  publishedMs: number;
  summary: string;
  authors: string[];
  categories: string[];
}

// Text the formats carry alike: letters (Latin, Cyrillic, Kazakh), digits, punctuation that XML
// must escape (`&`, quotes), single spaces. Not `<`: a `<b>` in RSS text is read as HTML, by design.
const CHARS = [..."abcxyzABCЖжқәӨАлматы0129 .,!?-'\"&()«»—"];
const word = fc.array(fc.constantFrom(...CHARS.filter((c) => c !== " ")), { minLength: 1, maxLength: 8 }).map((a) => a.join(""));
const line = fc.array(word, { minLength: 1, maxLength: 6 }).map((w) => w.join(" "));
const slugPart = fc.stringMatching(/^[a-z0-9-]{1,12}$/);

const item: fc.Arbitrary<Item> = fc.record({
  title: line,
  link: fc.tuple(slugPart, fc.option(slugPart, { nil: undefined })).map(([p, frag]) => `https://diff.example/posts/${p}${frag === undefined ? "" : `#${frag}`}`),
  guid: slugPart.map((g) => `urn:diff:${g}`),
  // Whole seconds: RFC 822 has no fraction.
  publishedMs: fc.integer({ min: Date.UTC(1995, 0, 1) / 1000, max: Date.UTC(2024, 0, 1) / 1000 }).map((s) => s * 1000),
  summary: line,
  authors: fc.uniqueArray(line, { maxLength: 3 }),
  categories: fc.uniqueArray(line, { maxLength: 4 }),
});

const esc = (s: string): string => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll('"', "&quot;");

function rss2(i: Item): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>d</title><link>https://diff.example/</link><description>d</description>` +
    `<item><title>${esc(i.title)}</title><link>${esc(i.link)}</link><guid isPermaLink="false">${esc(i.guid)}</guid>` +
    `<pubDate>${new Date(i.publishedMs).toUTCString()}</pubDate><description>${esc(i.summary)}</description>` +
    i.authors.map((a) => `<dc:creator>${esc(a)}</dc:creator>`).join("") +
    i.categories.map((c) => `<category>${esc(c)}</category>`).join("") +
    `</item></channel></rss>`
  );
}

function atom(i: Item): string {
  const iso = new Date(i.publishedMs).toISOString().replace(".000Z", "Z");
  return (
    `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>d</title><id>urn:diff</id><updated>${iso}</updated>` +
    `<entry><title type="text">${esc(i.title)}</title><link rel="alternate" href="${esc(i.link)}"/><id>${esc(i.guid)}</id>` +
    `<published>${iso}</published><updated>${iso}</updated><summary type="text">${esc(i.summary)}</summary>` +
    i.authors.map((a) => `<author><name>${esc(a)}</name></author>`).join("") +
    i.categories.map((c) => `<category term="${esc(c)}"/>`).join("") +
    `</entry></feed>`
  );
}

function rss1(i: Item): string {
  const iso = new Date(i.publishedMs).toISOString().replace(".000Z", "+00:00");
  return (
    `<?xml version="1.0" encoding="utf-8"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">` +
    `<channel rdf:about="https://diff.example/"><title>d</title><link>https://diff.example/</link><description>d</description></channel>` +
    `<item rdf:about="${esc(i.guid)}"><title>${esc(i.title)}</title><link>${esc(i.link)}</link><dc:date>${iso}</dc:date><description>${esc(i.summary)}</description>` +
    i.authors.map((a) => `<dc:creator>${esc(a)}</dc:creator>`).join("") +
    i.categories.map((c) => `<dc:subject>${esc(c)}</dc:subject>`).join("") +
    `</item></rdf:RDF>`
  );
}

function jsonFeed(i: Item): string {
  return JSON.stringify({
    version: "https://jsonfeed.org/version/1.1",
    title: "d",
    items: [
      {
        id: i.guid,
        url: i.link,
        title: i.title,
        summary: i.summary,
        date_published: new Date(i.publishedMs).toISOString(),
        authors: i.authors.map((name) => ({ name })),
        tags: i.categories,
      },
    ],
  });
}

const FORMATS = { rss2, atom, rss1, jsonFeed };

function readBack(doc: string) {
  const parsed = parseFeed(new TextEncoder().encode(doc), { url: FEED_URL });
  if (!parsed.ok) throw new Error(`${parsed.error.reason}: ${parsed.error.message}`);
  expect(parsed.value.items).toHaveLength(1);
  return parsed.value.items[0]!;
}

describe("the same item in four formats", () => {
  it("reads back the same fields and maps to the same article", async () => {
    await fc.assert(
      fc.asyncProperty(item, async (i) => {
        const fields = Object.entries(FORMATS).map(([format, write]) => {
          const read = readBack(write(i));
          return { format, read, common: { title: read.title, url: read.url, published: read.published, summary: read.summary, authors: read.authors, categories: read.categories } };
        });
        const expected = {
          title: i.title,
          url: i.link,
          published: new Date(i.publishedMs).toISOString(),
          summary: i.summary,
          authors: i.authors.map((name) => ({ name })),
          categories: i.categories,
        };
        for (const f of fields) expect(f.common, f.format).toEqual(expected);
        // The guid is the format's own id (RSS 1.0: rdf:about).
        for (const f of fields) expect(f.read.guid, f.format).toBe(i.guid);

        const source = { id: "s-0000000000000000", name: "Diff", url: FEED_URL, tags: [], autotag: false };
        const mapped = await Promise.all(fields.map((f) => mapItem(f.read, { source, taxonomy, fetchedAtIso: "2024-06-01T00:00:00.000Z" })));
        const inputs = mapped.map((m) => (m.ok ? m.value.input : m.error));
        for (const input of inputs.slice(1)) expect(input).toEqual(inputs[0]);
      }),
      RUNS,
    );
  });
});
