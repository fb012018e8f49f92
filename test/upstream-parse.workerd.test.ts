/**
 * The upstream feed parser inside workerd (no nodejs_compat): the legacy single-byte decoders
 * it relies on (windows-1251, koi8-r, windows-1252) exist in the real runtime and give the same
 * text as in the Node unit tests, and fast-xml-parser and `entities` load and run there.
 * The legacy-encoded bytes are made here from UTF-8 text with an encoder table built from the
 * runtime's own decoder, so no binary fixture has to be bundled.
 */
import { describe, expect, it } from "vitest";
import { parseFeed, parseFeedDate } from "../src/upstream/parse";

/** Encodes text in a single-byte charset by inverting TextDecoder's table for it. */
function encodeSingleByte(text: string, label: string): Uint8Array {
  const decoded = new TextDecoder(label).decode(Uint8Array.from({ length: 256 }, (_, i) => i));
  const table = new Map<string, number>();
  for (let i = 255; i >= 0; i--) table.set(decoded[i]!, i);
  return Uint8Array.from(text, (ch) => {
    const byte = table.get(ch);
    if (byte === undefined) throw new Error(`${label} cannot encode ${ch}`);
    return byte;
  });
}

const russianFeed = (encoding: string): string => `<?xml version="1.0" encoding="${encoding}"?>
<rss version="2.0"><channel><title>Лента ${encoding}</title><link>https://ru.example.kz/</link><language>ru</language>
<item><title>Новости: экономика растёт</title><link>https://ru.example.kz/n/1</link><guid>n1</guid>
<pubDate>Пн, 02 Сен 2024 10:00:00 +0300</pubDate><category>Экономика</category><description>Ёё Щщ Ъъ &laquo;цитата&raquo;</description></item>
</channel></rss>`;

describe("upstream parser in workerd", () => {
  it("has the legacy decoders", () => {
    expect(new TextDecoder("windows-1251").encoding).toBe("windows-1251");
    expect(new TextDecoder("koi8-r").encoding).toBe("koi8-r");
    expect(new TextDecoder("cp1251").decode(new Uint8Array([0xc0, 0xeb, 0xec, 0xe0, 0xf2, 0xfb]))).toBe("Алматы");
  });

  for (const encoding of ["windows-1251", "koi8-r"]) {
    it(`parses a ${encoding} feed`, () => {
      const result = parseFeed(encodeSingleByte(russianFeed(encoding), encoding), { url: "https://ru.example.kz/rss" });
      if (!result.ok) throw new Error(result.error.message);
      expect(result.value).toMatchObject({ format: "rss2", encoding, title: `Лента ${encoding}`, language: "ru" });
      expect(result.value.items[0]).toMatchObject({
        guid: "n1",
        url: "https://ru.example.kz/n/1",
        title: "Новости: экономика растёт",
        published: "2024-09-02T07:00:00.000Z",
        categories: ["Экономика"],
        summary: "Ёё Щщ Ъъ «цитата»",
      });
    });
  }

  it("decodes windows-1252 smart quotes (iso-8859-1 label) and the HTTP charset", () => {
    const xml = `<rss version="2.0"><channel><title>\u201cQuoted\u201d \u2013 caf\u00e9</title></channel></rss>`;
    const result = parseFeed(encodeSingleByte(xml, "windows-1252"), { url: "https://x.example/", contentType: "application/rss+xml; charset=ISO-8859-1" });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.title).toBe("\u201cQuoted\u201d \u2013 caf\u00e9");
    expect(result.value.encoding).toBe("windows-1252");
  });

  it("parses Atom and JSON Feed, and fails cleanly on junk", () => {
    const atom = `\uFEFF<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://a.example/b/"><title>A</title><entry><id>1</id><title type="html">&lt;b&gt;Hi&lt;/b&gt; &amp;amp; bye</title><link href="c"/><updated>2024-09-05T12:00:00+06:00</updated><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>x</p></div></content></entry></feed>`;
    const parsed = parseFeed(new TextEncoder().encode(atom), { url: "https://a.example/feed" });
    expect(parsed).toMatchObject({ ok: true, value: { format: "atom", items: [{ url: "https://a.example/b/c", title: "Hi & bye", contentHtml: "<p>x</p>", published: "2024-09-05T06:00:00.000Z" }] } });
    const json = `{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","title":"J","date_published":"2024-09-05T00:00:00Z"}]}`;
    expect(parseFeed(new TextEncoder().encode(json), { url: "https://j.example/" })).toMatchObject({ ok: true, value: { format: "jsonfeed", items: [{ guid: "1" }] } });
    expect(parseFeed(new TextEncoder().encode("<!DOCTYPE html><html></html>"), { url: "https://j.example/" })).toMatchObject({ ok: false, error: { reason: "not_a_feed" } });
    expect(parseFeedDate("Mi, 04 Dez 2024 10:00:00 +0100")).toBe("2024-12-04T09:00:00.000Z");
  });
});
