/**
 * Concurrency (docs/API.md: "Concurrent submissions never lose an article, whatever their
 * tags"): many parallel submissions, updates, deletes and feed reads of the same and of different
 * articles, through the Worker's own fetch. After they all finish:
 * - no article is lost: one whose last operation was a write exists, as one of the versions sent;
 * - no deleted article is visible in any feed, resolved view or served feed;
 * - the served feeds (fetched over HTTP, so through the snapshots) show exactly the final state,
 *   at once: every write of one article goes through its writer (store/article-writer.ts);
 * - no acknowledged taxonomy edit is lost, with or without If-Match (store/taxonomy-writer.ts).
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getArticle, listFeedEntries, resolveEntries } from "../src/store/articles";
import { ALL_FEED, tagFeedKey } from "../src/store/keys";
import { REPAIR_GRACE_MS, repairIndexes } from "../src/store/repair";
import { adminHeaders, call, json, makeArticle, submit, uniqueId } from "./helpers";
import { seededRandom } from "./support/prng";


async function servedIds(path: string): Promise<string[]> {
  const ids: string[] = [];
  let next: string | undefined = `${path}?limit=200`;
  while (next) {
    const response = await call(next.replace(/^https?:\/\/[^/]+/, ""));
    if (response.status === 404) return ids;
    expect(response.status, next).toBe(200);
    const feed = await json<{ items: { id: string }[]; next_url?: string }>(response);
    ids.push(...feed.items.map((item) => item.id.replace("urn:tagfeed:article:", "")));
    next = feed.next_url;
  }
  return ids;
}

async function resolvedIds(feed: string): Promise<string[]> {
  const { entries } = await listFeedEntries(env.KV, feed, { limit: 100_000 });
  return (await resolveEntries(env.KV, entries)).articles.map((a) => a.id);
}

const sorted = (ids: Iterable<string>): string[] => [...ids].sort();

describe("concurrent writes to different articles", () => {
  it("loses none of 40 new articles submitted at once to one tag, and lists them all in the served feed", async () => {
    const topic = uniqueId("crowd").toLowerCase();
    const articles = Array.from({ length: 40 }, (_, i) =>
      makeArticle({ published: new Date(Date.parse("2024-03-01T00:00:00Z") + i * 1000).toISOString(), tags: [{ type: "topic", name: topic }] }),
    );
    const responses = await Promise.all(articles.map((article) => submit(article)));
    for (const response of responses) expect(response.status).toBe(201);
    const expected = sorted(articles.map((a) => a.id as string));
    expect(sorted(await resolvedIds(tagFeedKey({ type: "topic", slug: topic })))).toEqual(expected);
    expect(sorted(await servedIds(`/feeds/topic/${topic}.json`))).toEqual(expected);
  });
});

describe("50 concurrent mixed operations on a few articles", () => {
  it("never loses a last-written article, never shows a deleted one, and serves the final state", async () => {
    const next = seededRandom(20240501);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    const topics = Array.from({ length: 4 }, () => uniqueId("mix").toLowerCase());
    // ids 0-3: existing, raced by writes, deletes and reads; 4-5: existing, only deleted;
    // 6-9: new, written once each.
    const ids = Array.from({ length: 10 }, () => uniqueId("mixed"));
    const [raced, doomed, fresh] = [ids.slice(0, 4), ids.slice(4, 6), ids.slice(6)];
    const published = "2024-04-01T00:00:00Z";
    const version = (id: string, n: number) =>
      makeArticle({
        id,
        published,
        title: `${id} version ${n}`,
        tags: topics.filter(() => next() < 0.5).map((name) => ({ type: "topic", name })),
      });
    for (const id of [...raced, ...doomed]) expect((await submit(version(id, 0))).status).toBe(201);

    type Op = { kind: "write"; id: string; title: string; run: () => Promise<Response> } | { kind: "delete" | "read"; id: string; run: () => Promise<Response> };
    const write = (id: string, n: number): Op => {
      const article = version(id, n);
      return { kind: "write", id, title: article.title as string, run: () => submit(article) };
    };
    const remove = (id: string): Op => ({ kind: "delete", id, run: () => call(`/api/articles/${id}`, { method: "DELETE", headers: adminHeaders() }) });
    const ops: Op[] = [...doomed.map(remove), remove(doomed[0] as string), ...fresh.map((id, i) => write(id, 100 + i))];
    while (ops.length < 50) {
      const id = pick(raced);
      const roll = next();
      if (roll < 0.6) ops.push(write(id, ops.length));
      else if (roll < 0.85) ops.push(remove(id));
      else ops.push({ kind: "read", id, run: () => call(pick([`/feeds/all.json`, `/feeds/topic/${pick(topics)}.json`, `/api/articles/${id}`])) });
    }
    // Shuffled, so every kind of operation overlaps every other.
    for (let i = ops.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [ops[i], ops[j]] = [ops[j] as Op, ops[i] as Op];
    }
    const responses = await Promise.all(ops.map((op) => op.run()));
    responses.forEach((response, i) => expect(response.status, `${ops[i]?.kind} ${ops[i]?.id}`).toBeLessThan(500));
    const deleted = new Set(ops.filter((op, i) => op.kind === "delete" && responses[i]?.status === 200).map((op) => op.id));
    await Promise.all(responses.map((response) => response.body?.cancel()));

    const writesOf = (id: string) => ops.filter((op): op is Extract<Op, { kind: "write" }> => op.kind === "write" && op.id === id);
    const deletesOf = (id: string) => ops.filter((op) => op.kind === "delete" && op.id === id);
    const finals = new Map(await Promise.all(ids.map(async (id) => [id, await getArticle(env.KV, id)] as const)));

    for (const id of ids) {
      const final = finals.get(id) ?? null;
      const titles = [`${id} version 0`, ...writesOf(id).map((op) => op.title)];
      // Never lost: written during the storm and never deleted, or written before and untouched.
      if (deletesOf(id).length === 0) expect(final, id).not.toBeNull();
      // Whatever survived is one of the versions sent, never a mix.
      if (final) expect(titles, id).toContain(final.title);
      // Deleted and not written since: gone.
      if (writesOf(id).length === 0 && deletesOf(id).length > 0) expect(final, id).toBeNull();
    }

    const expectedIn = (feed: string): string[] =>
      sorted(ids.filter((id) => {
        const final = finals.get(id);
        return final && (feed === ALL_FEED || final.tags.some((t) => tagFeedKey(t) === feed));
      }));
    const feeds = [ALL_FEED, ...topics.map((slug) => tagFeedKey({ type: "topic", slug }))];
    const pathOf = (feed: string): string => (feed === ALL_FEED ? "/feeds/all.json" : `/feeds/topic/${feed.split("/")[2]}.json`);
    const ours = (list: readonly string[]): string[] => sorted(list.filter((id) => ids.includes(id)));
    /** Articles no two writers raced for (one write, or deletes only): exact at once. */
    const calm = new Set(ids.filter((id) => writesOf(id).length === 0 || writesOf(id).length + deletesOf(id).length <= 1));
    expect(calm.size).toBeGreaterThanOrEqual(doomed.length + fresh.length);
    for (const id of doomed) expect(finals.get(id), id).toBeNull();

    for (const feed of feeds) {
      const expected = expectedIn(feed);
      for (const [view, list] of [["resolved", ours(await resolvedIds(feed))], ["served", ours(await servedIds(pathOf(feed)))]] as const) {
        // Nothing visible that the final records do not claim: no deleted article, no dropped tag.
        for (const id of list) expect(expected, `${view} ${feed} shows ${id}`).toContain(id);
        for (const id of expected) if (calm.has(id)) expect(list, `${view} ${feed} lacks ${id}`).toContain(id);
      }
    }

    // The cron's repair (a tick past the grace period) fixes what racing writers broke.
    for (let tick = 0; tick < 50; tick++) {
      const report = await repairIndexes(env.KV, { nowMs: Date.now() + REPAIR_GRACE_MS + 60_000 });
      if (report.passComplete) break;
    }
    for (const feed of feeds) {
      const expected = expectedIn(feed);
      expect(ours(await resolvedIds(feed)), `resolved ${feed}`).toEqual(expected);
      expect(ours(await servedIds(pathOf(feed))), `served ${feed}`).toEqual(expected);
    }
    for (const id of deleted) {
      if (finals.get(id)) continue; // written again after the delete
      expect((await call(`/api/articles/${id}`)).status).toBe(404);
    }
  });
});

describe("taxonomy edits racing each other", () => {
  const reset = async () => {
    await env.KV.delete("taxonomy");
    await runInDurableObject(env.TAXONOMY_WRITER.getByName("taxonomy"), (_, state) => state.storage.deleteAll());
  };
  const create = (name: string, headers: Record<string, string> = {}) =>
    call("/api/taxonomy/entries", {
      method: "POST",
      headers: { "content-type": "application/json", ...adminHeaders(), ...headers },
      body: JSON.stringify({ type: "topic", name }),
    });
  const names = async (): Promise<Set<string>> =>
    new Set((await json<{ entries: { name: string }[] }>(await call("/api/taxonomy"))).entries.map((e) => e.name));

  for (const width of [8, 32]) {
    it(`keeps every acknowledged edit of ${width} concurrent creates, 50 times, with and without If-Match`, async () => {
      for (let round = 0; round < 50; round++) {
        const withIfMatch = round % 2 === 1;
        const etag = (await call("/api/taxonomy")).headers.get("etag") ?? "";
        const batch = Array.from({ length: width }, () => uniqueId("Race"));
        const responses = await Promise.all(batch.map((name) => create(name, withIfMatch ? { "if-match": etag } : {})));
        const stored = await names();
        const statuses = responses.map((r) => r.status);
        batch.forEach((name, i) => {
          if (statuses[i] === 201) expect(stored.has(name), `round ${round}: ${name} acknowledged`).toBe(true);
          else expect(stored.has(name), `round ${round}: ${name} refused`).toBe(false);
        });
        if (withIfMatch) expect(statuses.filter((s) => s === 201)).toHaveLength(1);
        else expect(statuses.every((s) => s === 201)).toBe(true);
        expect(statuses.every((s) => s === 201 || s === 412)).toBe(true);
        await Promise.all(responses.map((r) => r.body?.cancel()));
      }
      await reset();
    }, 180_000);
  }
});

describe("strict membership under racing writes of one article", () => {
  const feedsOfServed = async (slugs: readonly string[], id: string) =>
    Object.fromEntries(await Promise.all(slugs.map(async (slug) => [slug, (await servedIds(`/feeds/topic/${slug}.json`)).includes(id)] as const)));

  it("update vs delete, 50 times: every feed lists the article exactly when its final record names it, at once", async () => {
    for (let round = 0; round < 50; round++) {
      const [a, b] = [uniqueId("ud-a").toLowerCase(), uniqueId("ud-b").toLowerCase()];
      const article = makeArticle({ tags: [{ type: "topic", name: a }] });
      expect((await submit(article)).status).toBe(201);
      const [updated, deleted] = await Promise.all([
        submit({ ...article, title: `round ${round}`, tags: [{ type: "topic", name: b }] }),
        call(`/api/articles/${article.id}`, { method: "DELETE", headers: adminHeaders() }),
      ]);
      expect(updated.status).toBeLessThan(300);
      expect([200, 404]).toContain(deleted.status);
      const final = await getArticle(env.KV, article.id as string);
      const claims = new Set(final?.tags.map((t) => t.slug) ?? []);
      expect(await feedsOfServed([a, b], article.id as string), `round ${round}`).toEqual({ [a]: claims.has(a), [b]: claims.has(b) });
      expect((await resolvedIds(ALL_FEED)).includes(article.id as string)).toBe(final !== null);
    }
  });

  it("update vs merge, 50 times: the article ends in exactly the feeds its record names", async () => {
    for (let round = 0; round < 50; round++) {
      const [from, into, other] = [uniqueId("um-from").toLowerCase(), uniqueId("um-into").toLowerCase(), uniqueId("um-other").toLowerCase()];
      const article = makeArticle({ tags: [{ type: "topic", name: from }] });
      expect((await submit(article)).status).toBe(201);
      expect((await submit(makeArticle({ tags: [{ type: "topic", name: into }] }))).status).toBe(201);
      const [updated, merged] = await Promise.all([
        submit({ ...article, title: `round ${round}`, tags: [{ type: "topic", name: from }, { type: "topic", name: other }] }),
        call("/api/tags/merge", {
          method: "POST",
          headers: { "content-type": "application/json", ...adminHeaders() },
          body: JSON.stringify({ from: { type: "topic", slug: from }, into: { type: "topic", slug: into } }),
        }),
      ]);
      expect(updated.status).toBeLessThan(300);
      expect(merged.status).toBe(200);
      const final = (await getArticle(env.KV, article.id as string))!;
      const claims = new Set(final.tags.map((t) => t.slug));
      // The old slug's URL now serves the merged feed; its own index must hold nothing the record does not claim.
      expect(await feedsOfServed([into, other], final.id), `round ${round}`).toEqual({ [into]: claims.has(into), [other]: claims.has(other) });
      expect((await resolvedIds(tagFeedKey({ type: "topic", slug: from }))).includes(final.id), `round ${round}`).toBe(claims.has(from));
      await runInDurableObject(env.TAXONOMY_WRITER.getByName("taxonomy"), (_, state) => state.storage.deleteAll());
      await env.KV.delete("taxonomy");
    }
  });
});
