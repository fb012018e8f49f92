/**
 * Worker entry: HTTP through the Hono app; the cron trigger refreshes upstream sources — through
 * the refresh queue when the Worker has one (refresh/queue.ts), else in the tick itself
 * (refresh/run-tick.ts) — then has the article writers finish what a dead invocation left (their
 * own logs: no KV operation when nothing is pending). A tick with nothing due costs one KV list.
 * The full index sweep (store/repair.ts) is proportional to the store, not to change: it is the
 * operator's `POST /api/admin/repair`, never a tick's.
 * The archive sealer, the hourly retention sweep and the WebSub hub's run (hub/hub-object.ts) follow.
 * The queue handler serves the refresh queue, its dead letters and the WebSub deliveries
 * (hub/deliver.ts), by queue name.
 */
import { app } from "./app";
import { type DeliveryJob, WEBSUB_QUEUE_NAME, consumeDeliveries, webSubHub } from "./hub/deliver";
import { type RefreshMessage, consumeRefreshBatch, enqueueDue, recordDeadLetters } from "./refresh/queue";
import { runRefreshTick } from "./refresh/run-tick";
import { listDue } from "./store/sources";
import { archiveSize, sealArchives } from "./store/archives";
import { articleStore, sweepArticleWriters } from "./store/articles";
import { type KvCounts, guardKv, newKvCounts } from "./store/guard";
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

/** With KV_COUNT=true (benchmarks) a handler counts its KV operations, the writers' included, into its log line. */
const kvCounter = (env: Env): KvCounts | undefined => (env.KV_COUNT === "true" ? newKvCounts() : undefined);

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    const kv = kvCounter(env);
    const tick = (async () => {
      let used: number;
      const queue = refreshQueue(env);
      const guarded = { ...env, KV: guardKv(env.KV, kv) };
      // One list of the sources serves the tick: the due ones for the refresh, the rules for retention.
      // (Should it fail, the refresh lists again and reports why.)
      const listed = await listDue(guarded.KV).catch(() => undefined);
      if (queue) {
        const report = await enqueueDue(guarded, queue, Date.now(), undefined, listed);
        console.log(JSON.stringify({ event: "refresh_enqueue", cron: controller.cron, ...report, ...(kv && { kv }) }));
        used = report.kvOps;
      } else {
        // One bounded batch of due sources per tick; the rest wait for the next. The tick never
        // throws for an upstream's sake.
        const report = await runRefreshTick(guarded, deps, undefined, listed);
        const { refreshed, ...summary } = report;
        const failed = refreshed.filter((r) => r.outcome === "failed").map((r) => ({ id: r.id, status: r.status, error: r.error }));
        console.log(JSON.stringify({ event: "refresh_tick", cron: controller.cron, ...summary, refreshed: refreshed.length, failed, ...(kv && { kv }) }));
        used = report.kvOps;
      }
      // Writes a dead invocation left half-done are finished by their writers (normally their alarms did).
      const writers = await sweepArticleWriters(env.ARTICLE_WRITER).catch((error: unknown) => ({ error: String(error) }));
      console.log(JSON.stringify({ event: "writer_sweep", ...writers }));
      // RFC 5005 archives: seal the feeds that filled up, rewrite the archives that changed (bounded).
      const archives = await sealArchives(guarded, { size: archiveSize(env.ARCHIVE_SIZE), nowMs: Date.now() }).catch((error: unknown) => ({ error: String(error) }));
      console.log(JSON.stringify({ event: "archive_seal", ...archives }));
      // Retention, once an hour, from what the refresh left of the invocation's 1000 KV operations.
      if (isRetentionTick(new Date(controller.scheduledTime))) {
        const retention = await sweepRetention(articleStore(guarded), { nowMs: Date.now(), budget: Math.min(RETENTION_BUDGET, 950 - used), ...(listed && { sources: listed }) }).catch((error: unknown) => ({ error: String(error) }));
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
    const kv = kvCounter(env);
    const guarded = { ...env, KV: guardKv(env.KV, kv) };
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
        ...(kv && { kv }),
      }),
    );
  },
} satisfies ExportedHandler<Env, unknown>;
