/**
 * Tag listing routes: `GET /api/tags` (`?type=` filters; `limit` and `offset` page) and `GET /opml`.
 * Both answer from the directory's rendering cache (feeds/directory.ts) with an ETag computed once
 * per rendering, and `304` to a matching `If-None-Match`.
 */
import { type Context, Hono } from "hono";
import { TAG_TYPE_PATTERN } from "../domain/tag";
import type { AppEnv } from "../env";
import { DIRECTORY_FULL_LIMIT, type RenderedDirectory, renderDirectory } from "../feeds/directory";
import { renderOpml } from "../feeds/opml";
import { httpDate, isNotModified } from "../http/conditional";
import { ApiError } from "../http/errors";
import { refuseUnknownQuery } from "./feeds";
import { urlsFor } from "./site";

export const tagRoutes = new Hono<AppEnv>();

/** Directory answers change when tags appear or their dates are rebuilt; a minute of caching costs little. */
const DIRECTORY_CACHE_CONTROL = "public, max-age=60";

/** A cached directory rendering as the answer: `304` when the reader has it (RFC 9110 §13.1.2), else the body. */
export function answerDirectory(c: Context<AppEnv>, rendered: RenderedDirectory, headers: Record<string, string>): Response {
  const validators = { etag: rendered.etag, "last-modified": httpDate(rendered.lastModified), "cache-control": DIRECTORY_CACHE_CONTROL };
  if (rendered.status !== 200) return c.body(rendered.body, rendered.status, headers);
  if (isNotModified(c.req.raw.headers, rendered.etag, rendered.lastModified)) return c.body(null, 304, { ...headers, ...validators });
  return c.body(rendered.body, 200, { ...headers, ...validators });
}

const API_QUERY = new Set(["type", "limit", "offset"]);

/** `/api/tags` paging: `limit` 1..DIRECTORY_FULL_LIMIT (default, and larger is clamped), `offset` from 0. */
function apiQuery(c: Context<AppEnv>): { type: string | undefined; limit: number; offset: number } {
  refuseUnknownQuery(c, API_QUERY, "/api/tags");
  const type = c.req.query("type");
  if (type !== undefined && !TAG_TYPE_PATTERN.test(type)) {
    throw new ApiError(400, "invalid_query", "type must be a tag type such as city", [{ path: "query:type", reason: "is not a tag type" }]);
  }
  const whole = (name: string, min: number, fallback: number): number => {
    const raw = c.req.query(name);
    if (raw === undefined) return fallback;
    if (!/^\d{1,7}$/.test(raw) || Number(raw) < min) {
      throw new ApiError(400, "invalid_query", `${name} must be a whole number from ${min}`, [{ path: `query:${name}`, reason: `must be a whole number from ${min}` }]);
    }
    return Number(raw);
  };
  return { type, limit: Math.min(whole("limit", 1, DIRECTORY_FULL_LIMIT), DIRECTORY_FULL_LIMIT), offset: whole("offset", 0, 0) };
}

tagRoutes.get("/api/tags", async (c) => {
  const { type, limit, offset } = apiQuery(c);
  const urls = urlsFor(c);
  const rendered = await renderDirectory(c.env.KV, urls, `api\n${type ?? ""}\n${limit}\n${offset}`, (view) => {
    const total = type === undefined ? view.total : (view.types.find((t) => t.type === type)?.count ?? 0);
    const next = offset + limit < total ? `${urls.origin}/api/tags?${new URLSearchParams({ ...(type !== undefined && { type }), ...(limit !== DIRECTORY_FULL_LIMIT && { limit: String(limit) }), offset: String(offset + limit) })}` : undefined;
    return JSON.stringify({ tags: view.slice(type, offset, limit), total, ...(next !== undefined && { next }) });
  });
  return answerDirectory(c, rendered, { "content-type": "application/json; charset=utf-8", "access-control-allow-origin": "*" });
});

tagRoutes.get("/opml", async (c) => {
  const urls = urlsFor(c);
  const rendered = await renderDirectory(c.env.KV, urls, "opml", (view) => renderOpml(view.groups().map((g) => ({ label: g.label, tags: g.tags })), urls));
  return answerDirectory(c, rendered, { "content-type": "text/x-opml; charset=utf-8", "access-control-allow-origin": "*" });
});
