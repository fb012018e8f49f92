/** The public origin of this deployment: PUBLIC_ORIGIN when set, else the request's own. */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { type SiteUrls, siteUrls } from "../feeds/urls";
import { hubList } from "../feeds/websub";
import type { ChangeSite } from "../hub/hub-object";

export function siteOrigin(c: Context<AppEnv>): string {
  return c.env.PUBLIC_ORIGIN || new URL(c.req.url).origin;
}

/** WEBSUB_HUBS: space-separated absolute http(s) URLs; anything else in it is ignored. */
export function websubHubs(c: Context<AppEnv>): string[] {
  return hubList(c.env.WEBSUB_HUBS ?? "");
}

/** tagfeed's own hub (POST /hub) runs unless WEBSUB_SELF_HUB is "false". */
export const selfHubEnabled = (env: Pick<Env, "WEBSUB_SELF_HUB">): boolean => env.WEBSUB_SELF_HUB?.trim().toLowerCase() !== "false";

export const urlsFor = (c: Context<AppEnv>): SiteUrls => siteUrls(siteOrigin(c), websubHubs(c));

/**
 * The URLs a feed is served with, and the hubs it advertises (W3C WebSub §4): our own hub first,
 * then WEBSUB_HUBS. A combination advertises only ours (the external hubs are pinged for the tag
 * and `all` feeds a change bumps; which combinations exist only our hub knows, from its
 * subscriptions); a `?limit`/`?after` view advertises none: it is not a topic anyone is notified of.
 */
export function feedUrlsFor(c: Context<AppEnv>, view: { combination: boolean; paged: boolean }): SiteUrls {
  const origin = siteOrigin(c);
  const own = selfHubEnabled(c.env) ? [`${origin.replace(/\/+$/, "")}/hub`] : [];
  const hubs = view.paged ? [] : view.combination ? own : [...own, ...websubHubs(c)];
  return siteUrls(origin, hubs);
}

/** The site a request's writes are announced for (WebSub pings): its origin and external hubs. */
export const changeSite = (c: Context<AppEnv>): ChangeSite => ({ origin: siteOrigin(c), hubs: websubHubs(c) });
