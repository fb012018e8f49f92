/**
 * The sources admin API (docs/API.md, "Sources"): add, list, get, delete, OPML import, and the
 * URL safety checks at the edge. Refreshing is covered by test/refresh.test.ts.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../src/app";
import type { Source } from "../src/domain/source";
import { BASE, adminHeaders, call, json, uniqueId } from "./helpers";

const UPSTREAM = "https://upstream.example";

/** test/fixtures/upstream/subscriptions.opml, read through the mock upstream (vitest.config.ts). */
let opml = "";
beforeAll(async () => {
  opml = await (await fetch(`${UPSTREAM}/files/subscriptions.opml`)).text();
});

function addSource(body: unknown, headers: Record<string, string> = adminHeaders()): Promise<Response> {
  return call("/api/sources", { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(body) });
}

/** The Worker with some vars overridden (e.g. ALLOW_PRIVATE_SOURCES=false, as in production). */
async function callWith(overrides: Partial<Cloudflare.Env>, path: string, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(`${BASE}${path}`, init), { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

describe("POST /api/sources", () => {
  it("adds a source with defaults and answers 201 with it", async () => {
    const url = `${UPSTREAM}/files/news-a.xml?t=${uniqueId("add")}`;
    const response = await addSource({ url });
    expect(response.status).toBe(201);
    const source = await json<Source>(response);
    expect(source).toMatchObject({ url, name: "upstream.example", tags: [], interval_minutes: 30, autotag: true, consecutive_failures: 0, items_seen: 0 });
    expect(source.id).toMatch(/^s-[0-9a-f]{16}$/);
    expect(Date.parse(source.next_due)).toBeLessThanOrEqual(Date.now());
    expect(response.headers.get("location")).toBe(`/api/sources/${source.id}`);
    expect(await json(await call(`/api/sources/${source.id}`, { headers: adminHeaders() }))).toEqual(source);
  });

  it("keeps name, tags, interval and auto-tagging as given", async () => {
    const response = await addSource({
      url: `${UPSTREAM}/files/news-b.atom?t=${uniqueId("opts")}`,
      name: "Северный вестник",
      tags: ["Алматы", { type: "section", name: "Регионы" }],
      interval_minutes: 60,
      autotag: false,
      autotag_types: ["party"],
    });
    expect(response.status).toBe(201);
    expect(await json(response)).toMatchObject({ name: "Северный вестник", tags: ["Алматы", { type: "section", name: "Регионы" }], interval_minutes: 60, autotag: false, autotag_types: ["party"] });
  });

  it("answers 200 with the existing source when the canonical URL is already one", async () => {
    const path = `/files/news-a.xml?t=${uniqueId("dup")}`;
    const first = await json<Source>(await addSource({ url: `${UPSTREAM}${path}`, name: "First" }));
    for (const spelling of [`${UPSTREAM}${path}`, `http://UPSTREAM.example${path}#frag`, `${UPSTREAM}${path}&utm_source=x`]) {
      const again = await addSource({ url: spelling, name: "Second" });
      expect(again.status).toBe(200);
      expect(await json(again)).toEqual(first);
    }
  });

  it("names every invalid field and stores nothing", async () => {
    const response = await addSource({ url: "", name: "", tags: [{ type: "City", name: "x" }], interval_minutes: 2, autotag: "yes" });
    expect(response.status).toBe(400);
    const body = await json(response);
    expect(body.error.code).toBe("invalid_fields");
    expect(body.error.fields.map((f: { path: string }) => f.path).sort()).toEqual(["autotag", "interval_minutes", "name", "tags[0].type", "url"]);
    expect((await addSource({ url: `${UPSTREAM}/x`, interval_minutes: 1441 })).status).toBe(400);
    expect((await addSource({ url: `${UPSTREAM}/x`, interval_minutes: 7.5 })).status).toBe(400);
    expect((await addSource({})).status).toBe(400);
    expect((await addSource([])).status).toBe(400);
  });

  it.each([
    ["ftp://upstream.example/feed.xml", "http or https"],
    ["file:///etc/passwd", "http or https"],
    ["https://user:secret@upstream.example/feed.xml", "user name or password"],
    ["not a url", "absolute"],
  ])("refuses %s whatever ALLOW_PRIVATE_SOURCES says", async (url, reason) => {
    const response = await addSource({ url });
    expect(response.status).toBe(400);
    const body = await json(response);
    expect(body.error.fields).toEqual([{ path: "url", reason: expect.stringContaining(reason) }]);
    expect(JSON.stringify(body)).not.toContain("secret");
  });

  it.each([
    "http://127.0.0.1/feed",
    "http://127.1/feed",
    "http://2130706433/feed",
    "http://0x7f.1/feed",
    "http://0177.0.0.1/feed",
    "http://[::1]/feed",
    "http://[::ffff:127.0.0.1]/feed",
    "http://[::ffff:7f00:1]/feed",
    "http://10.0.0.1/feed",
    "http://172.16.5.4/feed",
    "http://192.168.0.1/feed",
    "http://100.64.0.1/feed",
    "http://169.254.169.254/latest/meta-data/",
    "http://0.0.0.0/feed",
    "http://224.0.0.1/feed",
    "http://255.255.255.255/feed",
    "http://[fd00::1]/feed",
    "http://[fe80::1]/feed",
    "http://localhost:8787/feed",
    "http://feeds.localhost/feed",
    "http://metadata.google.internal/computeMetadata/v1/",
  ])("refuses the private address %s with 400 when ALLOW_PRIVATE_SOURCES is not true", async (url) => {
    const response = await callWith({ ALLOW_PRIVATE_SOURCES: "false" }, "/api/sources", {
      method: "POST",
      headers: { ...adminHeaders(), "content-type": "application/json" },
      body: JSON.stringify({ url }),
    });
    expect(response.status).toBe(400);
    const body = await json(response);
    expect(body.error.fields[0].path).toBe("url");
    expect(body.error.fields[0].reason).toMatch(/public/);
  });

  it("accepts a private address when ALLOW_PRIVATE_SOURCES=true (local testing)", async () => {
    const response = await addSource({ url: `http://127.0.0.1:9/feed-${uniqueId("local")}.xml` });
    expect(response.status).toBe(201);
    await call(`/api/sources/${(await json<Source>(response)).id}`, { method: "DELETE", headers: adminHeaders() });
  });

  it("needs the admin token", async () => {
    const url = `${UPSTREAM}/files/news-a.xml?t=${uniqueId("auth")}`;
    expect((await addSource({ url }, {})).status).toBe(401);
    expect((await addSource({ url }, { authorization: "Bearer wrong" })).status).toBe(401);
    expect((await call("/api/sources")).status).toBe(401);
    expect((await call("/api/sources/s-0000000000000000", { method: "DELETE" })).status).toBe(401);
    expect((await call("/api/sources/opml", { method: "POST", headers: { "content-type": "text/x-opml" }, body: opml })).status).toBe(401);
  });

  it("answers 415 for a body that is not JSON", async () => {
    const response = await call("/api/sources", { method: "POST", headers: { ...adminHeaders(), "content-type": "text/plain" }, body: "url=x" });
    expect(response.status).toBe(415);
  });
});

describe("GET and DELETE /api/sources", () => {
  it("lists sources with their refresh state, and deletes one", async () => {
    const url = `${UPSTREAM}/files/podcast.json?t=${uniqueId("list")}`;
    const created = await json<Source>(await addSource({ url, name: "Подкаст" }));
    const listed = await json<{ sources: Source[] }>(await call("/api/sources", { headers: adminHeaders() }));
    const mine = listed.sources.find((s) => s.id === created.id);
    expect(mine).toMatchObject({ url, name: "Подкаст", next_due: created.next_due, consecutive_failures: 0, items_seen: 0 });

    const deleted = await call(`/api/sources/${created.id}`, { method: "DELETE", headers: adminHeaders() });
    expect(deleted.status).toBe(200);
    expect(await json(deleted)).toEqual({ deleted: created.id });
    expect((await call(`/api/sources/${created.id}`, { headers: adminHeaders() })).status).toBe(404);
    expect((await call(`/api/sources/${created.id}`, { method: "DELETE", headers: adminHeaders() })).status).toBe(404);
  });

  it("answers 404 for ids that are not source ids", async () => {
    for (const id of ["nope", "s-XYZ", "..%2F..%2Fetc", "s-0000000000000000"]) {
      expect((await call(`/api/sources/${id}`, { headers: adminHeaders() })).status).toBe(404);
      expect((await call(`/api/sources/${id}/refresh`, { method: "POST", headers: adminHeaders() })).status).toBe(404);
    }
  });
});

describe("POST /api/sources: field errors", () => {
  it("tells a missing field from one of the wrong type", async () => {
    const post = (body: unknown) =>
      call("/api/sources", { method: "POST", headers: { ...adminHeaders(), "content-type": "application/json" }, body: JSON.stringify(body) });
    const missing = await post({ name: "x" });
    expect(missing.status).toBe(400);
    expect((await json(missing)).error.fields).toEqual([{ path: "url", reason: "is required" }]);
    const wrong = await post({ url: 5, interval_minutes: "often" });
    expect(wrong.status).toBe(400);
    const fields = (await json<{ error: { fields: { path: string; reason: string }[] } }>(wrong)).error.fields;
    expect(fields.map((f) => f.path).sort()).toEqual(["interval_minutes", "url"]);
    for (const field of fields) expect(field.reason).toMatch(/expected .*, received (number|string)/);
  });
});

describe("POST /api/sources/opml", () => {
  const importOpml = (body: string, type = "text/x-opml") => call("/api/sources/opml", { method: "POST", headers: { ...adminHeaders(), "content-type": type }, body });

  it("creates a source per outline with an xmlUrl and answers per outline", async () => {
    const response = await importOpml(opml);
    expect(response.status).toBe(201);
    const body = await json(response);
    expect(body).toMatchObject({ created: 2, existing: 1, invalid: 2 });
    expect(body.outlines.map((o: { status: string }) => o.status)).toEqual(["created", "created", "existing", "invalid", "invalid"]);
    const [a, b, again, ftp, credentials] = body.outlines;
    expect(a).toMatchObject({ path: "body.outline[0].outline[0]", url: `${UPSTREAM}/files/news-a.xml?t=opml`, title: "Вести Алматы" });
    expect(again.id).toBe(a.id);
    expect(ftp.reason).toMatch(/http or https/);
    expect(credentials.reason).toMatch(/user name or password/);
    expect(JSON.stringify(body)).not.toContain("secret@");

    const stored = await json<Source>(await call(`/api/sources/${a.id}`, { headers: adminHeaders() }));
    expect(stored).toMatchObject({ name: "Вести Алматы", url: `${UPSTREAM}/files/news-a.xml?t=opml` });

    // Importing again creates nothing.
    const twice = await importOpml(opml, "application/xml; charset=utf-8");
    expect(twice.status).toBe(200);
    expect(await json(twice)).toMatchObject({ created: 0, existing: 3, invalid: 2 });

    // Leave no due sources behind for other tests' cron ticks.
    for (const id of [a.id, b.id]) await call(`/api/sources/${id}`, { method: "DELETE", headers: adminHeaders() });
  });

  it("refuses what is not OPML, and other media types", async () => {
    expect((await importOpml("<rss version='2.0'><channel/></rss>")).status).toBe(400);
    expect((await json(await importOpml("not xml"))).error.code).toBe("invalid_opml");
    expect((await importOpml(opml, "application/json")).status).toBe(415);
  });

  it("refuses private feeds in an OPML file when ALLOW_PRIVATE_SOURCES is not true", async () => {
    const doc = `<opml version="2.0"><body><outline text="meta" xmlUrl="http://169.254.169.254/latest/"/><outline text="ok" xmlUrl="${UPSTREAM}/files/podcast.json?t=${uniqueId("opml-private")}"/></body></opml>`;
    const response = await callWith({ ALLOW_PRIVATE_SOURCES: "false" }, "/api/sources/opml", { method: "POST", headers: { ...adminHeaders(), "content-type": "text/xml" }, body: doc });
    expect(response.status).toBe(201);
    const body = await json(response);
    expect(body).toMatchObject({ created: 1, invalid: 1 });
    expect(body.outlines[0].reason).toMatch(/link-local|metadata/);
    await call(`/api/sources/${body.outlines[1].id}`, { method: "DELETE", headers: adminHeaders() });
  });
});
