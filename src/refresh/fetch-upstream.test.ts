/** fetchUpstream (fetch-upstream.ts) against a fake fetch: validators, redirects, limits, timeouts, failures. */
import { describe, expect, it } from "vitest";
import { type FetchUpstreamOptions, fetchUpstream } from "./fetch-upstream";

type Handler = (request: Request) => Response | Promise<Response>;

function options(handler: Handler, overrides: Partial<FetchUpstreamOptions> = {}) {
  const seen: Request[] = [];
  const opts: FetchUpstreamOptions = {
    fetch: async (request) => {
      seen.push(request);
      return handler(request);
    },
    allowPrivate: false,
    userAgent: "tagfeed/0.1 (test)",
    nowMs: Date.UTC(2024, 4, 1),
    timeoutMs: 1000,
    maxBytes: 1024,
    maxRedirects: 5,
    ...overrides,
  };
  return { opts, seen };
}

const redirect = (status: number, location: string) => new Response(null, { status, headers: { location } });

describe("fetchUpstream", () => {
  it("sends a polite User-Agent, feed Accept and the stored validators", async () => {
    const { opts, seen } = options(() => new Response(null, { status: 304 }), { etag: '"v1"', lastModified: "Wed, 01 May 2024 00:00:00 GMT" });
    const result = await fetchUpstream("https://feeds.example/rss", opts);
    expect(result).toMatchObject({ kind: "not_modified", status: 304, requests: 1 });
    const headers = seen[0]?.headers;
    expect(headers?.get("user-agent")).toBe("tagfeed/0.1 (test)");
    expect(headers?.get("accept")).toContain("application/rss+xml");
    expect(headers?.get("if-none-match")).toBe('"v1"');
    expect(headers?.get("if-modified-since")).toBe("Wed, 01 May 2024 00:00:00 GMT");
    expect(seen[0]?.redirect).toBe("manual");
  });

  it("returns the body and its validators", async () => {
    const { opts } = options(() => new Response("<rss/>", { headers: { etag: 'W/"abc"', "last-modified": "Tue, 30 Apr 2024 10:00:00 GMT", "content-type": "application/rss+xml; charset=windows-1251" } }));
    const result = await fetchUpstream("https://feeds.example/rss", opts);
    expect(result.kind).toBe("fetched");
    if (result.kind !== "fetched") return;
    expect(new TextDecoder().decode(result.body)).toBe("<rss/>");
    expect(result).toMatchObject({ etag: 'W/"abc"', lastModified: "Tue, 30 Apr 2024 10:00:00 GMT", contentType: "application/rss+xml; charset=windows-1251" });
  });

  it("takes Content-Location as the base URI of the body (RFC 3986 §5.1.2), else the URL fetched", async () => {
    const relative = await fetchUpstream("https://feeds.example/rss", options(() => new Response("<rss/>", { headers: { "content-location": "/blog/feed.xml" } })).opts);
    expect(relative).toMatchObject({ kind: "fetched", finalUrl: "https://feeds.example/rss", baseUrl: "https://feeds.example/blog/feed.xml" });
    const none = await fetchUpstream("https://feeds.example/rss", options(() => new Response("<rss/>")).opts);
    expect(none).toMatchObject({ kind: "fetched", baseUrl: "https://feeds.example/rss" });
    const notHttp = await fetchUpstream("https://feeds.example/rss", options(() => new Response("<rss/>", { headers: { "content-location": "javascript:alert(1)" } })).opts);
    expect(notHttp).toMatchObject({ kind: "fetched", baseUrl: "https://feeds.example/rss" });
  });

  it("follows redirects, reporting movedTo only for an all-permanent chain", async () => {
    const permanent = options((r) => (r.url.endsWith("/old") ? redirect(301, "/mid") : r.url.endsWith("/mid") ? redirect(308, "https://new.example/rss") : new Response("<rss/>")));
    const moved = await fetchUpstream("https://feeds.example/old", permanent.opts);
    expect(moved).toMatchObject({ kind: "fetched", finalUrl: "https://new.example/rss", movedTo: "https://new.example/rss", requests: 3 });

    const mixed = options((r) => (r.url.endsWith("/old") ? redirect(301, "/tmp") : r.url.endsWith("/tmp") ? redirect(302, "/final") : new Response("<rss/>")));
    const notMoved = await fetchUpstream("https://feeds.example/old", mixed.opts);
    expect(notMoved).toMatchObject({ kind: "fetched", finalUrl: "https://feeds.example/final" });
    expect(notMoved).not.toHaveProperty("movedTo");
  });

  it("refuses a redirect to a private address, a loop, too many hops and a missing Location", async () => {
    const ssrf = await fetchUpstream("https://feeds.example/rss", options(() => redirect(302, "http://169.254.169.254/latest/meta-data/")).opts);
    expect(ssrf).toMatchObject({ kind: "failed", status: "blocked_url", requests: 1 });

    const loop = await fetchUpstream("https://feeds.example/a", options((r) => redirect(302, r.url.endsWith("/a") ? "/b" : "/a")).opts);
    expect(loop).toMatchObject({ kind: "failed", status: "redirect_loop", requests: 2 });

    let n = 0;
    const endless = options(() => redirect(302, `/next-${n++}`));
    const many = await fetchUpstream("https://feeds.example/start", endless.opts);
    expect(many).toMatchObject({ kind: "failed", status: "too_many_redirects", requests: 6 });

    const noLocation = await fetchUpstream("https://feeds.example/rss", options(() => new Response(null, { status: 301 })).opts);
    expect(noLocation).toMatchObject({ kind: "failed", status: "bad_redirect" });
  });

  it("refuses a private start URL before any request", async () => {
    const { opts, seen } = options(() => new Response("<rss/>"));
    expect(await fetchUpstream("http://127.1/rss", opts)).toMatchObject({ kind: "failed", status: "blocked_url", requests: 0 });
    expect(seen).toHaveLength(0);
  });

  it("stops at the size limit, by Content-Length and while streaming", async () => {
    const declared = await fetchUpstream("https://feeds.example/rss", options(() => new Response("x", { headers: { "content-length": "999999" } })).opts);
    expect(declared).toMatchObject({ kind: "failed", status: "too_large" });

    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(256));
      },
    });
    const streamed = await fetchUpstream("https://feeds.example/rss", options(() => new Response(endless)).opts);
    expect(streamed).toMatchObject({ kind: "failed", status: "too_large" });
    expect(pulled).toBeLessThan(10);
  });

  it("times out on a server that never answers, and on a body that never ends", async () => {
    const silent = await fetchUpstream("https://feeds.example/rss", options(() => new Promise<Response>(() => undefined), { timeoutMs: 100 }).opts);
    expect(silent).toMatchObject({ kind: "failed", status: "timeout" });

    const trickle = new ReadableStream<Uint8Array>({ start(controller) { controller.enqueue(new Uint8Array(1)); } });
    const slow = await fetchUpstream("https://feeds.example/rss", options(() => new Response(trickle), { timeoutMs: 100 }).opts);
    expect(slow).toMatchObject({ kind: "failed", status: "timeout" });
  });

  it("reports HTTP failures with their status and Retry-After", async () => {
    const now = Date.UTC(2024, 4, 1);
    const limited = await fetchUpstream("https://feeds.example/rss", options(() => new Response("slow down", { status: 429, headers: { "retry-after": "3600" } }), { nowMs: now }).opts);
    expect(limited).toMatchObject({ kind: "failed", status: 429, retryAtMs: now + 3600_000 });
    const broken = await fetchUpstream("https://feeds.example/rss", options(() => new Response("oops", { status: 500 })).opts);
    expect(broken).toMatchObject({ kind: "failed", status: 500 });
    expect(broken).not.toHaveProperty("retryAtMs");
  });

  it("reports a connection failure as network, never throwing", async () => {
    const result = await fetchUpstream("https://feeds.example/rss", options(() => Promise.reject(new TypeError("connect ECONNREFUSED"))).opts);
    expect(result).toMatchObject({ kind: "failed", status: "network" });
    if (result.kind === "failed") expect(result.message).toContain("ECONNREFUSED");
  });
});
