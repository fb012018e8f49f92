/**
 * The KV cost estimates (store/write-cost.ts) against the counting guard's real count: the Worker's
 * own operations (reads, tag records, feed-version bumps) and the article writers' puts, deletes
 * and reads, which they count in their own invocations and report back (store/guard.ts).
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ArticleInput } from "../src/domain/article";
import { ingestArticles, ingestUpstream } from "../src/ingest/ingest";
import { normalizeArticle } from "../src/ingest/normalize";
import { type ArticleStore, articleStore } from "../src/store/articles";
import { type KvCounts, guardKv, newKvCounts, totalKvOps } from "../src/store/guard";
import { loadTaxonomy } from "../src/store/taxonomy";
import { app } from "../src/app";
import { BASE, makeArticle, signedHeaders, submit, uniqueId } from "./helpers";

const total = totalKvOps;
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

/** Within 20% of the real count, either way. */
function expectClose(estimate: number, real: number): void {
  expect(estimate).toBeGreaterThanOrEqual(real * 0.8);
  expect(estimate).toBeLessThanOrEqual(real * 1.2);
}

const upstream = async (run: string, n: number, nowMs: number) =>
  (await drafts(batch(run, n, "item"), nowMs)).map((draft) => ({ draft, inventedDate: false }));

describe("KV cost estimates match the real count (the Worker's and the writers')", () => {
  it("webhook batch of 100: created, then updated with changed content", async () => {
    const run = uniqueId("cost");
    const created = await estimateAndCount(batch(run, 100, "first"), Date.now());
    // Every article's record and its three index keys are the writers' (at least 400 of them).
    expect(created.real).toBeGreaterThanOrEqual(400);
    expectClose(created.estimate, created.real);
    const updated = await estimateAndCount(batch(run, 100, "second"), Date.now() + 1000);
    expectClose(updated.estimate, updated.real);
    // An update keeping tags and dates rewrites only the records (and the feed versions).
    expect(updated.estimate).toBeLessThan(created.estimate / 2);
  });

  it("a 100-article batch accepted as a create is accepted as an update with changed content", async () => {
    const run = uniqueId("resend");
    const first = await submit({ articles: batch(run, 100, "v1") });
    expect(first.status).toBeLessThan(300);
    const again = await submit({ articles: batch(run, 100, "v2") });
    expect(again.status).toBeLessThan(300);
  });

  it("x-tagfeed-kv of a webhook answer includes the writers' operations", async () => {
    const run = uniqueId("hdr");
    const body = JSON.stringify({ articles: batch(run, 10, "one") });
    const ctx = createExecutionContext();
    const response = await app.fetch(new Request(`${BASE}/api/articles`, { method: "POST", headers: await signedHeaders(body), body }), { ...env, KV_COUNT: "true" }, ctx);
    await waitOnExecutionContext(ctx);
    expect(response.status).toBeLessThan(300);
    const kv = Object.fromEntries((response.headers.get("x-tagfeed-kv") ?? "").split(",").map((p) => p.split("=")).map(([k, v]) => [k!, Number(v)]));
    // 10 records and 30 index keys are put by the writers, on top of the Worker's own writes.
    expect(kv.writes).toBeGreaterThanOrEqual(40);
  });

  it("refresh of a 50-item feed, all new, then with 2 new items", async () => {
    const run = uniqueId("up");
    const nowMs = Date.now();
    const counts = newKvCounts();
    const first = await ingestUpstream(counted(counts), await upstream(run, 50, nowMs), nowMs);
    expect(first.deferred).toBe(0);
    // The reported figure is the real one: the binding's counter, the writers' operations included.
    expect(first.kvOps).toBe(total(counts));
    expect(first.kvOps).toBeGreaterThanOrEqual(200);
    expectClose(first.kvEstimate, first.kvOps);

    // The same document again with two items on top: 48 of its 50 unchanged.
    const items = [...(await upstream(`${run}-new`, 2, nowMs)), ...(await upstream(run, 50, nowMs))];
    const again = newKvCounts();
    const second = await ingestUpstream(counted(again), items, nowMs + 1000);
    expect(second.outcomes.filter((o) => o.status === "created")).toHaveLength(2);
    expect(second.kvOps).toBe(total(again));
    expectClose(second.kvEstimate, second.kvOps);
  });

  it("maxWriteOps defers the rest of a refresh and names where it continues", async () => {
    const run = uniqueId("cap");
    const nowMs = Date.now();
    const more = await upstream(run, 50, nowMs);
    const limited = newKvCounts();
    const partial = await ingestUpstream(counted(limited), more, nowMs, { maxWriteOps: 60 });
    expect(partial.deferred).toBeGreaterThan(0);
    // The refresh continues the document from the first deferred item: it is named, and not written.
    const written = new Set(partial.outcomes.map((o) => o.id));
    const firstDeferred = more.find((m) => !written.has(m.draft.id))?.draft.id;
    expect(partial.firstDeferredId).toBe(firstDeferred);
    // Reads (article and tag bulk reads) come on top of the write budget.
    expect(limited.writes + limited.deletes).toBeLessThanOrEqual(60);
  });
});
