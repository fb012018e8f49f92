/**
 * The Hono app: mounts the routes and maps every error to a status in one place.
 */
import { Hono } from "hono";
import type { AppEnv } from "./env";
import { cors } from "./http/cors";
import { errorBody, handleError } from "./http/errors";
import { formatKvCounts, guardKv, newKvCounts } from "./store/guard";
import { adminRoutes } from "./admin/routes";
import { hubRoutes } from "./hub/routes";
import { articleRoutes } from "./routes/articles";
import { blockRoutes } from "./routes/blocks";
import { feedRoutes } from "./routes/feeds";
import { pageRoutes } from "./routes/pages";
import { repairRoutes } from "./routes/repair";
import { sourceRoutes } from "./routes/sources";
import { tagRoutes } from "./routes/tags";
import { taxonomyRoutes } from "./routes/taxonomy";

export const app = new Hono<AppEnv>();

// Every KV failure becomes StorageUnavailable, answered 503 + Retry-After (store/guard.ts).
// With KV_COUNT=true (benchmarks: bench/run.mjs) the request's KV operations are counted and
// reported in `x-tagfeed-kv`, the article writers' included (they report theirs); writes deferred
// with waitUntil land after the answer, uncounted.
app.use(async (c, next) => {
  if (c.env.KV_COUNT !== "true") {
    c.env = { ...c.env, KV: guardKv(c.env.KV) };
    await next();
    return;
  }
  const counts = newKvCounts();
  c.env = { ...c.env, KV: guardKv(c.env.KV, counts) };
  await next();
  c.header("x-tagfeed-kv", formatKvCounts(counts));
});

app.use(cors);
app.get("/healthz", (c) => c.json({ ok: true }));
app.route("/api/articles", articleRoutes);
app.route("/api/sources", sourceRoutes);
app.route("/api/blocks", blockRoutes);
app.route("/api/admin", repairRoutes);
app.route("/feeds", feedRoutes);
app.route("/hub", hubRoutes);
app.route("/admin", adminRoutes);
app.route("/", tagRoutes);
app.route("/", taxonomyRoutes);
app.route("/", pageRoutes);

app.notFound((c) => c.json(errorBody(404, "not_found", "no such route"), 404));
app.onError(handleError);
