import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../src/app";
import { call, fixtures, submit } from "./helpers";

const HUBS = "https://hub.example/ https://pubsubhubbub.appspot.com/";

async function withHubs(path: string) {
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(`http://tagfeed.test${path}`), { ...env, WEBSUB_HUBS: HUBS }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

describe("WebSub discovery", () => {
  it("advertises rel=hub and rel=self in Link headers, RSS and Atom atom:link, and JSON Feed hubs when hubs are configured", async () => {
    await submit(fixtures.seed());
    const rss = await withHubs("/feeds/city/almaty.rss?limit=10");
    expect(rss.headers.get("link")).toBe(
      '<https://hub.example/>; rel="hub", <https://pubsubhubbub.appspot.com/>; rel="hub", <http://tagfeed.test/feeds/city/almaty.rss?limit=10>; rel="self"',
    );
    const rssText = await rss.text();
    expect(rssText).toContain('<atom:link rel="hub" href="https://hub.example/"/>');
    expect(rssText).toContain('<atom:link rel="self" type="application/rss+xml" href="http://tagfeed.test/feeds/city/almaty.rss?limit=10"/>');
    const atom = await (await withHubs("/feeds/city/almaty+party/amanat.atom")).text();
    expect(atom).toContain('<link rel="hub" href="https://pubsubhubbub.appspot.com/"/>');
    const json = (await (await withHubs("/feeds/all.json")).json()) as { hubs: unknown };
    expect(json.hubs).toEqual([
      { type: "WebSub", url: "https://hub.example/" },
      { type: "WebSub", url: "https://pubsubhubbub.appspot.com/" },
    ]);
    // Without hubs: nothing advertised.
    const plain = await call("/feeds/city/almaty.rss");
    expect(plain.headers.get("link")).toBeNull();
    expect(await plain.text()).not.toContain('rel="hub"');
  });
});
