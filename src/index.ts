/**
 * Worker entry: HTTP through the Hono app; the cron trigger refreshes upstream sources, then
 * spends what is left of its KV budget on the index repair sweep (store/repair.ts).
 */
import { app } from "./app";

export { ArticleWriter } from "./store/article-writer";
export { TaxonomyWriter } from "./store/taxonomy-writer";

import { runRefreshTick } from "./refresh/run-tick";
import { sweepArticleWriters } from "./store/articles";
import { guardKv } from "./store/guard";
import { REPAIR_BUDGET, repairIndexes } from "./store/repair";
import { parseFeed } from "./upstream/parse";

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    // One bounded batch of due sources per tick (src/refresh/run-tick.ts); the rest wait for the
    // next. waitUntil keeps the invocation alive until the batch is done; the summary goes to the
    // logs (Workers observability), and the tick never throws for an upstream's sake.
    const tick = runRefreshTick(env, { fetch: (request) => fetch(request), parse: parseFeed, now: Date.now })
      .then(async (report) => {
        const { refreshed, ...summary } = report;
        const failed = refreshed.filter((r) => r.outcome === "failed").map((r) => ({ id: r.id, status: r.status, error: r.error }));
        console.log(JSON.stringify({ event: "refresh_tick", cron: controller.cron, ...summary, refreshed: refreshed.length, failed }));
        // Writes a dead invocation left half-done are finished by their writers (normally their alarms did).
        const writers = await sweepArticleWriters(env.ARTICLE_WRITER).catch((error: unknown) => ({ error: String(error) }));
        console.log(JSON.stringify({ event: "writer_sweep", ...writers }));
        // What the refresh left of the invocation's 1000 KV operations goes to the index repair sweep.
        const repair = await repairIndexes(guardKv(env.KV), { nowMs: Date.now(), budget: Math.min(REPAIR_BUDGET, 950 - report.kvOps) });
        console.log(
          JSON.stringify({
            event: "index_repair",
            ops: repair.ops,
            removed: repair.removed.length,
            restored: repair.restored.length,
            young: repair.youngDebris,
            pass_complete: repair.passComplete,
          }),
        );
      })
      .catch((error: unknown) => console.error("refresh tick failed", error));
    ctx.waitUntil(tick);
    await tick;
  },
} satisfies ExportedHandler<Env>;
