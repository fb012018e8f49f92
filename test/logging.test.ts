/**
 * No secret or signature reaches the logs (docs/SECURITY.md): every console call the Worker makes
 * while it handles good and bad credentials, a misconfigured secret, KV faults and a failing rate
 * limiter is captured, and none may contain the webhook secret, the admin token, a signature or a
 * bearer token a client sent.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { app } from "../src/app";
import { BASE, json, makeArticle, signedHeaders } from "./helpers";

const CANARY_TOKEN = "canary-bearer-7f3a9c";
const CANARY_SECRET = "whsec_Y2FuYXJ5LXNlY3JldC0xMjM0NTY3ODkw"; // valid base64, 26 bytes
const CANARY_BAD_SECRET = "whsec_not*base64*canary-4d2e";

function captureLogs(): () => string {
  const calls: unknown[][] = [];
  for (const level of ["log", "error", "warn", "info", "debug"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      calls.push(args);
    });
  }
  const render = (value: unknown): string => {
    if (value instanceof Error) return `${value.name}: ${value.message}\n${value.stack ?? ""}\n${render(value.cause)}`;
    try {
      return typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
    } catch {
      return String(value);
    }
  };
  return () => calls.map((args) => args.map(render).join(" ")).join("\n");
}

async function fetchWith(bindings: Env, path: string, init: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(`${BASE}${path}`, init), bindings, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const failingKv = (): KVNamespace =>
  new Proxy(env.KV, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== "function") return value;
      return () => Promise.reject(new Error("KV failed: injected fault"));
    },
  });

afterEach(() => vi.restoreAllMocks());

describe("logs", () => {
  it("never contain a secret, a token or a signature, whatever the request did", async () => {
    const logs = captureLogs();
    const body = JSON.stringify(makeArticle());
    const signed = await signedHeaders(body);
    const forged = { ...signed, "webhook-signature": "v1,Y2FuYXJ5LXNpZ25hdHVyZQ==" };
    const stale = await signedHeaders(body, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    const statuses: number[] = [];
    const run = async (bindings: Env, path: string, init: RequestInit) => {
      const response = await fetchWith(bindings, path, init);
      statuses.push(response.status);
      await response.body?.cancel();
    };

    await run(env, "/api/articles", { method: "POST", headers: signed, body });
    await run(env, "/api/articles", { method: "POST", headers: forged, body });
    await run(env, "/api/articles", { method: "POST", headers: stale, body });
    await run(env, "/api/articles", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${CANARY_TOKEN}` }, body });
    await run(env, "/api/articles/x", { method: "DELETE", headers: { authorization: `Bearer ${CANARY_TOKEN}` } });
    // Misconfigured secrets are reported by what is wrong, never by value.
    await run({ ...env, WEBHOOK_SECRET: CANARY_BAD_SECRET }, "/api/articles", { method: "POST", headers: signed, body });
    await run({ ...env, WEBHOOK_SECRET: CANARY_SECRET }, "/api/articles", { method: "POST", headers: signed, body });
    // Faults are logged (with their cause), still without credentials.
    await run({ ...env, KV: failingKv() }, "/api/articles", { method: "POST", headers: await signedHeaders(body), body });
    await run({ ...env, WRITE_LIMITER: { limit: () => Promise.reject(new Error("limiter down")) } }, "/api/articles", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${CANARY_TOKEN}` },
      body,
    });

    expect(statuses).toEqual([201, 401, 401, 401, 401, 401, 401, 503, 401]);
    const text = logs();
    // The fault paths did log something: the capture works.
    expect(text).toContain("storage unavailable");
    expect(text).toContain("configuration:");
    const secrets = [
      env.WEBHOOK_SECRET ?? "",
      (env.WEBHOOK_SECRET ?? "").replace(/^whsec_/, ""),
      env.ADMIN_TOKEN ?? "",
      CANARY_TOKEN,
      CANARY_SECRET,
      CANARY_SECRET.replace(/^whsec_/, ""),
      CANARY_BAD_SECRET,
      signed["webhook-signature"] ?? "",
      (signed["webhook-signature"] ?? "").slice(3),
      "Y2FuYXJ5LXNpZ25hdHVyZQ==",
      stale["webhook-signature"] ?? "",
    ].filter((s) => s.length >= 8);
    for (const secret of secrets) expect(text, "a secret reached the logs").not.toContain(secret);
  });

  it("answers a 401 that names the header without echoing the credential sent", async () => {
    const response = await fetchWith(env, "/api/articles", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${CANARY_TOKEN}` },
      body: "{}",
    });
    expect(response.status).toBe(401);
    const text = JSON.stringify(await json(response)) + JSON.stringify([...response.headers]);
    expect(text).toContain("authorization");
    expect(text).not.toContain(CANARY_TOKEN);
  });
});
