// Refresh at scale: N loopback sources of 50 items each (default 1000), refreshed by the real Worker
// under `wrangler dev` — through the local queue (wrangler.jsonc as shipped), then the in-tick path
// (the same config without `queues`) in the same run. Cron ticks are fired through
// `/__scheduled` (wrangler dev --test-scheduled) every TICK_S seconds, standing in for the 10-minute
// cron; figures: time until every source is fresh, sources refreshed per minute, ticks needed.
//
//   npm run bench:refresh-scale                      1000 sources, at most 6 minutes per path
//   npm run bench:refresh-scale -- --sources=200 --minutes=3 --tick=10 --only=queue|in-tick
//
// Bounded: each path stops after --minutes whatever it reached; wrangler's process group is
// stopped at the end, on failure too.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./build.mjs";
import { freePorts, startWrangler } from "./e2e.mjs";

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const SOURCES = arg("sources", 1000);
const MINUTES = arg("minutes", 6);
const TICK_S = arg("tick", 10);
const ITEMS = 50;
const ONLY = process.argv.find((a) => a.startsWith("--only="))?.split("=")[1];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The loopback upstream: /feed/{i} is an RSS document of 50 items, with an ETag. */
function startUpstream() {
  const server = createServer((req, res) => {
    const m = /^\/feed\/(\d+)/.exec(req.url ?? "");
    if (!m) return res.writeHead(404).end();
    const i = m[1];
    const etag = `"f${i}"`;
    if (req.headers["if-none-match"] === etag) return res.writeHead(304, { etag }).end();
    const items = Array.from({ length: ITEMS }, (_, k) =>
      `<item><title>Source ${i} item ${k}</title><link>https://news.example/${i}/${k}</link><pubDate>${new Date(Date.UTC(2026, 0, 1) - k * 60_000).toUTCString()}</pubDate><category>Topic ${k % 5}</category><category>Desk ${i % 7}</category><description>&lt;p&gt;Text of item ${k} of source ${i}. ${"Some words of the story. ".repeat(8)}&lt;/p&gt;</description></item>`,
    ).join("");
    res.writeHead(200, { "content-type": "application/rss+xml; charset=utf-8", etag });
    res.end(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Source ${i}</title><link>https://news.example/${i}</link><description>d</description>${items}</channel></rss>`);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

async function runPath(label, config, upstreamPort) {
  const [port, inspectorPort] = await freePorts(2);
  const persistTo = mkdtempSync(join(tmpdir(), "tagfeed-bench-scale-"));
  const logFile = join(tmpdir(), `tagfeed-bench-scale-${label}-${port}.log`);
  const admin = randomBytes(16).toString("hex");
  const base = `http://127.0.0.1:${port}`;
  const wrangler = startWrangler({
    port, inspectorPort, persistTo, logFile, config,
    vars: { ADMIN_TOKEN: admin, WEBHOOK_SECRET: `whsec_${randomBytes(32).toString("base64")}`, ALLOW_PRIVATE_SOURCES: "true" },
  });
  const auth = { authorization: `Bearer ${admin}` };
  try {
    for (let started = Date.now(); ; await sleep(300)) {
      if (Date.now() - started > 90_000) throw new Error(`wrangler dev did not answer; log: ${logFile}`);
      if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break;
    }
    // Sources by OPML, 500 per import.
    for (let start = 0; start < SOURCES; start += 500) {
      const outlines = Array.from({ length: Math.min(500, SOURCES - start) }, (_, k) => `<outline text="s${start + k}" xmlUrl="http://127.0.0.1:${upstreamPort}/feed/${start + k}"/>`).join("");
      const res = await fetch(`${base}/api/sources/opml`, { method: "POST", headers: { ...auth, "content-type": "text/x-opml" }, body: `<opml version="2.0"><body>${outlines}</body></opml>` });
      if (res.status >= 300) throw new Error(`OPML import: ${res.status} ${await res.text()}`);
    }
    const t0 = Date.now();
    let ticks = 0;
    let fresh = 0;
    const progress = [];
    while (Date.now() - t0 < MINUTES * 60_000) {
      await fetch(`${base}/__scheduled?cron=*/10+*+*+*+*`);
      ticks += 1;
      const tickAt = Date.now();
      while (Date.now() - tickAt < TICK_S * 1000) {
        await sleep(1000);
        const { sources } = await (await fetch(`${base}/api/sources`, { headers: auth })).json();
        fresh = sources.filter((s) => s.last_status === 200 && s.items_seen === ITEMS && !s.claim).length;
        if (fresh === SOURCES) break;
      }
      progress.push({ s: Math.round((Date.now() - t0) / 1000), fresh });
      if (fresh === SOURCES) break;
    }
    const seconds = (Date.now() - t0) / 1000;
    return { label, sources: SOURCES, fresh, ticks, seconds: Math.round(seconds), perMinute: Math.round((fresh / seconds) * 60), allFresh: fresh === SOURCES, progress };
  } finally {
    await wrangler.stop();
    rmSync(persistTo, { recursive: true, force: true });
  }
}

const upstream = await startUpstream();
const upstreamPort = upstream.address().port;
// The in-tick path: the shipped config without its `queues` block, next to it so paths resolve.
const noQueue = join(ROOT, ".bench-wrangler-noqueue.jsonc");
const shipped = readFileSync(join(ROOT, "wrangler.jsonc"), "utf8");
writeFileSync(noQueue, shipped.replace(/\n  "queues": \{[\s\S]*?\n  \},\n/, "\n"));
const results = [];
try {
  for (const [label, config] of [["queue", undefined], ["in-tick", noQueue]]) {
    if (ONLY !== undefined && ONLY !== label) continue;
    console.error(`[refresh-scale] ${label}: ${SOURCES} sources of ${ITEMS} items, a tick every ${TICK_S} s, at most ${MINUTES} min`);
    const r = await runPath(label, config, upstreamPort);
    console.error(`[refresh-scale] ${label}: ${r.fresh}/${r.sources} fresh after ${r.seconds} s and ${r.ticks} ticks (${r.perMinute} sources/min)`);
    results.push(r);
  }
} finally {
  rmSync(noQueue, { force: true });
  upstream.close();
}
console.log(JSON.stringify(results, null, 2));
