/**
 * The HTTP a feed reader relies on, over a real socket: conditional GET (ETag and
 * Last-Modified answered 304 with no body, and a change answered 200 again), HEAD, CORS and
 * caching headers; paging to the end by rel="next"/next_url with every item exactly once, also
 * while new items arrive; and 301 from Cyrillic, alias and other-case tag URLs to the canonical one.
 */
import { beforeAll, expect, it } from "vitest";
import { type ListedTag, tagNamed } from "./support/api";
import { e2e, e2eDescribe } from "./support/context";
import { CONTENT_TYPES, FORMATS, get, itemId, readPage, walkPages } from "./support/feeds";
import { PAGING_COUNT, PAGING_TAG, SEED_ID } from "./support/seed";
import { submitSigned } from "./support/webhook";

e2eDescribe("HTTP as feed readers use it", () => {
  const { baseUrl, webhookSecret } = e2e();
  let pagingTag: ListedTag;

  beforeAll(async () => {
    pagingTag = await tagNamed(baseUrl, PAGING_TAG.type, PAGING_TAG.name);
  });

  const submit = async (articles: Record<string, unknown>[]): Promise<void> => {
    const answer = await submitSigned(baseUrl, webhookSecret, articles);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  };

  it("answers If-None-Match and If-Modified-Since with 304 and no body, until the feed changes", async () => {
    const tag = { type: "topic", name: "E2E Conditional" };
    await submit([{ id: "e2e-cond-1", title: "Первая", content_html: "<p>1</p>", published: "2024-02-01T00:00:00Z", tags: [tag] }]);
    const { feeds } = await tagNamed(baseUrl, tag.type, tag.name);
    for (const format of FORMATS) {
      const url = feeds[format];
      const first = await get(url);
      expect(first.status).toBe(200);
      expect(first.headers.get("content-type")).toBe(CONTENT_TYPES[format]);
      expect(first.headers.get("access-control-allow-origin")).toBe("*");
      expect(first.headers.get("cache-control")).toMatch(/max-age=\d+/);
      const etag = first.headers.get("etag")!;
      const lastModified = first.headers.get("last-modified")!;
      expect(etag).toMatch(/^(W\/)?"[^"]+"$/);
      expect(new Date(lastModified).toUTCString()).toBe(lastModified);

      const conditionals: Record<string, string>[] = [{ "if-none-match": etag }, { "if-modified-since": lastModified }, { "if-none-match": `"other", ${etag}` }];
      for (const headers of conditionals) {
        const again = await get(url, { headers });
        expect([again.status, again.body], JSON.stringify(headers)).toEqual([304, ""]);
        expect(again.headers.get("etag")).toBe(etag);
      }
      // RFC 9110 §13.1.3: If-Modified-Since is ignored when If-None-Match is present.
      expect((await get(url, { headers: { "if-none-match": '"stale"', "if-modified-since": lastModified } })).status).toBe(200);
      const head = await get(url, { method: "HEAD" });
      expect([head.status, head.body, head.headers.get("etag")]).toEqual([200, "", etag]);
    }

    const before = await Promise.all(FORMATS.map((f) => get(feeds[f])));
    // Last-Modified has one-second resolution: let the change land in a later second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await submit([{ id: "e2e-cond-2", title: "Вторая", content_html: "<p>2</p>", published: "2024-02-02T00:00:00Z", tags: [tag] }]);
    for (const [i, format] of FORMATS.entries()) {
      const etag = before[i]!.headers.get("etag")!;
      const lastModified = before[i]!.headers.get("last-modified")!;
      const changed = await get(feeds[format], { headers: { "if-none-match": etag } });
      expect(changed.status).toBe(200);
      expect(changed.headers.get("etag")).not.toBe(etag);
      expect(readPage(format, changed.body).ids).toEqual([itemId("e2e-cond-2"), itemId("e2e-cond-1")]);
      expect((await get(feeds[format], { headers: { "if-modified-since": lastModified } })).status).toBe(200);
    }
  });

  it("pages through a long tag to the end: every item exactly once, newest first, in every format", async () => {
    for (const format of FORMATS) {
      const whole = readPage(format, (await get(`${pagingTag.feeds[format]}?limit=200`)).body);
      expect(whole.ids).toHaveLength(PAGING_COUNT);
      expect(whole.next).toBeUndefined();
      for (const limit of [undefined, 7]) {
        const start = limit === undefined ? pagingTag.feeds[format] : `${pagingTag.feeds[format]}?limit=${limit}`;
        const { pages, urls } = await walkPages(format, start);
        const ids = pages.flatMap((p) => p.ids);
        expect(pages.length, `${format} limit ${limit}`).toBe(Math.ceil(PAGING_COUNT / (limit ?? 50)));
        expect(ids, `${format} limit ${limit}`).toEqual(whole.ids);
        expect(new Set(ids).size).toBe(PAGING_COUNT);
        const dates = pages.flatMap((p) => p.dates);
        expect(dates.every((d, i) => i === 0 || d <= dates[i - 1]!), "newest first").toBe(true);
        expect(new Set(urls).size).toBe(urls.length);
        for (const url of urls) expect(url.startsWith(`${baseUrl}/`), url).toBe(true);
      }
    }
  });

  it("never skips or repeats an item when new ones arrive between pages", async () => {
    const tag = { type: "topic", name: "E2E Paging Live" };
    const at = (minute: number): string => new Date(Date.UTC(2024, 1, 1) + minute * 60_000).toISOString();
    const make = (id: string, minute: number) => ({ id, title: id, content_html: `<p>${id}</p>`, published: at(minute), tags: [tag] });
    await submit(Array.from({ length: 25 }, (_, i) => make(`e2e-live-${String(i).padStart(2, "0")}`, 100 + i)));
    const { feeds } = await tagNamed(baseUrl, tag.type, tag.name);

    for (const [round, format] of FORMATS.entries()) {
      const seen: string[] = [];
      let next: string | undefined = `${feeds[format]}?limit=5`;
      let pagesRead = 0;
      while (next) {
        const page = readPage(format, (await get(next)).body);
        seen.push(...page.ids);
        next = page.next;
        if (++pagesRead === 2) {
          // Between pages: newer items (above the cursor) and one older than everything (below it).
          await submit([make(`e2e-live-new-${round}a`, 1000 + 10 * round), make(`e2e-live-new-${round}b`, 1001 + 10 * round), make(`e2e-live-old-${round}`, -round)]);
        }
      }
      const expected = Array.from({ length: 25 }, (_, i) => itemId(`e2e-live-${String(24 - i).padStart(2, "0")}`));
      // Items that arrived during earlier formats' walks were there from the start of this one;
      // this walk's newer arrivals sort above its cursor (unseen), its older one below (seen last).
      const newer = Array.from({ length: round }, (_, r) => [itemId(`e2e-live-new-${round - 1 - r}b`), itemId(`e2e-live-new-${round - 1 - r}a`)]).flat();
      const older = Array.from({ length: round + 1 }, (_, r) => itemId(`e2e-live-old-${r}`));
      expect(seen, format).toEqual([...newer, ...expected, ...older]);
    }
  });

  it("answers 301 from Cyrillic, alias and other-case tag URLs to the canonical URL, keeping the query", async () => {
    const canonical = `${baseUrl}/feeds/city/almaty`;
    const cases: [string, string][] = [
      [`/feeds/city/${encodeURIComponent("Алматы")}.rss`, `${canonical}.rss`],
      [`/feeds/city/${encodeURIComponent("Алма-Ата")}.atom`, `${canonical}.atom`],
      [`/feeds/city/ALMATY.json`, `${canonical}.json`],
      [`/feeds/CITY/almaty.rss?limit=5`, `${canonical}.rss?limit=5`],
      [`/feeds/party/nur-otan.rss`, `${baseUrl}/feeds/party/amanat.rss`],
      [`/feeds/party/${encodeURIComponent("Аманат")}.json`, `${baseUrl}/feeds/party/amanat.json`],
      [`/tags/city/${encodeURIComponent("Алматы")}`, `${baseUrl}/tags/city/almaty`],
    ];
    for (const [path, location] of cases) {
      const answer = await get(`${baseUrl}${path}`);
      expect([path, answer.status, new URL(answer.headers.get("location") ?? "", baseUrl).href]).toEqual([path, 301, location]);
      // Followed as a reader follows it: one hop to the feed itself.
      const followed = await fetch(`${baseUrl}${path}`, { redirect: "follow" });
      expect([followed.url, followed.status]).toEqual([location, 200]);
      if (path.startsWith("/feeds/")) expect(await followed.text()).toContain(itemId(SEED_ID));
    }
    for (const path of ["/feeds/city/no-such-city-e2e.rss", "/feeds/city/almaty.xml", "/feeds/nosuchtype/x.rss"]) {
      expect([path, (await get(`${baseUrl}${path}`)).status]).toEqual([path, 404]);
    }
    expect((await get(`${baseUrl}/feeds/city/almaty.rss?limit=abc`)).status).toBe(400);
    expect((await get(`${baseUrl}/feeds/city/almaty.rss?limit=5000`)).status).toBe(200);
  });

  it("answers a 6 MiB POST with 413 (or closes after it), with and without Content-Length, and the next request is fine", async () => {
    const big = new Uint8Array(6 * 1024 * 1024).fill(0x20);
    /** The status, or "closed" when the server ended the connection after refusing the body. */
    const post = async (body: BodyInit, extra: Record<string, string> = {}): Promise<number | "closed"> => {
      try {
        const response = await fetch(`${baseUrl}/api/articles`, {
          method: "POST",
          headers: { "content-type": "application/json", ...extra },
          body,
          ...({ duplex: "half" } as object),
        });
        await response.body?.cancel();
        return response.status;
      } catch {
        return "closed";
      }
    };
    const streamed = () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 6; i++) controller.enqueue(big.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024));
          controller.close();
        },
      });
    for (const attempt of [() => post(big), () => post(streamed())]) {
      expect([413, "closed"]).toContain(await attempt());
      // The Worker did not restart and serves the next, unrelated request.
      const health = await fetch(`${baseUrl}/healthz`);
      expect(health.status).toBe(200);
      const next = await post(JSON.stringify({}));
      expect(next).toBe(401);
    }
  });
});
