/**
 * The console acts through the same admin API as curl does: its form actions, once the session
 * and CSRF token are checked, call the bearer-token routes in-process (no network hop), so every
 * validation, limit and error message is the API's own. The token never leaves the server.
 */
import { type Context, Hono } from "hono";
import type { AppEnv } from "../env";
import { handleError } from "../http/errors";
import { articleRoutes } from "../routes/articles";
import { sourceRoutes } from "../routes/sources";
import { taxonomyRoutes } from "../routes/taxonomy";

const api = new Hono<AppEnv>();
api.route("/api/articles", articleRoutes);
api.route("/api/sources", sourceRoutes);
api.route("/", taxonomyRoutes);
api.onError(handleError);

export interface ApiAnswer {
  status: number;
  /** The parsed JSON body, or the text when it is not JSON. */
  body: unknown;
  text: string;
}

/** The API's error message and field reasons as one line each, for a console page. */
export function apiErrors(answer: ApiAnswer): string[] {
  const error = (answer.body as { error?: { message?: string; fields?: { path: string; reason: string }[] } } | null)?.error;
  if (!error) return [`HTTP ${answer.status}`];
  return [error.message ?? `HTTP ${answer.status}`, ...(error.fields ?? []).map((f) => `${f.path || "body"}: ${f.reason}`)];
}

export async function callApi<E extends AppEnv>(
  c: Context<E>,
  method: string,
  path: string,
  body?: { json: unknown } | { text: string; type: string },
): Promise<ApiAnswer> {
  const headers = new Headers({ authorization: `Bearer ${c.env.ADMIN_TOKEN}` });
  // The API's write limit counts per client: the operator's address, as for their own curl.
  const ip = c.req.header("cf-connecting-ip");
  if (ip) headers.set("cf-connecting-ip", ip);
  let payload: string | undefined;
  if (body && "json" in body) {
    headers.set("content-type", "application/json");
    payload = JSON.stringify(body.json);
  } else if (body) {
    headers.set("content-type", body.type);
    payload = body.text;
  }
  const request = new Request(new URL(path, c.req.url), { method, headers, ...(payload !== undefined && { body: payload }) });
  let ctx: Parameters<typeof api.fetch>[2];
  try {
    ctx = c.executionCtx;
  } catch {
    ctx = undefined;
  }
  const response = await api.fetch(request, c.env, ctx);
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (OPML export): the text is the body
  }
  return { status: response.status, body: parsed, text };
}
