/**
 * Scanners and path junk (query parameters and path segments of any content):
 * every public and admin route, under GET, HEAD, DELETE and POST, with traversal, NUL, huge
 * segments, percent-encoded garbage (invalid escapes, overlong UTF-8, encoded surrogates) and odd
 * query strings. The answer is always a clear 2xx, 3xx or 4xx — never a 5xx — and a 4xx carries
 * an error body (JSON on the API and feeds, an HTML page on the pages).
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../src/app";
import { BASE, adminHeaders, makeArticle, submit } from "./helpers";

/**
 * The app's own fetch, as src/index.ts serves it. Thousands of requests go through here, and the
 * pool's `exports.default.fetch` (helpers' `call`) gets slower with every request it has served.
 */
async function call(path: string, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(`${BASE}${path}`, init), env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const HUGE = "a".repeat(10_000);
const HUGE_QUERY = `q=${"x".repeat(100 * 1024)}`;

/** Segments a scanner or a broken client sends. */
const JUNK_SEGMENTS = [
  "..", "%2e%2e", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%2f..%2fetc%2fpasswd", "%00", "x%00.rss", "%ZZ", "%", "%C0%AF",
  "%ED%A0%80", "%FF%FE", "%E2%82", "%F4%90%80%80", HUGE, `${HUGE}.rss`, "%20", "%0d%0aSet-Cookie:x=1", "<script>",
  "%3Cscript%3E", "'%20OR%201=1--", "${jndi:ldap:x}", "..%5c..%5cwindows", "%u002e", "%25", "%252e%252e", "a;b=c",
  "all.rss%00.json", "CON", "~root", ".env", "Алматы", "%D0%90%D0%BB%D0%BC%D0%B0%D1%82%D1%8B", "\u202e", "x.RSS", "x.",
];

/** Every route family, with `{}` where a junk segment goes. */
const ROUTE_TEMPLATES = [
  "/{}", "/tags/{}", "/tags/{}/x", "/tags/city/{}", "/articles/{}", "/feeds/{}", "/feeds/{}.rss", "/feeds/city/{}",
  "/feeds/{}/almaty.rss", "/feeds/city/{}.atom", "/feeds/city/almaty.{}", "/api/articles/{}", "/api/tags/{}", "/api/{}",
  "/opml/{}", "/feed.xsl/{}", "/healthz/{}", "/api/taxonomy/entries/{}/{}", "/api/taxonomy/types/{}", "/api/sources/{}",
  "/{}/feeds/all.rss", "/feeds/../../etc/passwd", "/feeds/%2e%2e/%2e%2e/etc/passwd", "//feeds//all.rss", "/feeds/all.rss/",
];

/** The routes that exist, for odd query strings. */
const ROUTES = [
  "/", "/tags/city", "/tags/city/almaty", "/articles/junk-test-article", "/feeds/all.rss", "/feeds/all.atom", "/feeds/all.json",
  "/feeds/city/almaty.rss", "/feeds/party/amanat.json", "/api/articles/junk-test-article", "/api/tags", "/opml", "/feed.xsl",
  "/healthz", "/api/taxonomy",
];

const ODD_QUERIES = [
  "limit=1&limit=2", "limit[]=5", "limit=", "limit=-1", "limit=0", "limit=1e3", "limit=999999999999", "limit=%00", "limit=%ZZ",
  "after=%C0%AF", "after=", "after=..%2f..%2f", `after=${"9".repeat(13)}.${"x".repeat(5000)}`, "type=%ED%A0%80", "type=",
  "type[]=city", "type=city&type=party", "download=1", "%ZZ=%ZZ", "=&=&&", "a=%", "&&&", HUGE_QUERY, "limit=5#frag",
  "limit=\u0000", "format=../../x",
];

const METHODS = ["GET", "HEAD", "DELETE", "POST"] as const;

const paths = [...new Set(ROUTE_TEMPLATES.flatMap((template) => JUNK_SEGMENTS.map((segment) => template.replaceAll("{}", segment))))];

async function check(method: string, path: string, headers: Record<string, string> = {}): Promise<void> {
  const init: RequestInit = { method, headers };
  if (method === "POST") {
    init.body = '{"junk": true}';
    init.headers = { ...headers, "content-type": "application/json" };
  }
  let response: Response;
  try {
    response = await call(path, init);
  } catch (error) {
    // The URL itself was refused before reaching the Worker (as a real client would refuse it).
    expect.soft(error, `${method} ${path.slice(0, 120)}`).toBeInstanceOf(TypeError);
    return;
  }
  const label = `${method} ${path.slice(0, 120)} → ${response.status}`;
  expect.soft(response.status, label).toBeGreaterThanOrEqual(200);
  expect.soft(response.status, label).toBeLessThan(500);
  if (response.status >= 400 && method !== "HEAD") {
    const type = response.headers.get("content-type") ?? "";
    const text = await response.text();
    if (type.includes("json")) {
      expect.soft(JSON.parse(text).error?.status, label).toBe(response.status);
    } else {
      expect.soft(type, label).toContain("text/html");
      expect.soft(text.length, label).toBeGreaterThan(0);
    }
  } else {
    await response.body?.cancel();
  }
  if (response.status >= 300 && response.status < 400) {
    const location = response.headers.get("location") ?? "";
    expect.soft(location, label).not.toBe("");
    // A redirect never leaves the site, whatever the path said.
    expect.soft(new URL(location, "http://tagfeed.test").host, label).toBe("tagfeed.test");
  }
}

/** Runs checks a few at a time: the same coverage, a bounded number of requests in flight. */
async function checkAll(cases: readonly (() => Promise<void>)[]): Promise<void> {
  for (let i = 0; i < cases.length; i += 16) await Promise.all(cases.slice(i, i + 16).map((run) => run()));
}

describe("path junk on every route", () => {
  beforeAll(async () => {
    expect((await submit(makeArticle({ id: "junk-test-article" }))).status).toBe(201);
  });

  it("answers junk paths under every method with a clear 2xx/3xx/4xx, never a 5xx", async () => {
    await checkAll(METHODS.flatMap((method) => paths.map((path) => () => check(method, path))));
  }, 120_000);

  it("answers junk paths on admin routes with the admin token just as clearly", async () => {
    await checkAll(
      ["DELETE", "POST"].flatMap((method) => paths.filter((p) => p.startsWith("/api/")).map((path) => () => check(method, path, adminHeaders()))),
    );
  }, 120_000);
});

describe("odd query strings on every route", () => {
  it("answers repeated, bracketed, empty, garbage and 100 KB query strings with a clear 2xx/3xx/4xx", async () => {
    await checkAll(
      (["GET", "HEAD"] as const).flatMap((method) => ROUTES.flatMap((route) => ODD_QUERIES.map((query) => () => check(method, `${route}?${query}`)))),
    );
  }, 120_000);

  it("refuses a garbage limit with a 400 that names the parameter", async () => {
    for (const query of ["limit=", "limit=-1", "limit=%ZZ", "limit=1e3"]) {
      const response = await call(`/feeds/all.json?${query}`);
      expect(response.status, query).toBe(400);
      expect((await response.json<any>()).error.fields[0].path).toBe("query:limit");
    }
  });

  it("never deletes through junk: the article survives every junk DELETE", async () => {
    const response = await call("/api/articles/junk-test-article");
    expect(response.status).toBe(200);
  });
});
