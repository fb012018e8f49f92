/**
 * Tag listing routes: `GET /api/tags` (`?type=` filters) and `GET /opml`.
 */
import { Hono } from "hono";
import { TAG_TYPE_PATTERN } from "../domain/tag";
import type { AppEnv } from "../env";
import { loadDirectory } from "../feeds/directory";
import { renderOpml } from "../feeds/opml";
import { ApiError } from "../http/errors";
import { urlsFor } from "./site";

export const tagRoutes = new Hono<AppEnv>();

tagRoutes.get("/api/tags", async (c) => {
  const type = c.req.query("type");
  if (type !== undefined && !TAG_TYPE_PATTERN.test(type)) {
    throw new ApiError(400, "invalid_query", "type must be a tag type such as city", [{ path: "query:type", reason: "is not a tag type" }]);
  }
  const groups = await loadDirectory(c.env.KV, urlsFor(c), type);
  c.header("access-control-allow-origin", "*");
  c.header("cache-control", "public, max-age=60");
  return c.json({ tags: groups.flatMap((g) => g.tags) });
});

tagRoutes.get("/opml", async (c) => {
  const urls = urlsFor(c);
  const groups = await loadDirectory(c.env.KV, urls);
  return c.body(renderOpml(groups.map((g) => ({ label: g.label, tags: g.tags })), urls), 200, {
    "content-type": "text/x-opml; charset=utf-8",
    "access-control-allow-origin": "*",
    "cache-control": "public, max-age=60",
  });
});
