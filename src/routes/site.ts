/** The public origin of this deployment: PUBLIC_ORIGIN when set, else the request's own. */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { type SiteUrls, siteUrls } from "../feeds/urls";

export function siteOrigin(c: Context<AppEnv>): string {
  return c.env.PUBLIC_ORIGIN || new URL(c.req.url).origin;
}

/** WEBSUB_HUBS: space-separated absolute http(s) URLs; anything else in it is ignored. */
export function websubHubs(c: Context<AppEnv>): string[] {
  return (c.env.WEBSUB_HUBS ?? "").split(/\s+/).filter((url) => /^https?:\/\/[^\s"<>]+$/.test(url));
}

export const urlsFor = (c: Context<AppEnv>): SiteUrls => siteUrls(siteOrigin(c), websubHubs(c));
