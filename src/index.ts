/**
 * Worker entry: HTTP through the Hono app; the cron trigger refreshes upstream sources.
 */
import { app } from "./app";
import type { Env } from "./env";
import { runRefreshTick } from "./refresh/run-tick";
import { parseFeed } from "./upstream/parse";

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    // One bounded batch of due sources per tick (src/refresh/run-tick.ts); the rest wait for the
    // next. waitUntil keeps the invocation alive until the batch is done; the summary goes to the
    // logs (Workers observability), and the tick never throws for an upstream's sake.
    const tick = runRefreshTick(env, { fetch: (request) => fetch(request), parse: parseFeed, now: Date.now })
      .then((report) => {
        const { refreshed, ...summary } = report;
        const failed = refreshed.filter((r) => r.outcome === "failed").map((r) => ({ id: r.id, status: r.status, error: r.error }));
        console.log(JSON.stringify({ event: "refresh_tick", cron: controller.cron, ...summary, refreshed: refreshed.length, failed }));
      })
      .catch((error: unknown) => console.error("refresh tick failed", error));
    ctx.waitUntil(tick);
    await tick;
  },
} satisfies ExportedHandler<Env>;
