/**
 * The hub endpoint (W3C WebSub §5.1):
 *   POST /hub   form-encoded hub.mode=subscribe|unsubscribe, hub.topic, hub.callback,
 *               hub.lease_seconds?, hub.secret?  → 202: verification of intent follows (§5.3)
 * A topic is one of this site's feeds (tag, combination or `all`, any format, first page) under
 * its canonical URL; a callback obeys the rules sources do (refresh/url-safety.ts). Anything else
 * is a 400 naming the field.
 */
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { readBodyLimited } from "../http/body";
import { ApiError, invalidFields } from "../http/errors";
import { writeRateLimit } from "../http/rate-limit";
import { allowPrivateSources } from "../refresh/config";
import { selfHubEnabled, siteOrigin } from "../routes/site";
import { webSubHub } from "./deliver";
import { parseSubscriberRequest } from "./subscription";

/** A subscriber request is a few short fields: 16 KiB is ample. */
const FORM_MAX_BYTES = 16 * 1024;

export const hubRoutes = new Hono<AppEnv>();

hubRoutes.post("/", writeRateLimit, async (c) => {
  if (!selfHubEnabled(c.env)) throw new ApiError(404, "not_found", "this site runs no WebSub hub (WEBSUB_SELF_HUB=false)");
  const type = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") {
    throw new ApiError(415, "unsupported_media_type", "send the subscriber request as Content-Type: application/x-www-form-urlencoded (W3C WebSub §5.1)");
  }
  const body = await readBodyLimited(c.req.raw, FORM_MAX_BYTES);
  const form = new URLSearchParams(new TextDecoder().decode(body));
  const parsed = parseSubscriberRequest(form, { origin: siteOrigin(c), allowPrivate: allowPrivateSources(c.env) });
  if (!parsed.ok) throw invalidFields(parsed.error);
  const request = parsed.value;
  if (request.mode === "subscribe") {
    // The topic must exist under this very URL: read it as a reader would (HEAD, no body rendered twice).
    const { app } = await import("../app");
    const probe = await app.fetch(new Request(request.topic, { method: "HEAD" }), c.env, c.executionCtx);
    if (probe.status === 301) {
      throw invalidFields([{ path: "hub.topic", reason: `is not the feed's canonical URL: subscribe to ${probe.headers.get("location") ?? "the URL it redirects to"}` }]);
    }
    if (probe.status !== 200) throw invalidFields([{ path: "hub.topic", reason: `is not a feed of this site (it answers ${probe.status})` }]);
  }
  await webSubHub(c.env).request(request, Date.now());
  return c.json(
    {
      mode: request.mode,
      topic: request.topic,
      callback: request.callback,
      ...(request.mode === "subscribe" && { lease_seconds: request.leaseSeconds }),
      verification: "pending",
    },
    202,
  );
});
