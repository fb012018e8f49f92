/**
 * The Hono app: mounts the routes and maps every error to a status in one place.
 */
import { Hono } from "hono";
import type { AppEnv } from "./env";
import { errorBody, handleError } from "./http/errors";
import { guardKv } from "./store/guard";
import { articleRoutes } from "./routes/articles";
import { feedRoutes } from "./routes/feeds";
import { pageRoutes } from "./routes/pages";
import { tagRoutes } from "./routes/tags";

export const app = new Hono<AppEnv>();

// Every KV failure becomes StorageUnavailable, answered 503 + Retry-After (store/guard.ts).
app.use(async (c, next) => {
  c.env = { ...c.env, KV: guardKv(c.env.KV) };
  await next();
});

app.get("/healthz", (c) => c.json({ ok: true }));
app.route("/api/articles", articleRoutes);
app.route("/feeds", feedRoutes);
app.route("/", tagRoutes);
app.route("/", pageRoutes);

app.notFound((c) => c.json(errorBody(404, "not_found", "no such route"), 404));
app.onError(handleError);
