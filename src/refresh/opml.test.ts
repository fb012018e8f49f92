/** parseOpml (opml.ts): feeds found at any depth, non-OPML refused, entity expansion bounded. */
import { describe, expect, it } from "vitest";
import { parseOpml } from "./opml";

describe("parseOpml", () => {
  it("finds every outline with an xmlUrl at any depth, with its title and path", () => {
    const result = parseOpml(`\uFEFF
<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Subscriptions</title></head>
  <body>
    <outline text="Kazakhstan &amp; region">
      <outline type="rss" text="Tengri" title="Tengrinews &#8212; RU" xmlUrl="https://tengrinews.kz/news.rss?a=1&amp;b=2" htmlUrl="https://tengrinews.kz/"/>
      <outline text="Nested">
        <outline type="rss" text="Deep" xmlUrl="https://deep.example/feed"/>
      </outline>
    </outline>
    <outline type="link" text="Not a feed" url="https://example.com/"/>
    <outline type="rss" text="  Only text  " xmlUrl=" https://only-text.example/rss "/>
    <outline type="rss" xmlUrl="https://untitled.example/rss"/>
  </body>
</opml>`);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toEqual([
      { url: "https://tengrinews.kz/news.rss?a=1&b=2", title: "Tengrinews — RU", path: "body.outline[0].outline[0]" },
      { url: "https://deep.example/feed", title: "Deep", path: "body.outline[0].outline[1].outline[0]" },
      { url: "https://only-text.example/rss", title: "Only text", path: "body.outline[2]" },
      { url: "https://untitled.example/rss", path: "body.outline[3]" },
    ]);
  });

  it("answers an empty list for an OPML without feeds", () => {
    expect(parseOpml(`<opml version="1.0"><head/><body/></opml>`)).toEqual({ ok: true, value: [] });
  });

  it("refuses documents that are not OPML", () => {
    expect(parseOpml("not xml at all").ok).toBe(false);
    expect(parseOpml(`<rss version="2.0"><channel/></rss>`).ok).toBe(false);
    expect(parseOpml(`<opml version="2.0"><head/></opml>`).ok).toBe(false);
    expect(parseOpml("").ok).toBe(false);
  });

  it("bounds entity expansion (billion laughs) without hanging", () => {
    const lol = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]>
<opml version="2.0"><body><outline text="&e;" xmlUrl="https://x.example/"/></body></opml>`;
    const started = Date.now();
    const result = parseOpml(lol);
    expect(Date.now() - started).toBeLessThan(1000);
    if (result.ok) expect((result.value[0]?.title ?? "").length).toBeLessThan(200_000);
  });
});
