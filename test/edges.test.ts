/**
 * The edges of acknowledged writes: CORS (public reads open to other origins, writes closed),
 * oversized and aborted request bodies, credentials in URLs, and the XSL view's CSP.
 */
import { describe, expect, it } from "vitest";
import { adminHeaders, call, json, makeArticle, signedHeaders, submit, uniqueId } from "./helpers";

const preflight = (path: string, method: string, headers = "if-none-match") =>
  call(path, {
    method: "OPTIONS",
    headers: { origin: "http://127.0.0.2:9999", "access-control-request-method": method, "access-control-request-headers": headers },
  });

describe("CORS", () => {
  it("grants the preflight of a conditional GET on feeds and the public API, and exposes the validators", async () => {
    for (const path of ["/feeds/all.rss", "/feeds/city/almaty.json", "/api/tags", "/api/taxonomy"]) {
      const response = await preflight(path, "GET", "if-none-match, if-modified-since");
      expect(response.status, path).toBe(204);
      expect(response.headers.get("access-control-allow-origin")).toBe("*");
      expect(response.headers.get("access-control-allow-methods")).toBe("GET, HEAD");
      expect(response.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("if-none-match");
      expect(response.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("if-modified-since");
    }
    const feed = await call("/feeds/all.rss", { headers: { origin: "http://127.0.0.2:9999" } });
    expect(feed.headers.get("access-control-allow-origin")).toBe("*");
    expect(feed.headers.get("access-control-expose-headers")).toBe("ETag, Last-Modified, Link");
    await feed.body?.cancel();
  });

  it("grants nothing to admin and write routes", async () => {
    for (const [path, method] of [
      ["/api/articles", "POST"],
      ["/api/articles/x", "DELETE"],
      ["/api/taxonomy", "PUT"],
      ["/api/taxonomy/entries", "POST"],
      ["/api/sources", "GET"],
      ["/feeds/all.rss", "POST"],
    ] as const) {
      const response = await preflight(path, method, "content-type, authorization");
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
    }
    const written = await submit(makeArticle());
    expect(written.status).toBe(201);
    expect(written.headers.get("access-control-allow-origin")).toBeNull();
    const sources = await call("/api/sources", { headers: adminHeaders() });
    expect(sources.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("oversized and aborted bodies", () => {
  const SIX_MIB = 6 * 1024 * 1024;
  const next = async () => {
    const response = await submit(makeArticle());
    expect(response.status).toBe(201);
  };

  it("answers 413 to a 6 MiB body with Content-Length, and the next request is fine", async () => {
    const body = new Uint8Array(SIX_MIB).fill(0x20);
    const response = await call("/api/articles", { method: "POST", headers: { ...(await signedHeaders("{}")), "content-length": String(SIX_MIB) }, body });
    expect(response.status).toBe(413);
    expect((await json(response)).error.code).toBe("body_too_large");
    await next();
  });

  it("answers 413 to a 6 MiB streamed body without Content-Length, and the next request is fine", async () => {
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= SIX_MIB) return controller.close();
        controller.enqueue(new Uint8Array(64 * 1024).fill(0x20));
        sent += 64 * 1024;
      },
    });
    const response = await call("/api/articles", { method: "POST", headers: await signedHeaders("{}"), body: stream, duplex: "half" } as RequestInit);
    expect(response.status).toBe(413);
    expect(sent).toBeLessThan(SIX_MIB);
    await next();
  });

  it("survives a body aborted mid-stream, and the next request is fine", async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"articles": [{"title": "cut'));
        controller.error(new Error("client went away"));
      },
    });
    const response = await call("/api/articles", { method: "POST", headers: await signedHeaders("{}"), body: stream, duplex: "half" } as RequestInit).catch(() => null);
    if (response) expect(response.status).toBeLessThan(500);
    await next();
  });
});

describe("stored URLs", () => {
  it("strips userinfo from every URL of an article", async () => {
    const article = makeArticle({
      id: undefined,
      url: `https://user:secret@example.com/${uniqueId("cred")}`,
      image: "https://u:p@img.example.com/a.png",
      authors: [{ name: "A", url: "https://me:pw@example.com/a" }],
      source: { name: "S", url: "https://x:y@example.com/" },
      enclosures: [{ url: "https://e:f@example.com/a.mp3", type: "audio/mpeg" }],
    });
    const response = await submit(article);
    expect(response.status).toBe(201);
    const [{ id }] = (await json(response)).articles;
    const stored = JSON.stringify(await json(await call(`/api/articles/${id}`)));
    expect(stored).not.toMatch(/secret|u:p@|me:pw|x:y@|e:f@|user:/);
    expect(stored).toContain("https://example.com/");
  });
});

describe("the XSL view", () => {
  it("carries a CSP without inline script when a browser opens a feed", async () => {
    const response = await call("/feeds/all.rss", { headers: { accept: "text/html,application/xhtml+xml" } });
    expect(response.status).toBe(200);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toContain("frame-ancestors 'none'");
    await response.body?.cancel();
    const reader = await call("/feeds/all.rss", { headers: { accept: "application/rss+xml" } });
    expect(reader.headers.get("content-security-policy")).toBeNull();
    await reader.body?.cancel();
  });
});
