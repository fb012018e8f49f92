/**
 * Every feed the service serves, in every format, against its spec, over real HTTP:
 * - Atom 1.0 against the RFC 4287 RELAX NG schema (schemas/atom.rng) with xmllint, plus the
 *   rules the schema cannot state (support/atom-rules.ts);
 * - RSS 2.0 against the RSS Advisory Board's specification and Best Practices Profile
 *   (support/rss-profile.ts);
 * - JSON Feed 1.1 against a JSON Schema of the spec (schemas/jsonfeed-1.1.schema.json) with ajv.
 * Each validator is first shown to reject a broken feed, so a pass means something.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { beforeAll, expect, it } from "vitest";
import { listTags, tagNamed } from "./support/api";
import { PAGING_TAG } from "./support/seed";
import { checkAtomRules } from "./support/atom-rules";
import { e2e, e2eDescribe } from "./support/context";
import { CONTENT_TYPES, type Format, FORMATS, get, readPage } from "./support/feeds";
import { run } from "./support/processes";
import { checkRssProfile } from "./support/rss-profile";
import { TOOLS } from "./support/tools";
import { childNamed, childrenNamed, NS, parseXml } from "./support/xml-dom";

const SCHEMAS = fileURLToPath(new URL("./schemas", import.meta.url).href);

async function relaxNg(xml: string): Promise<{ ok: boolean; output: string }> {
  const result = await run(TOOLS.xmllint, ["--noout", "--nonet", "--relaxng", join(SCHEMAS, "atom.rng"), "-"], { input: xml, timeoutMs: 30_000 });
  return { ok: result.code === 0, output: result.stderr.trim() };
}

e2eDescribe("feeds validate against their specs", () => {
  const { baseUrl } = e2e();
  let validateJsonFeed: ValidateFunction;
  /** Every feed URL: all articles and every tag, first pages and a next page of the long tag. */
  const feedUrls: Record<Format, string[]> = { rss: [], atom: [], json: [] };

  beforeAll(async () => {
    const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
    addFormats.default(ajv);
    validateJsonFeed = ajv.compile(JSON.parse(readFileSync(join(SCHEMAS, "jsonfeed-1.1.schema.json"), "utf8")));
    const tags = await listTags(baseUrl);
    expect(tags.length).toBeGreaterThanOrEqual(7);
    for (const format of FORMATS) {
      feedUrls[format].push(`${baseUrl}/feeds/all.${format}`, `${baseUrl}/feeds/all.${format}?limit=200`, ...tags.map((t) => t.feeds[format]));
      // A page past the first (paged feeds carry next/first links the first page lacks).
      const first = await get(`${baseUrl}/feeds/all.${format}?limit=20`);
      const next = readPage(format, first.body).next;
      expect(next, `all.${format}?limit=20 has a next page`).toBeDefined();
      feedUrls[format].push(`${baseUrl}/feeds/all.${format}?limit=20`, next!);
      // RFC 5005 §4 archives, sealed by the cron (ARCHIVE_SIZE=20 here): the oldest of all articles and of the long tag.
      if (format === "rss") expect((await fetch(`${baseUrl}/__scheduled?cron=${encodeURIComponent("*/10 * * * *")}`)).status).toBe(200);
      const long = await tagNamed(baseUrl, PAGING_TAG.type, PAGING_TAG.name);
      feedUrls[format].push(`${baseUrl}/feeds/all/archive/1.${format}`, long.feeds[format].replace(/\.[a-z]+$/, `/archive/2.${format}`));
      // A combination feed (AND of two tags), first page and one at limit 1 with a next link.
      feedUrls[format].push(`${baseUrl}/feeds/city/almaty+party/amanat.${format}`, `${baseUrl}/feeds/city/almaty+party/amanat.${format}?limit=1`);
    }
  });

  it("the validators reject broken feeds (negative controls)", async () => {
    const atom = (await get(`${baseUrl}/feeds/all.atom`)).body;
    expect((await relaxNg(atom)).ok).toBe(true);
    const noEntryId = atom.replace(/(<entry[^>]*>)<id>[^<]*<\/id>/, "$1");
    expect((await relaxNg(noEntryId)).ok).toBe(false);
    const badDate = atom.replace(/<updated>[^<]*<\/updated>/, "<updated>yesterday</updated>");
    expect((await relaxNg(badDate)).ok).toBe(false);
    const strayElement = atom.replace("</entry>", "<atom:bogus xmlns:atom=\"http://www.w3.org/2005/Atom\"/></entry>");
    expect((await relaxNg(strayElement)).ok).toBe(false);

    const rssUrl = `${baseUrl}/feeds/all.rss`;
    const rss = (await get(rssUrl)).body;
    expect(checkRssProfile(rss, { feedUrl: rssUrl })).toEqual([]);
    expect(checkRssProfile(rss.replace(/<link>http[^<]*<\/link>/, "<link>/relative</link>"), { feedUrl: rssUrl }).join()).toMatch(/absolute URL/);
    expect(checkRssProfile(rss.replace(/ isPermaLink="false"/, ""), { feedUrl: rssUrl }).join()).toMatch(/permalink/);
    expect(checkRssProfile(rss.replace(/<pubDate>[^<]*<\/pubDate>/, "<pubDate>2024-01-01</pubDate>"), { feedUrl: rssUrl }).join()).toMatch(/RFC 822/);
    expect(checkRssProfile(rss.replace(/<description>[^<]*<\/description>/, ""), { feedUrl: rssUrl }).join()).toMatch(/must contain description/);

    const json = JSON.parse((await get(`${baseUrl}/feeds/all.json`)).body) as Record<string, unknown>;
    expect(validateJsonFeed(json)).toBe(true);
    expect(validateJsonFeed({ ...json, items: undefined })).toBe(false);
    expect(validateJsonFeed({ ...json, version: "https://jsonfeed.org/version/1" })).toBe(false);
    expect(validateJsonFeed({ ...json, items: [{ id: "x", title: "no content" }] })).toBe(false);
    expect(validateJsonFeed({ ...json, home_page_url: "/relative" })).toBe(false);
    expect(validateJsonFeed({ ...json, itemz: [] })).toBe(false);
  });

  it("every Atom feed is valid per RFC 4287 (RELAX NG schema with xmllint, and the prose rules)", async () => {
    expect(feedUrls.atom.length).toBeGreaterThan(8);
    for (const url of feedUrls.atom) {
      const fetched = await get(url);
      expect(fetched.status, url).toBe(200);
      expect(fetched.headers.get("content-type"), url).toBe(CONTENT_TYPES.atom);
      const verdict = await relaxNg(fetched.body);
      expect(verdict, url).toEqual({ ok: true, output: "- validates" });
      expect(checkAtomRules(fetched.body, { feedUrl: url }), url).toEqual([]);
    }
  });

  it("every RSS feed follows the RSS 2.0 specification and the RSS Advisory Board's profile", async () => {
    for (const url of feedUrls.rss) {
      const fetched = await get(url);
      expect(fetched.status, url).toBe(200);
      expect(fetched.headers.get("content-type"), url).toBe(CONTENT_TYPES.rss);
      expect(checkRssProfile(fetched.body, { feedUrl: url }), url).toEqual([]);
      // tagfeed's own promises on top of the profile (README, "Feed behaviour").
      const channel = childNamed(parseXml(fetched.body).root, "", "channel")!;
      for (const item of childrenNamed(channel, "", "item")) {
        const guid = childNamed(item, "", "guid")!;
        expect(guid.attrs.isPermaLink).toBe("false");
        expect(guid.text).toMatch(/^urn:tagfeed:article:[A-Za-z0-9._~-]+$/);
        expect(childrenNamed(item, NS.content, "encoded").length + childrenNamed(item, "", "description").length).toBeGreaterThan(0);
        for (const category of childrenNamed(item, "", "category")) expect(category.attrs.domain).toMatch(new RegExp(`^${baseUrl}/tags/[a-z]+$`));
      }
    }
  });

  it("every JSON Feed is valid per the JSON Feed 1.1 schema, with unique ids and its own feed_url", async () => {
    for (const url of feedUrls.json) {
      const fetched = await get(url);
      expect(fetched.status, url).toBe(200);
      expect(fetched.headers.get("content-type"), url).toBe(CONTENT_TYPES.json);
      const feed = JSON.parse(fetched.body) as { feed_url: string; items: { id: string }[] };
      const valid = validateJsonFeed(feed);
      expect(valid ? [] : validateJsonFeed.errors, url).toEqual([]);
      expect(feed.feed_url, url).toBe(url);
      expect(new Set(feed.items.map((i) => i.id)).size, url).toBe(feed.items.length);
    }
  });
});
