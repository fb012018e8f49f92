// Refresh at scale: N loopback sources of 50 items each (default 1000), refreshed by the real Worker
// under `wrangler dev` — through the local queue (wrangler.jsonc as shipped), then the in-tick path
// (the same config without `queues`) in the same run. Cron ticks are fired through
// `/__scheduled` (wrangler dev --test-scheduled) every TICK_S seconds, standing in for the 10-minute
// cron. Figures: time until every source is fresh, sources refreshed per minute and per tick, KV
// operations per source (exact: KV_COUNT=true makes each handler count its operations, the article
// writers' included, into its log line), CPU per source (the whole local runtime's CPU time over the
// run, from /proc, divided by the sources refreshed: an upper bound, it includes Miniflare's KV and
// queue simulation and the bench's polling), KV operations and lists of an idle tick.
//
// Part of `npm run bench` (bench/run.mjs; BENCH_SCALE_SOURCES, BENCH_SCALE_MINUTES for a smaller run),
// or alone:
//   npm run bench:refresh-scale     1000 sources; the queue path at most 20 minutes, the in-tick path 3
//   npm run bench:refresh-scale -- --sources=200 --minutes=3 --in-tick-minutes=2 --tick=10 --only=queue|in-tick
//
// Bounded: each path stops after --minutes whatever it reached; wrangler's process group is
// stopped at the end, on failure too.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT } from "./build.mjs";
import { freePorts, startWrangler } from "./e2e.mjs";

const ITEMS = 50;
const IDLE_TICKS = 3;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** CPU time (ms) of every process in a process group so far, from /proc (Linux; NaN elsewhere). */
function groupCpuMs(pgid) {
  let ticks = 0;
  let found = false;
  try {
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      let stat;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      } catch {
        continue;
      }
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid) continue;
      found = true;
      ticks += Number(fields[11]) + Number(fields[12]);
    }
  } catch {
    return NaN;
  }
  // USER_HZ is 100 on Linux.
  return found ? ticks * 10 : NaN;
}

/** The Worker's JSON log lines (`{"event":...}`) in wrangler's output. */
function events(logFile) {
  const out = [];
  for (const line of readFileSync(logFile, "utf8").split("\n")) {
    const at = line.indexOf('{"event":');
    if (at < 0) continue;
    try {
      out.push(JSON.parse(line.slice(at)));
    } catch {
      /* a line cut by the log: skipped */
    }
  }
  return out;
}

const kvTotal = (kv) => (kv ? kv.reads + kv.bulkReads + kv.lists + kv.writes + kv.deletes : 0);

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

async function runPath(label, config, upstreamPort, { sources: SOURCES, minutes: MINUTES, tickS: TICK_S }) {
  const [port, inspectorPort] = await freePorts(2);
  const persistTo = mkdtempSync(join(tmpdir(), "tagfeed-bench-scale-"));
  const logFile = join(tmpdir(), `tagfeed-bench-scale-${label}-${port}.log`);
  const admin = randomBytes(16).toString("hex");
  const base = `http://127.0.0.1:${port}`;
  const wrangler = startWrangler({
    port, inspectorPort, persistTo, logFile, config, logLevel: "log",
    vars: { ADMIN_TOKEN: admin, WEBHOOK_SECRET: `whsec_${randomBytes(32).toString("base64")}`, ALLOW_PRIVATE_SOURCES: "true", KV_COUNT: "true" },
  });
  const auth = { authorization: `Bearer ${admin}` };
  const freshCount = async () => {
    const { sources } = await (await fetch(`${base}/api/sources`, { headers: auth })).json();
    // Fresh: fetched whole (every item stored, no continuation due) and not due again before its interval.
    const now = Date.now();
    return sources.filter((s) => s.last_status === 200 && s.items_seen === ITEMS && !s.claim && Date.parse(s.next_due) > now).length;
  };
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
    const before = events(logFile).length;
    const cpu0 = groupCpuMs(wrangler.pid);
    const t0 = Date.now();
    let ticks = 0;
    let fresh = 0;
    const progress = [];
    while (Date.now() - t0 < MINUTES * 60_000) {
      await fetch(`${base}/__scheduled?cron=*/10+*+*+*+*`);
      ticks += 1;
      const tickAt = Date.now();
      // Listing 1,000 sources costs the runtime CPU too: poll less often the more there are.
      const pollMs = Math.max(2000, SOURCES * 10);
      while (Date.now() - tickAt < TICK_S * 1000) {
        await sleep(Math.min(pollMs, TICK_S * 1000));
        fresh = await freshCount();
        if (fresh === SOURCES) break;
      }
      progress.push({ s: Math.round((Date.now() - t0) / 1000), fresh });
      if (fresh === SOURCES) break;
    }
    const seconds = (Date.now() - t0) / 1000;
    const cpuMs = groupCpuMs(wrangler.pid) - cpu0;
    // The last handler's log line may follow its last write by a moment.
    await sleep(3000);
    const run = events(logFile).slice(before);
    // Then ticks with nothing due: every source was just refreshed.
    for (let i = 0; i < IDLE_TICKS; i++) {
      await fetch(`${base}/__scheduled?cron=*/10+*+*+*+*`);
      await sleep(1500);
    }
    const idle = events(logFile).slice(before + run.length).filter((e) => e.event === "refresh_enqueue" || e.event === "refresh_tick");
    const sweeps = events(logFile).slice(before + run.length).filter((e) => e.event === "writer_sweep");

    // KV per source: what the refreshes counted (the writers' operations included), plus the producer's share.
    const refreshLines = run.filter((e) => e.event === "refresh_queue" || e.event === "refresh_tick");
    const refreshed = refreshLines.reduce((n, e) => n + (Array.isArray(e.refreshed) ? e.refreshed.length : e.refreshed ?? 0), 0);
    const refreshKv = refreshLines.reduce((n, e) => n + kvTotal(e.kv), 0);
    const producerKv = run.filter((e) => e.event === "refresh_enqueue").reduce((n, e) => n + kvTotal(e.kv), 0);
    const writes = refreshLines.reduce((n, e) => n + (e.kv?.writes ?? 0) + (e.kv?.deletes ?? 0), 0);
    return {
      label, sources: SOURCES, fresh, ticks, seconds: Math.round(seconds), perMinute: Math.round((fresh / seconds) * 60),
      perTick: label === "in-tick" ? Math.round(fresh / Math.max(1, ticks)) : undefined,
      allFresh: fresh === SOURCES,
      refreshes: refreshed,
      // Per source made fresh: a source refreshed in parts counts all of its parts.
      kvPerSource: fresh > 0 ? (refreshKv + producerKv) / fresh : NaN,
      writesPerSource: fresh > 0 ? writes / fresh : NaN,
      producerKvPerSource: fresh > 0 ? producerKv / fresh : NaN,
      cpuMsPerSource: fresh > 0 ? cpuMs / fresh : NaN,
      // Per refresh invocation (a source not yet fresh may take several).
      kvPerRefresh: refreshed > 0 ? refreshKv / refreshed : NaN,
      cpuMsPerRefresh: refreshed > 0 ? cpuMs / refreshed : NaN,
      // Only once every source is fresh are the ticks after it idle.
      idleTick: fresh < SOURCES ? undefined : {
        ticks: idle.length,
        maxKv: Math.max(0, ...idle.map((e) => kvTotal(e.kv))),
        maxLists: Math.max(0, ...idle.map((e) => e.kv?.lists ?? 0)),
        writerSweepKv: Math.max(0, ...sweeps.map((e) => e.kvOps ?? 0)),
      },
      progress,
    };
  } finally {
    await wrangler.stop();
    rmSync(persistTo, { recursive: true, force: true });
  }
}

/** Both paths, one after the other, against one loopback upstream. */
export async function runRefreshScale({ sources = 1000, minutes = 20, inTickMinutes = 3, tickS = 10, only, log = console.error } = {}) {
  const upstream = await startUpstream();
  const upstreamPort = upstream.address().port;
  // The in-tick path: the shipped config without its `queues` block, next to it so paths resolve,
  // and with the paid plan's bound on new items a tick maps (README, "Budgets per cron tick"): at
  // the free plan's 6 the tick's CPU bound, not its KV budget, would be what this measures.
  const noQueue = join(ROOT, ".bench-wrangler-noqueue.jsonc");
  const shipped = readFileSync(join(ROOT, "wrangler.jsonc"), "utf8");
  writeFileSync(noQueue, shipped.replace(/\n  "queues": \{[\s\S]*?\n  \},\n/, "\n").replace(/"REFRESH_ITEMS_PER_PART": "\d+"/, '"REFRESH_ITEMS_PER_PART": "200"'));
  const results = [];
  try {
    for (const [label, config] of [["queue", undefined], ["in-tick", noQueue]]) {
      if (only !== undefined && only !== label) continue;
      // The in-tick path is bounded by its KV budget per tick, not by time: a few minutes show its rate.
      const limit = label === "queue" ? minutes : inTickMinutes;
      log(`[refresh-scale] ${label}: ${sources} sources of ${ITEMS} items, a tick every ${tickS} s, at most ${limit} min`);
      const r = await runPath(label, config, upstreamPort, { sources, minutes: limit, tickS });
      log(`[refresh-scale] ${label}: ${r.fresh}/${r.sources} fresh after ${r.seconds} s and ${r.ticks} ticks (${r.perMinute} sources/min), ${r.refreshes} refreshes of ${r.kvPerRefresh.toFixed(1)} KV ops and ${r.cpuMsPerRefresh.toFixed(0)} ms CPU each; ${r.idleTick ? `idle tick ${r.idleTick.maxKv} KV ops (${r.idleTick.maxLists} lists)` : "no idle tick (sources still due)"}`);
      results.push(r);
    }
  } finally {
    rmSync(noQueue, { force: true });
    upstream.close();
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
  const results = await runRefreshScale({
    sources: arg("sources", 1000),
    minutes: arg("minutes", 20),
    inTickMinutes: arg("in-tick-minutes", 3),
    tickS: arg("tick", 10),
    only: process.argv.find((a) => a.startsWith("--only="))?.split("=")[1],
  });
  console.log(JSON.stringify(results, null, 2));
}
