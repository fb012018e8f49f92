/**
 * Per-client rate limits on the write routes, through the Workers rate-limiting binding
 * (wrangler.jsonc `ratelimits`; Miniflare simulates it under `wrangler dev` and the test pool).
 *
 * - The key is the client's IP as Cloudflare's edge states it (`CF-Connecting-IP`, which a client
 *   cannot set: the edge overwrites it), else "unknown" — every client without one shares a bucket.
 * - It runs before the body is read and before auth: a flood costs one binding call per request,
 *   and bad tokens count too (no free guessing).
 * - Over the limit: `429` with `Retry-After` (the binding's period, the most a fixed window can
 *   still last) and the usual JSON error body.
 * - No binding configured (unit tests, older configs): no limiting. A binding that fails lets
 *   the request through (logged): an outage of the limiter must not stop publishing.
 *
 * The binding is eventually consistent and per Cloudflare location, so limits are approximate:
 * a guard against floods, not an accounting tool.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "./errors";

export interface RateLimitOptions {
  /** The binding to count with; undefined (not configured) means no limiting. */
  limiter: (env: Env) => RateLimit | undefined;
  /** The binding's `simple.period` in seconds (10 or 60): what `Retry-After` says. */
  periodSeconds: number;
}

export function rateLimit(options: RateLimitOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const limiter = options.limiter(c.env);
    if (limiter) {
      const key = c.req.header("cf-connecting-ip") || "unknown";
      let allowed = true;
      try {
        allowed = (await limiter.limit({ key })).success;
      } catch (error) {
        console.error("rate limiter unavailable; request let through", error instanceof Error ? error.message : String(error));
      }
      if (!allowed) {
        const seconds = String(options.periodSeconds);
        throw new ApiError(429, "rate_limited", `too many write requests from this client; retry after ${seconds} seconds`, undefined, {
          "Retry-After": seconds,
        });
      }
    }
    await next();
  };
}

/** The write routes' limit (wrangler.jsonc: WRITE_LIMITER, 120 requests a minute per client IP). */
export const writeRateLimit = rateLimit({ limiter: (env) => env.WRITE_LIMITER, periodSeconds: 60 });
