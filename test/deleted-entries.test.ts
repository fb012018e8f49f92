/**
 * RFC 6721 in workerd: a deleted article is announced in the Atom feed of every feed it was in as
 * `at:deleted-entry` (ref = its atom:id, when = the deletion time) and is gone from JSON Feed; a
 * restored one is not announced; retention's removals are never announced.
 */
import { env } from "cloudflare:workers";
import { SaxesParser } from "saxes";
import { describe, expect, it } from "vitest";
import { articleStore } from "../src/store/articles";
import { sweepRetention } from "../src/store/retention";
import { checkAtomRules } from "./e2e/support/atom-rules";
import { BASE, adminHeaders, call, json, makeArticle, submit, uniqueId } from "./helpers";

const TOMBSTONES = "http://purl.org/atompub/tombstones/1.0";
const ATOM = "http://www.w3.org/2005/Atom";

/** A namespace-aware parse: the atom:entry ids and the at:deleted-entry attributes of a feed. */
function parseAtom(xml: string): { entries: string[]; deleted: { ref: string; when: string }[] } {
  const parser = new SaxesParser({ xmlns: true });
  const entries: string[] = [];
  const deleted: { ref: string; when: string }[] = [];
  const path: string[] = [];
  let text = "";
  parser.on("error", (error) => {
    throw error;
  });
  parser.on("opentag", (tag) => {
    path.push(`${tag.uri} ${tag.local}`);
    text = "";
    if (tag.uri === TOMBSTONES && tag.local === "deleted-entry") {
      deleted.push({ ref: String(tag.attributes.ref?.value), when: String(tag.attributes.when?.value) });
    }
  });
  parser.on("text", (t) => {
    text += t;
  });
  parser.on("closetag", () => {
    const closed = path.pop();
    if (closed === `${ATOM} id` && path[path.length - 1] === `${ATOM} entry`) entries.push(text);
  });
  parser.write(xml).close();
  return { entries, deleted };
}

/** The feed parsed, after the RFC 4287 rules the e2e validators check (test/e2e/support/atom-rules.ts). */
async function atom(path: string) {
  const response = await call(path);
  expect(response.status).toBe(200);
  const xml = await response.text();
  expect(checkAtomRules(xml, { feedUrl: `${BASE}${path}` }), path).toEqual([]);
  return parseAtom(xml);
}

const urn = (id: string) => `urn:tagfeed:article:${id}`;

describe("RFC 6721 deleted entries", () => {
  it("announces an admin deletion in every feed the article was in, and JSON Feed drops it", async () => {
    const t = uniqueId("del");
    const tags = [{ type: "topic", name: `${t}-a` }, { type: "topic", name: `${t}-b` }];
    const id = `${t}-gone`;
    await submit(makeArticle({ id, tags }));
    await submit(makeArticle({ id: `${t}-stays`, tags }));
    expect((await atom(`/feeds/topic/${t}-a.atom`)).entries).toContain(urn(id));

    const before = Date.now();
    expect((await call(`/api/articles/${id}`, { method: "DELETE", headers: adminHeaders() })).status).toBeLessThan(300);
    for (const feed of [`/feeds/topic/${t}-a.atom`, `/feeds/topic/${t}-b.atom`, "/feeds/all.atom"]) {
      const parsed = await atom(feed);
      expect(parsed.entries).not.toContain(urn(id));
      const announced = parsed.deleted.find((d) => d.ref === urn(id));
      expect(announced, feed).toBeDefined();
      const whenMs = Date.parse(announced?.when ?? "");
      expect(whenMs).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
      expect(whenMs).toBeLessThanOrEqual(Date.now());
    }
    // A combination feed announces what was in every one of its tags, and nothing else.
    const onlyA = `${t}-only-a`;
    await submit(makeArticle({ id: onlyA, tags: [tags[0]!] }));
    expect((await call(`/api/articles/${onlyA}`, { method: "DELETE", headers: adminHeaders() })).status).toBeLessThan(300);
    const combined = await atom(`/feeds/topic/${t}-a+topic/${t}-b.atom`);
    expect(combined.entries).toEqual([urn(`${t}-stays`)]);
    expect(combined.deleted.map((d) => d.ref)).toEqual([urn(id)]);
    expect((await atom(`/feeds/topic/${t}-a.atom`)).deleted.map((d) => d.ref).sort()).toEqual([urn(id), urn(onlyA)].sort());
    const body = await json<{ items: { id: string }[] }>(await call(`/feeds/topic/${t}-a.json`));
    expect(body.items.map((i) => i.id)).toEqual([urn(`${t}-stays`)]);

    // A publisher's changed version restores it: shown again, no longer announced.
    expect((await submit(makeArticle({ id, tags, title: "Исправлено" }))).status).toBe(201);
    const restored = await atom(`/feeds/topic/${t}-a.atom`);
    expect(restored.entries).toContain(urn(id));
    expect(restored.deleted.map((d) => d.ref)).not.toContain(urn(id));
    const recombined = await atom(`/feeds/topic/${t}-a+topic/${t}-b.atom`);
    expect(recombined.entries).toContain(urn(id));
    expect(recombined.deleted).toEqual([]);
  });

  it("does not announce what retention removed", async () => {
    const t = uniqueId("exp");
    const taxonomy = await json<Record<string, unknown>>(await call("/api/taxonomy"));
    const put = await call("/api/taxonomy", {
      method: "PUT",
      headers: { ...adminHeaders(), "content-type": "application/json" },
      body: JSON.stringify({ ...taxonomy, retention: { all: { max_age_days: 30 } } }),
    });
    expect(put.status).toBe(200);
    const id = `${t}-old`;
    await submit(makeArticle({ id, published: new Date(Date.now() - 40 * 86_400_000).toISOString(), tags: [{ type: "topic", name: t }] }));
    expect((await atom(`/feeds/topic/${t}.atom`)).entries).toEqual([urn(id)]);
    const report = await sweepRetention(articleStore(env), { nowMs: Date.now(), budget: 900 });
    expect(report.removed).toBeGreaterThanOrEqual(1);
    expect(await atom(`/feeds/topic/${t}.atom`)).toEqual({ entries: [], deleted: [] });
  });
});
