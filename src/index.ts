/**
 * Worker entry: HTTP through the Hono app; the cron trigger refreshes upstream sources — through
 * the refresh queue when the Worker has one (refresh/queue.ts), else in the tick itself
 * (refresh/run-tick.ts) — then has the article writers finish what a dead invocation left (their
 * own logs: no KV operation when nothing is pending), and once a day spends what is left of its KV
 * budget on a bounded step of the full index sweep (store/repair.ts), for what the platform itself
 * loses; last, the WebSub hub runs (hub/hub-object.ts). The queue handler serves the refresh queue,
 * its dead letters and the WebSub deliveries (hub/deliver.ts), by queue name.
 */
import { app } from "./app";
import { type DeliveryJob, WEBSUB_QUEUE_NAME, consumeDeliveries, webSubHub } from "./hub/deliver";
import { type RefreshMessage, consumeRefreshBatch, enqueueDue, recordDeadLetters } from "./refresh/queue";
import { runRefreshTick } from "./refresh/run-tick";
import { archiveSize, sealArchives } from "./store/archives";
import { articleStore, sweepArticleWriters } from "./store/articles";
import { guardKv } from "./store/guard";
import { REPAIR_BUDGET, repairIndexes } from "./store/repair";
import { RETENTION_BUDGET, isRetentionTick, sweepRetention } from "./store/retention";
import { parseFeed } from "./upstream/parse";

export { ArticleWriter } from "./store/article-writer";
export { TaxonomyWriter } from "./store/taxonomy-writer";
export { WebSubHub } from "./hub/hub-object";

const deps = { fetch: (request: Request) => fetch(request), parse: parseFeed, now: Date.now };

/** A deployment may leave Queues out: the generated Env declares the binding, the runtime decides. */
const refreshQueue = (env: Env): Queue<RefreshMessage> | undefined => (env as Partial<Env>).REFRESH_QUEUE as Queue<RefreshMessage> | undefined;

/** Dead-letter queues are named after their queue with `-dlq` (wrangler.jsonc). */
const isDeadLetterQueue = (name: string): boolean => name.endsWith("-dlq");

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    const tick = (async () => {
      let used: number;
      const queue = refreshQueue(env);
      if (queue) {
        const report = await enqueueDue({ ...env, KV: guardKv(env.KV) }, queue, Date.now());
        console.log(JSON.stringify({ event: "refresh_enqueue", cron: controller.cron, ...report }));
        used = report.kvOps;
      } else {
        // One bounded batch of due sources per tick; the rest wait for the next. The tick never
        // throws for an upstream's sake.
        const report = await runRefreshTick(env, deps);
        const { refreshed, ...summary } = report;
        const failed = refreshed.filter((r) => r.outcome === "failed").map((r) => ({ id: r.id, status: r.status, error: r.error }));
        console.log(JSON.stringify({ event: "refresh_tick", cron: controller.cron, ...summary, refreshed: refreshed.length, failed }));
        used = report.kvOps;
      }
      // Writes a dead invocation left half-done are finished by their writers (normally their alarms did).
      const writers = await sweepArticleWriters(env.ARTICLE_WRITER).catch((error: unknown) => ({ error: String(error) }));
      console.log(JSON.stringify({ event: "writer_sweep", ...writers }));
      // RFC 5005 archives: seal the feeds that filled up, rewrite the archives that changed (bounded).
      const archives = await sealArchives(env, { size: archiveSize(env.ARCHIVE_SIZE), nowMs: Date.now() }).catch((error: unknown) => ({ error: String(error) }));
      console.log(JSON.stringify({ event: "archive_seal", ...archives }));
      // What the refresh left of the invocation's 1000 KV operations goes to the index repair.
      const kv = guardKv(env.KV);
      const budget = Math.min(REPAIR_BUDGET, 950 - used);
      const at = new Date(controller.scheduledTime);
      const daily = at.getUTCHours() === 3 && at.getUTCMinutes() < 10;
      if (daily) {
        const sweep = await repairIndexes(kv, { nowMs: Date.now(), budget });
        console.log(
          JSON.stringify({
            event: "index_repair",
            ops: sweep.ops,
            young: sweep.youngDebris,
            removed: sweep.removed.length,
            restored: sweep.restored.length,
            pass_complete: sweep.passComplete,
          }),
        );
      }
      // Retention, once an hour (never in the repair's tick), from what the refresh left.
      if (isRetentionTick(at)) {
        const retention = await sweepRetention(articleStore(env), { nowMs: Date.now(), budget: Math.min(RETENTION_BUDGET, 950 - used) }).catch((error: unknown) => ({ error: String(error) }));
        console.log(JSON.stringify({ event: "retention_sweep", ...retention }));
      }
      // The WebSub hub's run (its alarm normally came first): expired leases dropped, due deliveries made. No KV operation.
      const hub = await (async () => webSubHub(env).run(Date.now()))().catch((error: unknown) => ({ error: String(error) }));
      console.log(JSON.stringify({ event: "websub_run", ...hub }));
    })().catch((error: unknown) => console.error("refresh tick failed", error));
    ctx.waitUntil(tick);
    await tick;
  },
  async queue(batch, env, ctx) {
    if (batch.queue === WEBSUB_QUEUE_NAME) {
      const report = await consumeDeliveries(batch as MessageBatch<DeliveryJob>, env, ctx);
      console.log(JSON.stringify({ event: "websub_deliveries", messages: batch.messages.length, ...report }));
      return;
    }
    const guarded = { ...env, KV: guardKv(env.KV) };
    if (isDeadLetterQueue(batch.queue)) {
      const recorded = await recordDeadLetters(batch, guarded, Date.now());
      console.log(JSON.stringify({ event: "refresh_dead_letters", queue: batch.queue, messages: batch.messages.length, recorded }));
      return;
    }
    const report = await consumeRefreshBatch(batch, guarded, deps);
    const { refreshed, ...summary } = report;
    console.log(
      JSON.stringify({
        event: "refresh_queue",
        queue: batch.queue,
        ...summary,
        refreshed: refreshed.map((r) => ({ id: r.id, outcome: r.outcome, status: r.status, counts: r.counts, kvOps: r.kvOps, ...(r.continues && { continues: true }) })),
      }),
    );
  },
} satisfies ExportedHandler<Env, unknown>;
