/**
 * CORS (Fetch standard, "CORS protocol"). The feeds and the public read API are for anyone,
 * browser-based readers on other origins included: their preflight is granted for GET and HEAD
 * with the conditional request headers, and `ETag`, `Last-Modified` and `Link` are exposed to
 * scripts, so a reader can poll with If-None-Match. Admin and write routes grant nothing: no
 * `Access-Control-Allow-Origin` on them, and their preflight is refused, so no page on another
 * origin can make a browser send an authenticated write.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { errorBody } from "./errors";

const PUBLIC_READ = /^\/(feeds\/|feed\.xsl$|api\/articles\/[^/]+$|api\/tags(\/|$)|api\/taxonomy(\/entries\/[^/]+\/[^/]+)?$)/;
const READ_METHODS = new Set(["GET", "HEAD"]);
const ALLOWED_HEADERS = ["if-none-match", "if-modified-since"];
export const EXPOSED_HEADERS = "ETag, Last-Modified, Link";

export const cors: MiddlewareHandler<AppEnv> = async (c, next) => {
  const path = new URL(c.req.url).pathname;
  if (c.req.method === "OPTIONS" && c.req.header("access-control-request-method") !== undefined) {
    const method = (c.req.header("access-control-request-method") ?? "").toUpperCase();
    const asked = (c.req.header("access-control-request-headers") ?? "").split(",").map((h) => h.trim().toLowerCase()).filter(Boolean);
    if (PUBLIC_READ.test(path) && READ_METHODS.has(method) && asked.every((h) => ALLOWED_HEADERS.includes(h))) {
      return c.body(null, 204, {
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "GET, HEAD",
        "access-control-allow-headers": "If-None-Match, If-Modified-Since",
        "access-control-max-age": "86400",
        vary: "Origin",
      });
    }
    return c.json(errorBody(403, "cors_refused", "cross-origin requests may only read (GET, HEAD) the feeds and the public API"), 403);
  }
  await next();
  if (READ_METHODS.has(c.req.method) && PUBLIC_READ.test(path)) {
    c.res.headers.set("access-control-allow-origin", "*");
    c.res.headers.set("access-control-expose-headers", EXPOSED_HEADERS);
  } else {
    c.res.headers.delete("access-control-allow-origin");
  }
};
