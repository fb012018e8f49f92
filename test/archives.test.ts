/**
 * RFC 5005 §4 archives in workerd: the sealer cuts a feed's oldest entries into linked archive
 * documents from the writers' ledgers; a reader walks prev-archive from the current feed and sees
 * every article once; a deleted, backdated or retagged article changes exactly the archive it
 * was or belongs in; `?after=` paging keeps working.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sealArchives } from "../src/store/archives";
import { BASE, adminHeaders, call, json, makeArticle, submit, uniqueId } from "./helpers";

const SIZE = 5;
const HOUR = 3_600_000;
const START = Date.UTC(2024, 0, 1);

interface JsonFeed {
  feed_url: string;
  next_url?: string;
  items: { id: string }[];
  _tagfeed?: { archive?: true; current?: string; prev_archive?: string; next_archive?: string };
}

const seal = () => sealArchives(env, { size: SIZE, nowMs: Date.now(), maxWrites: 500 });

function articlesOf(tag: string, count: number, from = 0) {
  return Array.from({ length: count }, (_, i) =>
    makeArticle({
      id: `${tag}-${String(from + i).padStart(2, "0")}`,
      published: new Date(START + (from + i) * HOUR).toISOString(),
      tags: [{ type: "topic", name: tag }],
    }),
  );
}

async function getJson(url: string): Promise<JsonFeed> {
  const response = await call(url.replace(BASE, ""));
  expect(response.status, url).toBe(200);
  return json<JsonFeed>(response);
}

const ids = (feed: JsonFeed) => feed.items.map((item) => item.id.replace("urn:tagfeed:article:", ""));

/** Walks prev-archive from the current feed: the archives newest first. */
async function walk(tag: string): Promise<JsonFeed[]> {
  const current = await getJson(`/feeds/topic/${tag}.json`);
  const archives: JsonFeed[] = [];
  for (let url = current._tagfeed?.prev_archive; url !== undefined; url = archives[archives.length - 1]?._tagfeed?.prev_archive) {
    archives.push(await getJson(url));
    expect(archives.length).toBeLessThan(50);
  }
  return archives;
}

describe("RFC 5005 archives", () => {
  it("seals the oldest entries into linked archives; walking them from the current feed gives every article once", async () => {
    const tag = uniqueId("arc");
    expect((await submit(articlesOf(tag, 17))).status).toBeLessThan(300);
    // Read before the seal: the seal bumps the feed's version, so its snapshot is not reused.
    expect((await getJson(`/feeds/topic/${tag}.json`))._tagfeed).toBeUndefined();
    const report = await seal();
    expect(report.sealed).toBeGreaterThanOrEqual(2);

    // 17 entries, size 5: sealed while at least 10 are unarchived, so 2 archives and 7 left current.
    const current = await getJson(`/feeds/topic/${tag}.json`);
    expect(current._tagfeed?.prev_archive).toBe(`${BASE}/feeds/topic/${tag}/archive/2.json`);
    const archives = await walk(tag);
    expect(archives.map(ids)).toEqual([
      [`${tag}-09`, `${tag}-08`, `${tag}-07`, `${tag}-06`, `${tag}-05`],
      [`${tag}-04`, `${tag}-03`, `${tag}-02`, `${tag}-01`, `${tag}-00`],
    ]);
    const [newest, oldest] = archives;
    expect(newest?._tagfeed).toEqual({
      archive: true,
      current: `${BASE}/feeds/topic/${tag}.json`,
      prev_archive: `${BASE}/feeds/topic/${tag}/archive/1.json`,
    });
    expect(newest?.next_url).toBe(`${BASE}/feeds/topic/${tag}/archive/1.json`);
    expect(oldest?._tagfeed?.next_archive).toBe(`${BASE}/feeds/topic/${tag}/archive/2.json`);
    expect(oldest?._tagfeed?.prev_archive).toBeUndefined();

    const atom = await call(`/feeds/topic/${tag}/archive/1.atom`);
    expect(atom.headers.get("cache-control")).toBe("public, max-age=86400");
    const body = await atom.text();
    expect(body).toContain('xmlns:fh="http://purl.org/syndication/history/1.0"');
    expect(body).toContain("<fh:archive/>");
    expect(body).toContain(`<link rel="current" type="application/atom+xml" href="${BASE}/feeds/topic/${tag}.atom"/>`);
    expect(body).toContain(`<link rel="next-archive" type="application/atom+xml" href="${BASE}/feeds/topic/${tag}/archive/2.atom"/>`);
    const rss = await (await call(`/feeds/topic/${tag}/archive/2.rss`)).text();
    expect(rss).toContain("<fh:archive/>");
    expect(rss).toContain(`<atom:link rel="prev-archive" type="application/rss+xml" href="${BASE}/feeds/topic/${tag}/archive/1.rss"/>`);
    const currentAtom = await (await call(`/feeds/topic/${tag}.atom`)).text();
    expect(currentAtom).toContain(`<link rel="prev-archive" type="application/atom+xml" href="${BASE}/feeds/topic/${tag}/archive/2.atom"/>`);
    expect(currentAtom).not.toContain("fh:archive");

    // A conditional GET of an unchanged archive.
    const again = await call(`/feeds/topic/${tag}/archive/1.atom`, { headers: { "if-none-match": atom.headers.get("etag") ?? "" } });
    expect(again.status).toBe(304);

    // The global feed has archives too.
    expect((await getJson("/feeds/all.json"))._tagfeed?.prev_archive).toMatch(/\/feeds\/all\/archive\/\d+\.json$/);
    expect((await call("/feeds/all/archive/1.json")).status).toBe(200);

    // ?after= paging still reaches every article.
    const seen: string[] = [];
    for (let url: string | undefined = `/feeds/topic/${tag}.json?limit=4`; url !== undefined; ) {
      const page = await getJson(url);
      seen.push(...ids(page));
      url = page.next_url;
    }
    expect(seen).toHaveLength(17);

    expect((await call(`/feeds/topic/${tag}/archive/3.json`)).status).toBe(404);
    expect((await call(`/feeds/topic/${tag}/archive/0.json`)).status).toBe(404);
    expect((await call(`/feeds/topic/${tag}/archive/1.json?after=x`)).status).toBe(400);
  });

  it("a deleted article leaves its archive, a backdated one joins the archive of its time, and the rest stay put", async () => {
    const tag = uniqueId("arcw");
    expect((await submit(articlesOf(tag, 12))).status).toBeLessThan(300);
    await seal();
    const before = await walk(tag);
    expect(before.map(ids)).toEqual([[`${tag}-04`, `${tag}-03`, `${tag}-02`, `${tag}-01`, `${tag}-00`]]);
    const etag = (await call(`/feeds/topic/${tag}/archive/1.atom`)).headers.get("etag");

    expect((await call(`/api/articles/${tag}-02`, { method: "DELETE", headers: adminHeaders() })).status).toBeLessThan(300);
    const backdated = makeArticle({ id: `${tag}-old`, published: new Date(START + 1.5 * HOUR).toISOString(), tags: [{ type: "topic", name: tag }] });
    expect((await submit(backdated)).status).toBeLessThan(300);
    const report = await seal();
    expect(report.rewritten).toBeGreaterThanOrEqual(1);

    const after = await walk(tag);
    expect(after.map(ids)).toEqual([[`${tag}-04`, `${tag}-03`, `${tag}-old`, `${tag}-01`, `${tag}-00`]]);
    expect((await call(`/feeds/topic/${tag}/archive/1.atom`)).headers.get("etag")).not.toBe(etag);
    // Nothing left to do: a second pass writes nothing for this feed.
    const idle = await seal();
    expect(idle.rewritten + idle.sealed).toBe(0);
  });

  it("a retagged article leaves the old tag's archive and the sealer does not lose it", async () => {
    const tag = uniqueId("arcr");
    const other = uniqueId("arco");
    expect((await submit(articlesOf(tag, 10))).status).toBeLessThan(300);
    await seal();
    expect((await walk(tag)).map(ids)).toEqual([[`${tag}-04`, `${tag}-03`, `${tag}-02`, `${tag}-01`, `${tag}-00`]]);
    const moved = articlesOf(tag, 1, 1)[0]!;
    expect((await submit({ ...moved, title: "Перенесено", tags: [{ type: "topic", name: other }] })).status).toBeLessThan(300);
    await seal();
    expect((await walk(tag)).map(ids)).toEqual([[`${tag}-04`, `${tag}-03`, `${tag}-02`, `${tag}-00`]]);
    expect(ids(await getJson(`/feeds/topic/${other}.json`))).toEqual([`${tag}-01`]);
  });
});
