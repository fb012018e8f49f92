import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../src/app";
import { call, fixtures, makeArticle, signedHeaders, submit } from "./helpers";

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

describe("WebSub publishing", () => {
  it("pings every hub with the changed feeds after a webhook article, retrying a hub that failed", async () => {
    const run = `ping-${crypto.randomUUID().slice(0, 8)}`;
    // upstream.example/hub/{status} is the test's hub (test/fixtures/upstream/mock-upstream.mjs).
    const hubs = `https://upstream.example/hub/204?run=${run} https://upstream.example/hub/503?run=${run}`;
    const article = makeArticle({ tags: [{ type: "topic", name: run }] });
    const body = JSON.stringify(article);
    const ctx = createExecutionContext();
    const response = await app.fetch(
      new Request("http://tagfeed.test/api/articles", { method: "POST", headers: await signedHeaders(body), body }),
      { ...env, WEBSUB_HUBS: hubs },
      ctx,
    );
    expect(response.status).toBe(201);
    await waitOnExecutionContext(ctx);
    const log = (await (await fetch(`https://upstream.example/__log?match=${run}`)).json()) as { url: string; method: string; headers: Record<string, string>; body?: string }[];
    const ok = log.filter((entry) => entry.url.includes("/hub/204"));
    const failing = log.filter((entry) => entry.url.includes("/hub/503"));
    expect(ok).toHaveLength(1);
    expect(failing).toHaveLength(3); // tried three times, then given up
    const form = new URLSearchParams(ok[0]!.body);
    expect(ok[0]!.method).toBe("POST");
    expect(ok[0]!.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(form.get("hub.mode")).toBe("publish");
    expect(form.getAll("hub.url")).toEqual(expect.arrayContaining([`http://tagfeed.test/feeds/topic/${run}.atom`, "http://tagfeed.test/feeds/all.rss"]));
  }, 30_000);
});

