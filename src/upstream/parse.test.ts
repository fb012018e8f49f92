/**
 * parseFeed over the fixture corpus (test/fixtures/feeds: every format, encoding and common
 * breakage, each with a `.expected.json` sidecar), two generated multi-megabyte feeds, a seeded
 * fuzz pass and pathological inputs. Runs in Node (`unit` project); the fixtures are read as
 * bytes with node:fs, imported dynamically so the Worker-typed project needs no Node types.
 */
import { describe, expect, it } from "vitest";
import type { ParsedFeed, ParseFailure, UpstreamItem } from "./types";
import { parseFeed } from "./parse";
import { readAtom } from "./atom";
import { readRss } from "./rss";
import { type XmlElement, parseXmlFxp, parserFor, prepareXml } from "./xml";
import { parseTreeHtmlparser2 } from "./xml-htmlparser2";
import { seededRandom } from "../../test/support/prng";

interface NodeFs {
  readFileSync(path: string): Uint8Array;
  readdirSync(path: string): string[];
}
const FS_MODULE = "node:fs";
const fs = (await import(/* @vite-ignore */ FS_MODULE)) as NodeFs;

const DIR = "test/fixtures/feeds/";
const DEFAULT_URL = "https://feeds.example.test/path/feed.xml";

interface Expected {
  options?: { url?: string; contentType?: string };
  format?: ParsedFeed["format"];
  title?: string;
  link?: string;
  language?: string;
  description?: string;
  image?: string;
  selfUrl?: string;
  encoding?: string;
  /** Substrings, one per expected warning. */
  warnings?: string[];
  items?: number;
  /** Item index → fields that must match (null: must be absent). */
  check?: Record<string, Record<string, unknown>>;
  error?: { reason: ParseFailure["reason"]; message: string };
}

const fixtureNames = fs
  .readdirSync(DIR)
  .filter((name) => !name.endsWith(".expected.json"))
  .sort();

function load(name: string): { bytes: Uint8Array; expected: Expected } {
  const bytes = fs.readFileSync(DIR + name);
  const expected = JSON.parse(new TextDecoder().decode(fs.readFileSync(`${DIR}${name}.expected.json`))) as Expected;
  return { bytes: new Uint8Array(bytes), expected };
}

/** Splits an expectation: fields to match, and fields (null in the sidecar) that must be absent. */
function splitExpectation(fields: Record<string, unknown>): { present: Record<string, unknown>; absent: string[] } {
  const present = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null));
  return { present, absent: Object.keys(fields).filter((k) => fields[k] === null) };
}

const HTTP_URL = /^https?:\/\/[^\s]+$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** What every successful result must satisfy, whatever the input. */
function checkInvariants(feed: ParsedFeed): void {
  expect(["rss2", "rss09x", "rss1", "atom", "jsonfeed"]).toContain(feed.format);
  for (const url of [feed.link, feed.image, feed.selfUrl]) if (url !== undefined) expect(url).toMatch(HTTP_URL);
  for (const item of feed.items) checkItem(item);
}

function checkItem(item: UpstreamItem): void {
  expect(Array.isArray(item.authors) && Array.isArray(item.categories) && Array.isArray(item.enclosures)).toBe(true);
  for (const url of [item.url, item.image, item.baseUrl]) if (url !== undefined) expect(url).toMatch(HTTP_URL);
  for (const date of [item.published, item.updated]) if (date !== undefined) expect(date).toMatch(ISO_UTC);
  for (const e of item.enclosures) {
    expect(e.url).toMatch(HTTP_URL);
    expect(e.type).toMatch(/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+/);
    if (e.length !== undefined) expect(Number.isSafeInteger(e.length) && e.length > 0).toBe(true);
  }
  for (const c of item.categories) expect(c).toBe(c.trim());
  expect(new Set(item.categories).size).toBe(item.categories.length);
  for (const a of item.authors) expect(a.name.trim()).not.toBe("");
  for (const [key, value] of Object.entries(item)) if (typeof value === "string") expect(value, key).not.toBe("");
}

describe("fixture corpus", () => {
  it("has at least 40 fixtures, each with expectations", () => {
    expect(fixtureNames.length).toBeGreaterThanOrEqual(40);
  });

  it.each(fixtureNames)("%s", (name) => {
    const { bytes, expected } = load(name);
    const result = parseFeed(bytes, { url: expected.options?.url ?? DEFAULT_URL, contentType: expected.options?.contentType ?? null });
    if (expected.error) {
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.reason).toBe(expected.error.reason);
      expect(result.error.message).toContain(expected.error.message);
      return;
    }
    if (!result.ok) throw new Error(`expected a feed, got ${result.error.reason}: ${result.error.message}`);
    const feed = result.value;
    checkInvariants(feed);
    for (const key of ["format", "title", "link", "language", "description", "image", "selfUrl", "encoding"] as const) {
      if (expected[key] !== undefined) expect(feed[key], key).toBe(expected[key]);
    }
    if (expected.items !== undefined) expect(feed.items).toHaveLength(expected.items);
    if (expected.warnings) {
      expect(feed.warnings ?? []).toHaveLength(expected.warnings.length);
      expected.warnings.forEach((w, i) => expect(feed.warnings?.[i]).toContain(w));
    } else {
      expect(feed.warnings).toBeUndefined();
    }
    for (const [index, fields] of Object.entries(expected.check ?? {})) {
      const item = feed.items[Number(index)];
      expect(item, `item ${index}`).toBeDefined();
      const { present, absent } = splitExpectation(fields);
      expect(item, `item ${index}`).toMatchObject(present);
      for (const key of absent) expect(item?.[key as keyof UpstreamItem], `item ${index} ${key}`).toBeUndefined();
    }
  });
});

// ---- big feeds, generated deterministically ---------------------------------------------------

const WORDS = ["Алматы", "Astana", "партия", "AMANAT", "economy", "экономика", "weather", "погода", "Қазақстан", "news", "&amp;", "&laquo;цитата&raquo;"];

function words(seed: number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += `${WORDS[(seed * 7 + i * 13) % WORDS.length]} `;
  return s.trim();
}

function bigRss(items: number): string {
  let s = `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Big RSS</title><link>https://big.example.kz/</link><language>ru</language>\n`;
  for (let i = 0; i < items; i++) {
    let body = "";
    while (body.length < 3000) body += `<p>${words(i + body.length, 12)} <a href="/n/${i}">${words(i, 3)}</a></p>`;
    s +=
      `<item><title>${words(i, 6)} #${i}</title><link>https://big.example.kz/n/${i}</link><guid isPermaLink="false">big-${i}</guid>` +
      `<pubDate>${["Mon", "Tue", "Wed"][i % 3]}, ${(i % 28) + 1} Sep 2024 ${String(i % 24).padStart(2, "0")}:30:00 +0500</pubDate>` +
      `<dc:creator>Автор ${i % 9}</dc:creator><category>${words(i, 1)}</category><category>${words(i + 1, 1)}</category>` +
      `<description>${words(i, 30)}</description><content:encoded><![CDATA[${body}]]></content:encoded>` +
      `<media:thumbnail url="https://big.example.kz/t/${i}.jpg"/></item>\n`;
  }
  return `${s}</channel></rss>\n`;
}

function bigAtom(entries: number): string {
  let s = `<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="kk" xml:base="https://atom.example.kz/"><title>Big Atom</title><id>tag:atom.example.kz,2024:big</id><updated>2024-09-05T00:00:00Z</updated>\n`;
  for (let i = 0; i < entries; i++) {
    let body = "";
    while (body.length < 3500) body += `<p>${words(i + body.length, 10)} <b>${words(i, 2)}</b></p>`;
    s +=
      `<entry><title type="html">${words(i, 5)} &lt;b&gt;${i}&lt;/b&gt;</title><id>tag:atom.example.kz,2024:${i}</id><link href="e/${i}"/>` +
      `<published>2024-09-${String((i % 28) + 1).padStart(2, "0")}T10:00:00+05:00</published><updated>2024-09-29T10:00:00Z</updated>` +
      `<author><name>Жазушы ${i % 5}</name></author><category term="t${i % 4}"/>` +
      `<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">${body.replaceAll("&laquo;", "«").replaceAll("&raquo;", "»")}</div></content></entry>\n`;
  }
  return `${s}</feed>\n`;
}

describe("big feeds", () => {
  it("parses a ~5 MB RSS feed", { timeout: 30_000 }, () => {
    const bytes = new TextEncoder().encode(bigRss(1300));
    expect(bytes.length).toBeGreaterThan(5_000_000);
    const result = parseFeed(bytes, { url: "https://big.example.kz/rss" });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.items).toHaveLength(1300);
    const item = result.value.items[1299]!;
    expect(item).toMatchObject({
      guid: "big-1299",
      url: "https://big.example.kz/n/1299",
      published: "2024-09-11T22:30:00.000Z", // "12 Sep 2024 03:30:00 +0500"
      authors: [{ name: "Автор 3" }],
      image: "https://big.example.kz/t/1299.jpg",
      language: "ru",
    });
    expect(item.contentHtml?.length).toBeGreaterThan(3000);
    expect(item.title).toContain("«цитата»");
    checkInvariants(result.value);
  });

  it("parses a ~3 MB Atom feed with xhtml content and xml:base", { timeout: 30_000 }, () => {
    const bytes = new TextEncoder().encode(bigAtom(700));
    expect(bytes.length).toBeGreaterThan(3_000_000);
    const result = parseFeed(bytes, { url: "https://elsewhere.example/feed" });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.items).toHaveLength(700);
    expect(result.value.items[5]).toMatchObject({
      url: "https://atom.example.kz/e/5",
      published: "2024-09-06T05:00:00.000Z",
      updated: "2024-09-29T10:00:00.000Z",
      categories: ["t1"],
      language: "kk",
    });
    expect(result.value.items[5]?.title).toMatch(/ 5$/);
    expect(result.value.items[5]?.contentHtml).toMatch(/^<p>/);
    checkInvariants(result.value);
  });

  it("keeps the complete items of a truncated big feed", { timeout: 30_000 }, () => {
    const xml = bigRss(200);
    const cut = xml.lastIndexOf("<content:encoded>") + 1000;
    const result = parseFeed(new TextEncoder().encode(xml.slice(0, cut)), { url: "https://big.example.kz/rss" });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.items).toHaveLength(199);
    expect(result.value.warnings?.[0]).toMatch(/truncated/);
  });
});

// ---- fuzz ------------------------------------------------------------------------------------


const NASTY = ["<", ">", "&", "&amp", "]]>", "<![CDATA[", "<!--", "-->", '"', "'", "\u0000", "</item>", "<item>", "</entry>", "<?xml ", "xmlns:x=\"", "<br>", "</br>", "&#0;", "&#xD800;", "<!DOCTYPE x [", "\uFFFF", "\uD800"];

function mutate(bytes: Uint8Array, random: () => number): Uint8Array {
  const pick = (n: number): number => Math.floor(random() * n);
  const text = new TextDecoder("latin1").decode(bytes);
  const toBytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
  switch (pick(6)) {
    case 0: // truncate
      return bytes.slice(0, pick(bytes.length + 1));
    case 1: {
      // flip bytes
      const out = bytes.slice();
      for (let i = 0, n = 1 + pick(20); i < n && out.length > 0; i++) out[pick(out.length)] = pick(256);
      return out;
    }
    case 2: {
      // duplicate a tag somewhere else
      const at = text.indexOf("<", pick(text.length));
      const end = at === -1 ? -1 : text.indexOf(">", at);
      if (end === -1) return bytes;
      const tag = text.slice(at, end + 1);
      const where = pick(text.length);
      return toBytes(text.slice(0, where) + tag + text.slice(where));
    }
    case 3: {
      // delete a range
      const from = pick(text.length);
      return toBytes(text.slice(0, from) + text.slice(from + pick(200)));
    }
    case 4: {
      // insert nasty tokens
      let s = text;
      for (let i = 0, n = 1 + pick(5); i < n; i++) {
        const where = pick(s.length);
        s = s.slice(0, where) + NASTY[pick(NASTY.length)]! + s.slice(where);
      }
      return new TextEncoder().encode(s);
    }
    default: {
      // swap two halves
      const mid = pick(bytes.length);
      const out = new Uint8Array(bytes.length);
      out.set(bytes.subarray(mid), 0);
      out.set(bytes.subarray(0, mid), bytes.length - mid);
      return out;
    }
  }
}

describe("fuzz", () => {
  it("never throws and always returns a Result, on 2000 mutated fixtures", { timeout: 60_000 }, () => {
    const random = seededRandom(0x7a6f);
    const corpus = fixtureNames.map((name) => load(name).bytes).filter((b) => b.length > 0);
    const reasons = new Set(["empty", "not_a_feed", "malformed", "encoding"]);
    let ok = 0;
    for (let i = 0; i < 2000; i++) {
      let bytes = corpus[i % corpus.length]!;
      for (let m = 0, n = 1 + Math.floor(random() * 3); m < n; m++) bytes = mutate(bytes, random);
      const result = parseFeed(bytes, { url: DEFAULT_URL, contentType: i % 7 === 0 ? "text/xml; charset=koi8-r" : null });
      expect(typeof result.ok).toBe("boolean");
      if (result.ok) {
        ok++;
        checkInvariants(result.value);
      } else {
        expect(reasons.has(result.error.reason)).toBe(true);
        expect(result.error.message.length).toBeGreaterThan(0);
      }
    }
    // Most mutations are survivable: the parser is lenient, not brittle.
    expect(ok).toBeGreaterThan(600);
  });

  it("returns failures, not exceptions, for odd arguments", () => {
    const bad = [new Uint8Array([0xff, 0xfe, 0x00, 0x00, 0x3c]), new Uint8Array([0x00, 0x00, 0xfe, 0xff])];
    for (const body of bad) expect(parseFeed(body, { url: DEFAULT_URL }).ok).toBe(false);
    expect(parseFeed(new TextEncoder().encode("<rss/>"), { url: "not a url" })).toMatchObject({ ok: true });
    // Called from JavaScript with the wrong types: still a value.
    const untyped = parseFeed as unknown as (body: unknown, options: unknown) => { ok: boolean };
    expect(untyped(null, null).ok).toBe(false);
    expect(untyped(new TextEncoder().encode("<rss/>"), undefined).ok).toBe(true);
  });
});

// ---- pathological inputs: each must finish (vitest's timeout is the hang detector) ----------

describe("pathological inputs finish", () => {
  const N = 200_000;
  const cases: [string, string][] = [
    ["unclosed tags", `<rss><channel><item><title>${"<a".repeat(N)}`],
    ["unclosed tags outside text", `<rss><channel>${"<a".repeat(N)}`],
    ["ampersands", `<rss><channel><title>${"&".repeat(N)}</title></channel></rss>`],
    ["less-thans", `<rss><channel><title>${"<".repeat(N)}</title></channel></rss>`],
    ["CDATA openers", `<rss><channel><item><description>${"<![CDATA[".repeat(N / 10)}`],
    ["deep nesting", `<rss>${"<x>".repeat(N / 10)}`],
    ["unclosed quote", `<rss><channel><item><enclosure url="${"a".repeat(N)}`],
    ["quotes in tags", `<rss><channel>${`<i a='`.repeat(N / 10)}`],
    ["comment openers", `<rss>${"<!--".repeat(N / 4)}`],
    ["xmlns declarations", `<rss ${'xmlns:a="'.repeat(N / 10)}>`],
    ["many items", `<rss><channel>${"<item><title>x</title></item>".repeat(N / 10)}</channel></rss>`],
    ["html-ish description", `<rss><channel><item><description>${"&lt;a".repeat(N / 4)}</description></item></channel></rss>`],
    ["tags in description", `<rss><channel><item><description>${"<p x='>".repeat(N / 10)}</description></item></channel></rss>`],
    ["long date", `<rss><channel><item><pubDate>${"1 ".repeat(N)}</pubDate></item></channel></rss>`],
    ["doctype subset", `<!DOCTYPE rss [${"<!ENTITY a 'b'>".repeat(N / 20)}<rss/>`],
    ["junk before", `${"junk ".repeat(N)}<rss><channel><title>x</title></channel></rss>`],
    ["json nesting", `{"version":"https://jsonfeed.org/version/1.1","items":${"[".repeat(N / 100)}`],
  ];
  it.each(cases)("%s", (_name, text) => {
    const result = parseFeed(new TextEncoder().encode(text), { url: DEFAULT_URL });
    expect(typeof result.ok).toBe("boolean");
    if (result.ok) checkInvariants(result.value);
  });
});

describe("items past an element left unclosed, in both XML engines", () => {
  const cases: [string, string][] = [
    [
      "rss",
      `<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>t</title><itunes:category text='x'>` +
        `<item><title>a</title><link>https://u.example/a</link></item><item><title>b</title><link>https://u.example/b</link></item></channel></rss>`,
    ],
    [
      "atom",
      `<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><author><name>n</name>` +
        `<entry><title>a</title><id>https://u.example/a</id></entry><entry><title>b</title><id>https://u.example/b</id></entry></feed>`,
    ],
  ];

  it.each(cases)("%s", (_name, xml) => {
    const base = "https://u.example/feed";
    const prepared = prepareXml(xml);
    if ("failure" in prepared) throw new Error(prepared.failure.message);
    const fxp = parseXmlFxp(prepared.xml, base);
    if (!fxp.ok) throw new Error(fxp.error.message);
    const primary = parseTreeHtmlparser2(prepared.xml, base, parserFor(prepared.xml).stop);
    const read = (root: XmlElement) => (root.name === "feed" ? readAtom(root) : readRss(root, "rss2")).items.map((i) => [i.title, i.url]);
    const expected = [["a", "https://u.example/a"], ["b", "https://u.example/b"]];
    expect(read(fxp.value.root)).toEqual(expected);
    // The primary engine either reads the same tree or hands the document to the fallback.
    if (primary) expect(read(primary)).toEqual(expected);
    const parsed = parseFeed(new TextEncoder().encode(xml), { url: base });
    expect(parsed.ok && parsed.value.items.map((i) => [i.title, i.url])).toEqual(expected);
  });
});
