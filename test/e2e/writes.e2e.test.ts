/**
 * Acknowledged writes against the real Worker under `wrangler dev`:
 * - a Worker killed mid-batch (SIGKILL to its process group) and restarted on the same state:
 *   every article whose record is stored is on the default page of every tag feed it names,
 *   after the next cron tick; a redelivery of the batch stores the rest and leaves every feed exact;
 * - Chromium, on a page of another loopback origin, polls a feed with If-None-Match (a CORS
 *   preflight) and reads its ETag, and cannot make a cross-origin write.
 * The kill test runs a Worker of its own, so the shared one keeps its state.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { expect, it } from "vitest";
import { launchChromium } from "./support/browser";
import { e2e, e2eDescribe } from "./support/context";
import { freePort, type GroupProcess, sleep, spawnGroup } from "./support/processes";
import { newWebhookSecret, signWebhook } from "./support/webhook";

async function startWorker(repoRoot: string, stateDir: string, envFile: string, logFile: string, port: number): Promise<GroupProcess> {
  const worker = spawnGroup(
    process.execPath,
    [
      join(repoRoot, "node_modules/wrangler/bin/wrangler.js"),
      "dev",
      "--ip", "127.0.0.1",
      "--port", String(port),
      "--inspector-port", String(await freePort()),
      "--persist-to", stateDir,
      "--env-file", envFile,
      "--test-scheduled",
      "--show-interactive-dev-session=false",
    ],
    { cwd: repoRoot, env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0" }, logFile },
  );
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return worker;
    } catch {
      /* not up yet */
    }
    await sleep(250);
  }
  worker.killNow();
  throw new Error("wrangler dev did not start");
}

async function servedIds(url: string): Promise<string[]> {
  const response = await fetch(url);
  if (response.status === 404) return [];
  expect(response.status, url).toBe(200);
  const feed = (await response.json()) as { items: { id: string }[] };
  return feed.items.map((item) => item.id.replace("urn:tagfeed:article:", ""));
}

e2eDescribe("acknowledged writes", () => {
  it("a Worker killed mid-batch and restarted on the same state serves every stored article in its feeds", async () => {
    const { repoRoot, workDir } = e2e();
    const dir = join(workDir, `kill-${randomBytes(4).toString("hex")}`);
    mkdirSync(dir, { recursive: true });
    const secret = newWebhookSecret();
    const envFile = join(dir, "worker.env");
    writeFileSync(envFile, `WEBHOOK_SECRET=${secret}\nADMIN_TOKEN=${randomBytes(16).toString("hex")}\n`, { mode: 0o600 });
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const state = join(dir, "state");
    let worker = await startWorker(repoRoot, state, envFile, join(dir, "wrangler.log"), port);
    try {
      const run = randomBytes(3).toString("hex");
      const topics = Array.from({ length: 4 }, (_, t) => `kill-${run}-${t}`);
      const articles = Array.from({ length: 100 }, (_, i) => ({
        id: `kill-${run}-${i}`,
        title: `Article ${i}`,
        published: new Date(Date.UTC(2024, 5, 1, 0, i)).toISOString(),
        content_html: `<p>Body ${i}</p>`,
        tags: [{ type: "topic", name: topics[i % topics.length] }],
      }));
      // Every feed exists (and is rendered) before the batch, as a reader would have polled it.
      const warm = signWebhook(secret, JSON.stringify(topics.map((name, t) => ({ id: `warm-${run}-${t}`, title: "Warm", published: "2024-01-01T00:00:00Z", tags: [{ type: "topic", name }] }))));
      expect((await fetch(`${base}/api/articles`, { method: "POST", headers: warm.headers, body: warm.body })).status).toBe(201);
      for (const name of topics) await servedIds(`${base}/feeds/topic/${name}.json`);

      const batch = signWebhook(secret, JSON.stringify({ articles }));
      const inFlight = fetch(`${base}/api/articles`, { method: "POST", headers: batch.headers, body: batch.body }).catch((error: unknown) => error);
      // Kill once some records are stored (or after a while at the latest): mid-batch.
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline) {
        const probes = await Promise.all(articles.slice(0, 100).filter((_, i) => i % 10 === 0).map((a) => fetch(`${base}/api/articles/${a.id}`).then((r) => r.status).catch(() => 0)));
        if (probes.some((s) => s === 200)) break;
        await sleep(5);
      }
      worker.killNow();
      await inFlight;
      await sleep(500);

      worker = await startWorker(repoRoot, state, envFile, join(dir, "wrangler-2.log"), port);
      const stored = new Set<string>();
      for (const a of articles) if ((await fetch(`${base}/api/articles/${a.id}`)).status === 200) stored.add(a.id);
      // The next cron tick at the latest.
      expect((await fetch(`${base}/__scheduled?cron=${encodeURIComponent("*/10 * * * *")}`)).status).toBe(200);
      await sleep(5500); // past the isolate's 5 s reuse of a feed version
      for (const [t, name] of topics.entries()) {
        const served = new Set(await servedIds(`${base}/feeds/topic/${name}.json`));
        for (const a of articles.filter((_, i) => i % topics.length === t)) {
          if (stored.has(a.id)) expect(served.has(a.id), `${a.id} stored but not in ${name} (${stored.size} stored)`).toBe(true);
        }
      }
      // The publisher, never answered, delivers the batch again: everything is stored and served.
      const again = await fetch(`${base}/api/articles`, { method: "POST", headers: batch.headers, body: batch.body });
      expect(again.status).toBeLessThan(300);
      await sleep(5500);
      for (const [t, name] of topics.entries()) {
        const served = new Set(await servedIds(`${base}/feeds/topic/${name}.json`));
        for (const a of articles.filter((_, i) => i % topics.length === t)) expect(served.has(a.id), `${a.id} in ${name}`).toBe(true);
      }
      console.log(`[e2e] killed with ${stored.size} of 100 records stored`);
    } finally {
      await worker.stop();
    }
  });

  it("Chromium on another origin polls a feed with If-None-Match and reads its ETag, and cannot write", async () => {
    const { baseUrl, workDir } = e2e();
    const page = `<!doctype html><meta charset="utf-8"><title>reader</title><script>
      window.poll = async (base) => {
        const first = await fetch(base + "/feeds/all.json");
        const etag = first.headers.get("etag");
        const second = await fetch(base + "/feeds/all.json", { headers: { "If-None-Match": etag } });
        let write = "sent";
        try { await fetch(base + "/api/articles", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }); }
        catch (e) { write = "blocked"; }
        return { first: first.status, etag, second: second.status, lastModified: second.headers.get("last-modified"), write };
      };
    </script>`;
    const server = createServer((_, response) => response.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page));
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    const context = await launchChromium(workDir);
    try {
      const tab = await context.newPage();
      // Another origin: "localhost" is not the Worker's 127.0.0.1.
      await tab.goto(`http://localhost:${port}/`);
      const result = await tab.evaluate(async (base) => (globalThis as unknown as { poll: (b: string) => Promise<Record<string, unknown>> }).poll(base), baseUrl);
      expect(result.first).toBe(200);
      expect(result.etag).toMatch(/^"/);
      expect(result.second).toBe(304);
      expect(result.lastModified).toBeTruthy();
      expect(result.write).toBe("blocked");
    } finally {
      await context.close();
      server.close();
    }
  });
});
