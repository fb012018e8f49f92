import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../src/app";
import { fixtures, makeArticle, signedHeaders, submit } from "./helpers";

const HUBS = "https://hub.example/ https://pubsubhubbub.appspot.com/";

async function withHubs(path: string) {
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(`http://tagfeed.test${path}`), { ...env, WEBSUB_HUBS: HUBS }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

describe("WebSub discovery", () => {
  it("advertises rel=hub (the own hub first) and rel=self in Link headers, RSS and Atom atom:link, and JSON Feed hubs", async () => {
    await submit(fixtures.seed());
    const rss = await withHubs("/feeds/city/almaty.rss");
    expect(rss.headers.get("link")).toBe(
      '<http://tagfeed.test/hub>; rel="hub", <https://hub.example/>; rel="hub", <https://pubsubhubbub.appspot.com/>; rel="hub", <http://tagfeed.test/feeds/city/almaty.rss>; rel="self"',
    );
    const rssText = await rss.text();
    expect(rssText).toContain('<atom:link rel="hub" href="http://tagfeed.test/hub"/>\n<atom:link rel="hub" href="https://hub.example/"/>');
    expect(rssText).toContain('<atom:link rel="self" type="application/rss+xml" href="http://tagfeed.test/feeds/city/almaty.rss"/>');
    // A combination: only the own hub, which knows its subscribers (external hubs are never pinged for it).
    const atom = await (await withHubs("/feeds/city/almaty+party/amanat.atom")).text();
    expect(atom).toContain('<link rel="hub" href="http://tagfeed.test/hub"/>');
    expect(atom).not.toContain("pubsubhubbub");
    const json = (await (await withHubs("/feeds/all.json")).json()) as { hubs: unknown };
    expect(json.hubs).toEqual([
      { type: "WebSub", url: "http://tagfeed.test/hub" },
      { type: "WebSub", url: "https://hub.example/" },
      { type: "WebSub", url: "https://pubsubhubbub.appspot.com/" },
    ]);
    // A paged view is no topic: no hub.
    const paged = await withHubs("/feeds/city/almaty.rss?limit=10");
    expect(paged.headers.get("link")).toBeNull();
    expect(await paged.text()).not.toContain('rel="hub"');
    // Without hubs and with the own hub off: nothing advertised.
    const ctx = createExecutionContext();
    const plain = await app.fetch(new Request("http://tagfeed.test/feeds/city/almaty.rss"), { ...env, WEBSUB_SELF_HUB: "false" }, ctx);
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
    // The writers told the hub object, which pings in its run (its alarm; here run at once).
    await env.WEBSUB_HUB.getByName("hub").run(Date.now());
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

  it("pings for the feeds an updated article left as well as those it joined", async () => {
    const run = `left-${crypto.randomUUID().slice(0, 8)}`;
    const hubs = `https://upstream.example/hub/204?run=${run}`;
    const article = makeArticle({ tags: [{ type: "topic", name: `${run}-old` }] });
    const send = async (payload: unknown) => {
      const body = JSON.stringify(payload);
      const ctx = createExecutionContext();
      const response = await app.fetch(new Request("http://tagfeed.test/api/articles", { method: "POST", headers: await signedHeaders(body), body }), { ...env, WEBSUB_HUBS: hubs }, ctx);
      await waitOnExecutionContext(ctx);
      await env.WEBSUB_HUB.getByName("hub").run(Date.now());
      return response.status;
    };
    expect(await send(article)).toBe(201);
    expect(await send({ ...article, content_html: "<p>retagged</p>", tags: [{ type: "topic", name: `${run}-new` }] })).toBe(201);
    const log = (await (await fetch(`https://upstream.example/__log?match=${run}`)).json()) as { body?: string }[];
    const last = new URLSearchParams(log.at(-1)!.body).getAll("hub.url");
    expect(last).toEqual(expect.arrayContaining([`http://tagfeed.test/feeds/topic/${run}-old.rss`, `http://tagfeed.test/feeds/topic/${run}-new.json`]));
  });
});
