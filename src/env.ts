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
}

export type AppEnv = { Bindings: Env };
