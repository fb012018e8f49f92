import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../src/app";
import { makeArticle, submit, uniqueId } from "./helpers";

async function counted(path: string) {
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(`http://tagfeed.test${path}`), { ...env, KV_COUNT: "true" }, ctx);
  await waitOnExecutionContext(ctx);
  const kv = Object.fromEntries((response.headers.get("x-tagfeed-kv") ?? "").split(",").map((p) => p.split("=")).map(([k, v]) => [k!, Number(v)]));
  return { response, kv, body: await response.text() };
}

describe("directory at scale", () => {
  it("costs at most 2 KV reads (no bulk read, no list) at 1,000 tags on /, /opml and /api/tags once its document is built", async () => {
    const prefix = uniqueId("dir");
    for (let batch = 0; batch < 10; batch++) {
      const articles = Array.from({ length: 10 }, (_, i) =>
        makeArticle({ tags: Array.from({ length: 10 }, (_, j) => ({ type: "person", name: `${prefix} ${batch * 100 + i * 10 + j}` })) }),
      );
      expect((await submit(articles)).status).toBe(201);
    }
    // The first request after the tag set changed builds the document (and pays for it).
    const built = await counted("/api/tags");
    const tags = (JSON.parse(built.body) as { tags: { name: string }[] }).tags.filter((t) => t.name.startsWith(prefix));
    expect(tags).toHaveLength(1000);
    for (const path of ["/api/tags", "/opml", "/", "/api/tags?type=person"]) {
      const { response, kv } = await counted(path);
      expect(response.status, path).toBe(200);
      expect(kv.reads, path).toBeLessThanOrEqual(2);
      expect(kv.bulk_reads, path).toBe(0);
      expect(kv.lists, path).toBe(0);
      expect(kv.writes, path).toBe(0);
    }
    expect((await counted("/opml")).body).toContain(`text="${prefix} 999"`);
  }, 120_000);
});
