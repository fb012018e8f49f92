/** The Worker's bindings and configuration (wrangler.jsonc `vars`, secrets from `.dev.vars` or `wrangler secret`). */
export interface Env {
  KV: KVNamespace;
  /** Standard Webhooks secret(s): `whsec_…`; several separated by spaces during a rotation. */
  WEBHOOK_SECRET?: string;
  /** Bearer token for admin routes. */
  ADMIN_TOKEN?: string;
  /** Origin used in feed self-links, e.g. https://feeds.example.com; the request's origin when empty. */
  PUBLIC_ORIGIN?: string;
  /** "true" lets sources point at loopback and private addresses (local testing only). */
  ALLOW_PRIVATE_SOURCES?: string;
  /** "true" counts KV operations per request into an `x-tagfeed-kv` header (benchmarks only; see store/guard.ts). */
  KV_COUNT?: string;
  /** Refresh job limits per cron tick (defaults and meaning: src/refresh/config.ts). */
  REFRESH_MAX_SOURCES?: string;
  REFRESH_SUBREQUESTS?: string;
  REFRESH_KV_OPS?: string;
  REFRESH_WALL_MS?: string;
  REFRESH_CONCURRENCY?: string;
  REFRESH_FETCH_TIMEOUT_MS?: string;
  REFRESH_MAX_BYTES?: string;
  /** Rate limit of the write routes per client IP (wrangler.jsonc `ratelimits`; src/http/rate-limit.ts). None when absent. */
  WRITE_LIMITER?: RateLimit;
}

export type AppEnv = { Bindings: Env };
