/**
 * The KV cost estimates (store/write-cost.ts) against the counting guard's real count. The guard
 * sees the Worker's own operations (reads, tag records, feed-version bumps); the article writers'
 * puts and deletes happen in their Durable Objects' invocations, which it does not see, so here the
 * estimate must cover the Worker's count and stay within what both sides spend.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ArticleInput } from "../src/domain/article";
import { ingestArticles, ingestUpstream } from "../src/ingest/ingest";
import { normalizeArticle } from "../src/ingest/normalize";
import { type ArticleStore, articleStore } from "../src/store/articles";
import { guardKv, newKvCounts, type KvCounts } from "../src/store/guard";
import { loadTaxonomy } from "../src/store/taxonomy";
import { makeArticle, submit, uniqueId } from "./helpers";

const total = (c: KvCounts): number => c.reads + c.bulkReads + c.lists + c.writes + c.deletes;
const counted = (counts: KvCounts): ArticleStore => ({ ...articleStore(env), kv: guardKv(env.KV, counts) });

async function drafts(inputs: Record<string, unknown>[], nowMs: number) {
  const { index } = await loadTaxonomy(env.KV);
  return Promise.all(
    inputs.map(async (input) => {
      const result = await normalizeArticle(input as ArticleInput, { taxonomy: index, nowMs });
      if (!result.ok) throw new Error(JSON.stringify(result.error));
      return result.value;
    }),
  );
}

function batch(run: string, n: number, text: string): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) =>
    makeArticle({
      id: `${run}-${i}`,
      content_html: `<p>${text} ${i}</p>`,
      tags: [
        { type: "topic", name: `Cost ${run} ${i % 7}` },
        { type: "city", name: `Town ${run} ${i % 3}` },
      ],
    }),
  );
}

/** The estimate (the budget check's figure, read with a zero budget) and the real count of storing the batch. */
async function estimateAndCount(inputs: Record<string, unknown>[], nowMs: number): Promise<{ estimate: number; real: number }> {
  const ready = await drafts(inputs, nowMs);
  const refused = await ingestArticles(articleStore(env), ready, nowMs, 0);
  if (refused.ok) throw new Error("a zero budget must refuse a changed batch");
  const counts = newKvCounts();
  const stored = await ingestArticles(counted(counts), ready, nowMs);
  expect(stored.ok).toBe(true);
  return { estimate: refused.error.kvOperations, real: total(counts) };
}

describe("KV cost estimates match the real count", () => {
  it("webhook batch: created, then updated with changed content", async () => {
    const run = uniqueId("cost");
    const created = await estimateAndCount(batch(run, 100, "first"), Date.now());
    // The Worker's own share; the writers add each article's record and index keys (at least 100).
    expect(created.estimate).toBeGreaterThanOrEqual(created.real + 100);
    const updated = await estimateAndCount(batch(run, 100, "second"), Date.now() + 1000);
    expect(updated.estimate).toBeGreaterThanOrEqual(updated.real + 100);
    // An update keeping tags and dates rewrites only the records (and the feed versions).
    expect(updated.estimate).toBeLessThan(created.estimate);
  });

  it("a 100-article batch accepted as a create is accepted as an update with changed content", async () => {
    const run = uniqueId("resend");
    const first = await submit({ articles: batch(run, 100, "v1") });
    expect(first.status).toBeLessThan(300);
    const again = await submit({ articles: batch(run, 100, "v2") });
    expect(again.status).toBeLessThan(300);
  });

  it("refresh batch: the reported kvOps covers the Worker's real count, and maxWriteOps defers the rest", async () => {
    const run = uniqueId("up");
    const nowMs = Date.now();
    const ready = (await drafts(batch(run, 50, "item"), nowMs)).map((draft) => ({ draft, inventedDate: false }));
    const counts = newKvCounts();
    const result = await ingestUpstream(counted(counts), ready, nowMs);
    expect(result.deferred).toBe(0);
    expect(result.kvOps).toBeGreaterThanOrEqual(total(counts) + 50);

    const more = (await drafts(batch(`${run}-b`, 50, "item"), nowMs)).map((draft) => ({ draft, inventedDate: false }));
    const limited = newKvCounts();
    const partial = await ingestUpstream(counted(limited), more, nowMs, { maxWriteOps: 60 });
    expect(partial.deferred).toBeGreaterThan(0);
    // The refresh continues the document from the first deferred item: it is named, and not written.
    const written = new Set(partial.outcomes.map((o) => o.id));
    const firstDeferred = more.find((m) => !written.has(m.draft.id))?.draft.id;
    expect(partial.firstDeferredId).toBe(firstDeferred);
    expect(partial.kvOps).toBeGreaterThanOrEqual(total(limited));
    // Reads (article and tag bulk reads) come on top of the write budget.
    expect(limited.writes + limited.deletes).toBeLessThanOrEqual(60);
  });
});
