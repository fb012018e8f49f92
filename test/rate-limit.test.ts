/**
 * Per-client rate limits on the write routes (src/http/rate-limit.ts),
 * through Miniflare's simulation of the Workers rate-limiting binding. The suite's own
 * WRITE_LIMITER is set out of reach in vitest.config.ts; these tests swap in TEST_TIGHT_LIMITER
 * (3 requests a minute) as WRITE_LIMITER.
 *
 * The binding counts in fixed windows, so a window may turn over during a test: each test sends
 * up to twice the limit plus one request, which must meet a 429 whatever the timing.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../src/app";
import { BASE, adminHeaders, json, makeArticle, signedHeaders } from "./helpers";

const TIGHT_LIMIT = 3;
const tight = env.TEST_TIGHT_LIMITER;

async function fetchWith(bindings: Env, path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(`${BASE}${path}`, init), bindings, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const limited: Env = { ...env, WRITE_LIMITER: tight };

/** An unsigned junk POST from `ip`: refused by auth or media type, unless the limit answers first. */
const junkPost = (ip: string): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", "cf-connecting-ip": ip },
  body: "{}",
});

async function untilLimited(bindings: Env, path: string, init: () => RequestInit): Promise<{ response: Response; sent: number }> {
  for (let sent = 1; sent <= 2 * TIGHT_LIMIT + 1; sent++) {
    const response = await fetchWith(bindings, path, init());
    expect(response.status).toBeLessThan(500);
    if (response.status === 429) return { response, sent };
    await response.body?.cancel();
  }
  throw new Error(`no 429 after ${2 * TIGHT_LIMIT + 1} requests`);
}

describe("rate limits on the write routes", () => {
  it("have their binding in the test pool (wrangler.jsonc's WRITE_LIMITER, its limit raised in vitest.config.ts)", async () => {
    expect(env.WRITE_LIMITER).toBeDefined();
    expect(await env.WRITE_LIMITER?.limit({ key: "pool-check" })).toEqual({ success: true });
  });

  it("answer 429 with Retry-After and a JSON error once one IP exceeds the limit, while another IP still passes", async () => {
    const { response, sent } = await untilLimited(limited, "/api/articles", () => junkPost("203.0.113.7"));
    expect(sent).toBeGreaterThan(TIGHT_LIMIT);
    expect(response.headers.get("retry-after")).toBe("60");
    const body = await json(response);
    expect(body.error).toMatchObject({ status: 429, code: "rate_limited" });

    // Another client is not affected: a signed article from it is stored.
    const article = makeArticle();
    const text = JSON.stringify(article);
    const other = await fetchWith(limited, "/api/articles", {
      method: "POST",
      headers: { ...(await signedHeaders(text)), "cf-connecting-ip": "198.51.100.23" },
      body: text,
    });
    expect(other.status).toBe(201);

    // Reads are never limited, even for the limited client.
    const feed = await fetchWith(limited, "/feeds/all.json", { headers: { "cf-connecting-ip": "203.0.113.7" } });
    expect(feed.status).toBe(200);
  });

  it("counts before the body is read or auth is checked: a flood of unauthenticated requests is cut off too", async () => {
    const { response } = await untilLimited(limited, "/api/articles", () => ({
      ...junkPost("203.0.113.8"),
      headers: { "content-type": "text/plain", "cf-connecting-ip": "203.0.113.8" },
    }));
    expect(response.status).toBe(429);
  });

  it("limit DELETE /api/articles/{id} too, before the admin token is checked", async () => {
    const { response } = await untilLimited(limited, "/api/articles/no-such-article", () => ({
      method: "DELETE",
      headers: { ...adminHeaders(), authorization: "Bearer wrong-guess", "cf-connecting-ip": "203.0.113.9" },
    }));
    expect(response.status).toBe(429);
  });

  it("share one bucket among clients without CF-Connecting-IP", async () => {
    const { response } = await untilLimited(limited, "/api/articles", () => ({ method: "POST", headers: { "content-type": "text/plain" }, body: "x" }));
    expect(response.status).toBe(429);
  });

  it("do not limit when no binding is configured, or when the binding fails", async () => {
    const { WRITE_LIMITER: _none, ...unlimited } = env;
    const failing: Env = { ...env, WRITE_LIMITER: { limit: () => Promise.reject(new Error("limiter down")) } };
    // A deployment may drop the ratelimits binding from its config: the generated Env then lacks it.
    for (const bindings of [unlimited as unknown as Env, failing]) {
      for (let i = 0; i < 2 * TIGHT_LIMIT + 1; i++) {
        const response = await fetchWith(bindings, "/api/articles", junkPost("203.0.113.10"));
        expect(response.status).toBe(401);
        await response.body?.cancel();
      }
    }
  });
});
