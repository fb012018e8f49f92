/**
 * Auth at the edge: resolves the configured secrets once per isolate and turns auth failures
 * into 401s that name the header to fix (and never echo a secret or a signature).
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../http/errors";
import { type AuthConfig, type AuthFailure, type Submitter, authenticateSubmission, checkBearer, importWebhookSecrets } from "../ingest/webhook-auth";

let cached: { raw: string | undefined; keys: CryptoKey[] } | undefined;

async function authConfig(env: Env): Promise<AuthConfig> {
  if (!cached || cached.raw !== env.WEBHOOK_SECRET) {
    const imported = await importWebhookSecrets(env.WEBHOOK_SECRET);
    if (!imported.ok) console.error(`configuration: ${imported.error}`);
    cached = { raw: env.WEBHOOK_SECRET, keys: imported.ok ? imported.value : [] };
  }
  return { webhookSecrets: cached.keys, adminToken: env.ADMIN_TOKEN || undefined };
}

const unauthorized = (failure: AuthFailure): ApiError =>
  new ApiError(401, `auth_${failure.reason}`, `${failure.header}: ${failure.message}`, [{ path: `header:${failure.header}`, reason: failure.message }], {
    "WWW-Authenticate": 'Bearer realm="tagfeed"',
  });

export async function authenticate(c: Context<AppEnv>, body: Uint8Array): Promise<Submitter> {
  const result = await authenticateSubmission(c.req.raw.headers, body, await authConfig(c.env), Math.floor(Date.now() / 1000));
  if (!result.ok) throw unauthorized(result.error);
  return result.value;
}

/** Admin routes: `Authorization: Bearer <ADMIN_TOKEN>` only. */
export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header("authorization");
  if (header === undefined) {
    throw unauthorized({ reason: "missing", header: "authorization", message: "this route needs Authorization: Bearer <ADMIN_TOKEN>" });
  }
  const result = await checkBearer(header, c.env.ADMIN_TOKEN || undefined);
  if (!result.ok) throw unauthorized(result.error);
  await next();
};
