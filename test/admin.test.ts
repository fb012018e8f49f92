/**
 * The operator's console (/admin) and the source API it adds (PATCH, OPML export), in workerd:
 * sign-in, refusal without a session, forged or missing CSRF tokens, session expiry, edits that
 * keep a source's validators, OPML export read back by import.
 */
import { describe, expect, it } from "vitest";
import { issueSession, sessionKey, csrfToken } from "../src/admin/session";
import { ADMIN_TOKEN, BASE, call, uniqueId } from "./helpers";

const UPSTREAM = "https://upstream.example";
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

interface Signed {
  cookie: string;
  csrf: string;
}

async function signIn(): Promise<Signed> {
  const response = await call("/admin/sign-in", {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE },
    body: new URLSearchParams({ token: ADMIN_TOKEN }).toString(),
  });
  expect(response.status).toBe(303);
  const setCookie = response.headers.get("set-cookie") ?? "";
  expect(setCookie).toMatch(/^tagfeed_admin=v1\.[^;]+; Max-Age=28800; Path=\/admin; HttpOnly; SameSite=Strict/);
  // Served over http here: Secure only over https.
  expect(setCookie).not.toContain("Secure");
  const cookie = setCookie.split(";")[0] ?? "";
  const page = await (await call("/admin/sources", { headers: { cookie } })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";
  expect(csrf).not.toBe("");
  return { cookie, csrf };
}

function post(path: string, session: Partial<Signed>, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return call(path, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE, ...(session.cookie && { cookie: session.cookie }), ...headers },
    body: new URLSearchParams({ ...(session.csrf !== undefined && { csrf: session.csrf }), ...fields }).toString(),
  });
}

describe("console sign-in", () => {
  it("shows the sign-in form, refuses a wrong token, signs in with the right one", async () => {
    const form = await call("/admin");
    expect(form.status).toBe(200);
    const body = await form.text();
    expect(body).toContain('<input id="token" name="token" type="password"');
    expect(body).not.toContain(ADMIN_TOKEN);
    const csp = form.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    const wrong = await post("/admin/sign-in", {}, { token: "nope" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    const { cookie } = await signIn();
    const page = await call("/admin/sources", { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).not.toContain(ADMIN_TOKEN);
  });

  it("sends pages to the sign-in form and refuses actions without a session", async () => {
    for (const path of ["/admin/sources", "/admin/tags", "/admin/articles", "/admin/sources.opml"]) {
      const response = await call(path, { redirect: "manual" });
      expect(response.status, path).toBe(303);
      expect(response.headers.get("location")).toBe(`/admin?next=${encodeURIComponent(path)}`);
    }
    const add = await post("/admin/sources", {}, { url: `${UPSTREAM}/files/news-a.xml?t=${uniqueId()}` });
    expect(add.status).toBe(403);
    const forged = await post("/admin/sources", { cookie: "tagfeed_admin=v1.9999999999.AAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }, { url: `${UPSTREAM}/x` });
    expect(forged.status).toBe(403);
  });

  it("refuses a form with a missing, forged or another session's CSRF token, or from another origin", async () => {
    const session = await signIn();
    const other = await signIn();
    const url = `${UPSTREAM}/files/news-a.xml?t=${uniqueId()}`;
    expect((await post("/admin/sources", { cookie: session.cookie }, { url })).status).toBe(403);
    expect((await post("/admin/sources", { ...session, csrf: "A".repeat(43) }, { url })).status).toBe(403);
    expect((await post("/admin/sources", { ...session, csrf: other.csrf }, { url })).status).toBe(403);
    expect((await post("/admin/sources", session, { url }, { origin: "https://evil.example" })).status).toBe(403);
    const listed = (await (await call("/api/sources", { headers: admin })).json()) as { sources: { url: string }[] };
    expect(listed.sources.some((s) => s.url === url)).toBe(false);
    const ok = await post("/admin/sources", session, { url, name: "News A", interval_minutes: "30", autotag: "on" });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("Added News A");
  });

  it("ends a session when it expires or the token changes; sign-out clears the cookie", async () => {
    const key = await sessionKey(ADMIN_TOKEN);
    const old = await issueSession(key, Math.floor(Date.now() / 1000) - 9 * 3600);
    const expired = `tagfeed_admin=${old.value}`;
    expect((await call("/admin/sources", { headers: { cookie: expired }, redirect: "manual" })).status).toBe(303);
    const csrf = await csrfToken(key, old.session);
    expect((await post("/admin/sources", { cookie: expired, csrf }, { url: `${UPSTREAM}/x` })).status).toBe(403);
    const rotated = await issueSession(await sessionKey("an older token"), Math.floor(Date.now() / 1000));
    expect((await call("/admin/sources", { headers: { cookie: `tagfeed_admin=${rotated.value}` }, redirect: "manual" })).status).toBe(303);

    const session = await signIn();
    const out = await post("/admin/sign-out", session, {});
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toMatch(/^tagfeed_admin=; Max-Age=0; Path=\/admin/);
  });
});

describe("PATCH /api/sources/{id}", () => {
  it("edits the settings and keeps validators, fingerprints and history", async () => {
    const url = `${UPSTREAM}/files/news-a.xml?t=${uniqueId()}`;
    const created = (await (await call("/api/sources", { method: "POST", headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify({ url }) })).json()) as { id: string };
    const refreshed = await call(`/api/sources/${created.id}/refresh`, { method: "POST", headers: admin });
    const before = ((await refreshed.json()) as { source: Record<string, unknown> }).source;
    expect(before.etag).toBeDefined();
    expect(before.daily_created).toEqual([[Math.floor(Date.now() / 86_400_000), expect.any(Number)]]);

    const patch = await call(`/api/sources/${created.id}`, {
      method: "PATCH",
      headers: { ...admin, "content-type": "application/json" },
      body: JSON.stringify({ name: "Renamed", tags: [{ type: "topic", name: "Экономика" }], interval_minutes: 60, autotag: false }),
    });
    expect(patch.status).toBe(200);
    const after = (await patch.json()) as Record<string, unknown>;
    expect(after).toMatchObject({ name: "Renamed", interval_minutes: 60, autotag: false, tags: [{ type: "topic", name: "Экономика" }] });
    for (const key of ["etag", "last_modified", "last_success", "item_fingerprints", "daily_created", "items_seen", "last_counts", "url", "created"]) {
      expect(after[key], key).toEqual(before[key]);
    }
    // The next refresh is conditional with the kept validators: 304.
    const again = (await (await call(`/api/sources/${created.id}/refresh`, { method: "POST", headers: admin })).json()) as { refresh: { status: number } };
    expect(again.refresh.status).toBe(304);
  });

  it("answers 400 naming each bad or unknown field, 404 for no such source, 401 without the token", async () => {
    const url = `${UPSTREAM}/files/news-a.xml?t=${uniqueId()}`;
    const { id } = (await (await call("/api/sources", { method: "POST", headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify({ url }) })).json()) as { id: string };
    const bad = await call(`/api/sources/${id}`, {
      method: "PATCH",
      headers: { ...admin, "content-type": "application/json" },
      body: JSON.stringify({ url: "https://elsewhere.example/", etag: "x", interval_minutes: 2, name: "" }),
    });
    expect(bad.status).toBe(400);
    const fields = ((await bad.json()) as { error: { fields: { path: string }[] } }).error.fields.map((f) => f.path).sort();
    expect(fields).toEqual(["etag", "interval_minutes", "name", "url"]);
    const json = { ...admin, "content-type": "application/json" };
    expect((await call("/api/sources/s-0000000000000000", { method: "PATCH", headers: json, body: "{}" })).status).toBe(404);
    expect((await call(`/api/sources/${id}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(401);
  });
});

describe("GET /api/sources/opml", () => {
  it("exports every source, and the export imported again names the same sources", async () => {
    const url = `${UPSTREAM}/files/news-b.atom?t=${uniqueId()}`;
    await call("/api/sources", { method: "POST", headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify({ url, name: "Кабар & Co <b>" }) });
    const exported = await call("/api/sources/opml", { headers: admin });
    expect(exported.status).toBe(200);
    expect(exported.headers.get("content-type")).toBe("text/x-opml; charset=utf-8");
    const opml = await exported.text();
    expect(opml).toContain('title="Кабар &amp; Co &lt;b&gt;"');
    const { sources } = (await (await call("/api/sources", { headers: admin })).json()) as { sources: { id: string }[] };
    const imported = await call("/api/sources/opml", { method: "POST", headers: { ...admin, "content-type": "text/x-opml" }, body: opml });
    const report = (await imported.json()) as { created: number; existing: number; invalid: number; outlines: { id: string }[] };
    expect(report).toMatchObject({ created: 0, invalid: 0, existing: sources.length });
    expect(report.outlines.map((o) => o.id).sort()).toEqual(sources.map((s) => s.id).sort());
    expect((await call("/api/sources/opml")).status).toBe(401);
  });

  it("is what the console's export link serves, and the console imports it with a per-outline report", async () => {
    const session = await signIn();
    const exported = await call("/admin/sources.opml", { headers: { cookie: session.cookie } });
    expect(exported.status).toBe(200);
    const fresh = `${UPSTREAM}/files/undated.xml?t=${uniqueId()}`;
    const opml = (await exported.text()).replace("  </body>", `    <outline type="rss" text="Fresh" xmlUrl="${fresh}"/>\n    <outline type="rss" text="Bad" xmlUrl="ftp://x.example/"/>\n  </body>`);
    const page = await (await post("/admin/sources/import", session, { opml })).text();
    expect(page).toMatch(/Imported: 1 created, \d+ already sources, 1 invalid\./);
    expect(page).toContain("<td>Fresh</td>");
  });
});
