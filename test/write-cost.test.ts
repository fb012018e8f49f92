/**
 * The KV cost estimates (store/write-cost.ts) against the counting guard's real count, on the
 * write path as it is: a webhook batch created, then re-sent with changed content, and an upstream
 * refresh batch, each within 20% (they are meant to be exact).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ArticleInput } from "../src/domain/article";
import { ingestArticles, ingestUpstream } from "../src/ingest/ingest";
import { normalizeArticle } from "../src/ingest/normalize";
import { guardKv, newKvCounts, type KvCounts } from "../src/store/guard";
import { loadTaxonomy } from "../src/store/taxonomy";
import { makeArticle, submit, uniqueId } from "./helpers";

const total = (c: KvCounts): number => c.reads + c.bulkReads + c.lists + c.writes + c.deletes;

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
  const refused = await ingestArticles(env.KV, ready, nowMs, 0);
  if (refused.ok) throw new Error("a zero budget must refuse a changed batch");
  const counts = newKvCounts();
  const stored = await ingestArticles(guardKv(env.KV, counts), ready, nowMs);
  expect(stored.ok).toBe(true);
  return { estimate: refused.error.kvOperations, real: total(counts) };
}

describe("KV cost estimates match the real count", () => {
  it("webhook batch: created, then updated with changed content", async () => {
    const run = uniqueId("cost");
    const created = await estimateAndCount(batch(run, 100, "first"), Date.now());
    expect(Math.abs(created.estimate - created.real)).toBeLessThanOrEqual(created.real * 0.2);
    const updated = await estimateAndCount(batch(run, 100, "second"), Date.now() + 1000);
    expect(Math.abs(updated.estimate - updated.real)).toBeLessThanOrEqual(updated.real * 0.2);
    // An update keeping tags and dates rewrites only the records (and the feed versions).
    expect(updated.real).toBeLessThan(created.real);
  });

  it("a 100-article batch accepted as a create is accepted as an update with changed content", async () => {
    const run = uniqueId("resend");
    const first = await submit({ articles: batch(run, 100, "v1") });
    expect(first.status).toBeLessThan(300);
    const again = await submit({ articles: batch(run, 100, "v2") });
    expect(again.status).toBeLessThan(300);
  });

  it("refresh batch: the reported kvOps is the real count, and maxWriteOps is never exceeded", async () => {
    const run = uniqueId("up");
    const nowMs = Date.now();
    const ready = (await drafts(batch(run, 50, "item"), nowMs)).map((draft) => ({ draft, inventedDate: false }));
    const counts = newKvCounts();
    const result = await ingestUpstream(guardKv(env.KV, counts), ready, nowMs);
    expect(result.deferred).toBe(0);
    expect(result.kvOps).toBe(total(counts));

    const more = (await drafts(batch(`${run}-b`, 50, "item"), nowMs)).map((draft) => ({ draft, inventedDate: false }));
    const limited = newKvCounts();
    const partial = await ingestUpstream(guardKv(env.KV, limited), more, nowMs, { maxWriteOps: 60 });
    expect(partial.deferred).toBeGreaterThan(0);
    expect(partial.kvOps).toBe(total(limited));
    // Reads (article and tag bulk reads) come on top of the write budget.
    expect(limited.writes + limited.deletes).toBeLessThanOrEqual(60);
  });
});
