/**
 * Tag listing routes: `GET /api/tags` (`?type=` filters) and `GET /opml`.
 */
import { Hono } from "hono";
import { TAG_TYPE_PATTERN } from "../domain/tag";
import type { AppEnv } from "../env";
import { renderDirectory } from "../feeds/directory";
import { renderOpml } from "../feeds/opml";
import { ApiError } from "../http/errors";
import { urlsFor } from "./site";

export const tagRoutes = new Hono<AppEnv>();

tagRoutes.get("/api/tags", async (c) => {
  const type = c.req.query("type");
  if (type !== undefined && !TAG_TYPE_PATTERN.test(type)) {
    throw new ApiError(400, "invalid_query", "type must be a tag type such as city", [{ path: "query:type", reason: "is not a tag type" }]);
  }
  const body = await renderDirectory(c.env.KV, urlsFor(c), "api", (groups) => JSON.stringify({ tags: groups.flatMap((g) => g.tags) }), type);
  return c.body(body, 200, {
    "content-type": "application/json; charset=utf-8",
    "access-control-allow-origin": "*",
    "cache-control": "public, max-age=60",
  });
});

tagRoutes.get("/opml", async (c) => {
  const urls = urlsFor(c);
  const body = await renderDirectory(c.env.KV, urls, "opml", (groups) => renderOpml(groups.map((g) => ({ label: g.label, tags: g.tags })), urls));
  return c.body(body, 200, {
    "content-type": "text/x-opml; charset=utf-8",
    "access-control-allow-origin": "*",
    "cache-control": "public, max-age=60",
  });
});
