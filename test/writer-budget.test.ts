/**
 * An article writer finishing a large rolled-back batch keeps each call inside its invocation's
 * 1000 KV operations: part per call, the rest from its alarm, nothing lost.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ArticleInput } from "../src/domain/article";
import { normalizeArticle } from "../src/ingest/normalize";
import { shardOf } from "../src/store/article-ops";
import type { ArticleWriter } from "../src/store/article-writer";
import { getArticles, indexKeysOf } from "../src/store/articles";
import { totalKvOps } from "../src/store/guard";
import { loadTaxonomy } from "../src/store/taxonomy";
import { failingPutsOf, makeArticle, uniqueId } from "./helpers";

const pendingRows = (stub: DurableObjectStub<ArticleWriter>) =>
  runInDurableObject(stub, (_: ArticleWriter, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM articles WHERE pending = 1").one().n);

describe("article writer: finishing earlier writes is bounded per call", () => {
  it("a rolled-back batch of 300 new articles is undone in parts, each call under 1000 KV operations", async () => {
    const run = uniqueId("bound");
    const shard = 3;
    const ids: string[] = [];
    for (let i = 0; ids.length < 300; i++) if (shardOf(`${run}-${i}`) === shard) ids.push(`${run}-${i}`);
    const { index } = await loadTaxonomy(env.KV);
    const nowMs = Date.now();
    const drafts = await Promise.all(
      ids.map(async (id) => {
        const input = makeArticle({ id, tags: [{ type: "topic", name: `Bound ${run}` }, { type: "city", name: `Bound town ${run}` }] }) as ArticleInput;
        const result = await normalizeArticle(input, { taxonomy: index, nowMs });
        if (!result.ok) throw new Error(JSON.stringify(result.error));
        return result.value;
      }),
    );
    const stub = env.ARTICLE_WRITER.getByName(`articles-${shard}`);
    await runInDurableObject(stub, (instance: ArticleWriter) => {
      instance.kv = failingPutsOf(env.KV, (key) => key.startsWith("article:"));
    });
    const failed = await stub.apply(drafts.map((draft) => ({ kind: "replace" as const, draft })), nowMs);
    expect(failed.ok).toBe(false);
    await runInDurableObject(stub, (instance: ArticleWriter) => {
      instance.kv = env.KV;
    });
    // Each row now needs its 3 index keys deleted and its record: 1,200 operations in all.
    expect(await pendingRows(stub)).toBe(300);

    // The next batch (here: empty) finishes only a part of them.
    const next = await stub.apply([], nowMs);
    expect(totalKvOps(next.kv)).toBeGreaterThan(0);
    expect(totalKvOps(next.kv)).toBeLessThanOrEqual(100);
    const left = await pendingRows(stub);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(300);

    // The alarm finishes the rest, each run under the limit (its feed bumps included).
    for (let i = 0; i < 10 && (await pendingRows(stub)) > 0; i++) {
      const report = await stub.sweep();
      expect(totalKvOps(report.kv)).toBeLessThan(1000);
    }
    expect(await pendingRows(stub)).toBe(0);
    // Rolled back to what was there before (nothing): no record, and none of the index keys put.
    const stored = await getArticles(env.KV, ids);
    expect([...stored.values()].filter((a) => a !== null)).toHaveLength(0);
    const keys = drafts.flatMap((draft) => indexKeysOf(draft));
    expect(keys).toHaveLength(900);
    for (let start = 0; start < keys.length; start += 100) {
      const values = await env.KV.get(keys.slice(start, start + 100), "text");
      expect([...values.values()].filter((v) => v !== null)).toHaveLength(0);
    }
  });
});
