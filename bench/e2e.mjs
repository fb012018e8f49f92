// End to end: the real Worker under `wrangler dev` (workerd, local KV on disk in a fresh temp
// dir), loaded over loopback only. Stops wrangler's whole process group at the end, on failure too.
//   import { runE2E } from "./e2e.mjs"; await runE2E({ quick })
import { spawn, spawnSync } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { webhookInput } from "./inputs.mjs";
import { ROOT } from "./build.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `count` distinct TCP ports that were free on 127.0.0.1 a moment ago (held open together, so never the same one twice). */
export async function freePorts(count) {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise((resolve, reject) => {
      const server = createServer();
      server.on("error", reject);
      server.listen(0, "127.0.0.1", () => resolve(server));
    })),
  );
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** wrangler dev as the leader of its own process group (workerd and esbuild are its children). */
export function startWrangler({ port, inspectorPort, persistTo, vars, logFile, config, logLevel = "warn" }) {
  const log = createWriteStream(logFile);
  const args = [
    join(ROOT, "node_modules/wrangler/bin/wrangler.js"), "dev",
    "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort),
    "--persist-to", persistTo, "--show-interactive-dev-session=false", "--log-level", logLevel, "--test-scheduled",
    ...(config ? ["--config", config] : []),
    ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
  ];
  let exited = null;
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" },
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  child.on("exit", (code, sig) => (exited = code ?? sig));
  const pid = child.pid;
  const alive = () => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const signal = (s) => {
    try {
      process.kill(-pid, s);
    } catch {
      /* gone */
    }
  };
  const killNow = () => signal("SIGKILL");
  process.once("exit", killNow);
  return {
    pid,
    exited: () => exited,
    async stop() {
      signal("SIGTERM");
      for (let i = 0; i < 50 && alive(); i++) await sleep(100);
      if (alive()) signal("SIGKILL");
      for (let i = 0; i < 20 && alive(); i++) await sleep(100);
      process.removeListener("exit", killNow);
      return !alive();
    },
  };
}

const kvHeader = (res) =>
  Object.fromEntries((res.headers.get("x-tagfeed-kv") ?? "").split(",").filter(Boolean).map((p) => p.split("=")).map(([k, v]) => [k, Number(v)]));
const sumOps = (c) => Object.values(c).reduce((a, b) => a + b, 0);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)];
};

/** Standard Webhooks signature: base64 HMAC-SHA256 of `${id}.${timestamp}.${body}` with the secret's key. */
function signedHeaders(secret, body, id) {
  const ts = Math.floor(Date.now() / 1000);
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const sig = createHmac("sha256", key).update(`${id}.${ts}.${body}`).digest("base64");
  return { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": `v1,${sig}` };
}

/** wrk when it is installed (Debian package `wrk`), unless BENCH_LOAD_TOOL=autocannon. */
function hasWrk() {
  if (process.env.BENCH_LOAD_TOOL === "autocannon") return false;
  return spawnSync("wrk", ["--version"], { encoding: "utf8" }).error === undefined;
}

/** One load run: wrk (1 thread, 2 connections) or autocannon (2 connections). */
async function load(url, seconds, headers = {}) {
  if (hasWrk()) {
    const h = Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]);
    const r = spawnSync("wrk", ["-t1", "-c2", `-d${seconds}s`, "--latency", ...h, url], { encoding: "utf8", timeout: (seconds + 20) * 1000 });
    const out = r.stdout ?? "";
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
    const p50 = /\s50%\s+([\d.]+)(us|ms|s)/.exec(out);
    const p99 = /\s99%\s+([\d.]+)(us|ms|s)/.exec(out);
    const toMs = (m) => (m ? Number(m[1]) * (m[2] === "us" ? 1e-3 : m[2] === "s" ? 1e3 : 1) : NaN);
    const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
    const errors = /Socket errors:[^\n]*/.exec(out)?.[0];
    const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
    return { tool: "wrk", rps, p50Ms: toMs(p50), p99Ms: toMs(p99), requests, non2xx, errors: errors ?? null };
  }
  const { default: autocannon } = await import("autocannon");
  const r = await autocannon({ url, connections: 2, duration: seconds, pipelining: 1, headers });
  return { tool: "autocannon", rps: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, requests: r.requests.total, non2xx: r.non2xx, errors: r.errors ? `errors ${r.errors}` : null };
}

export async function runE2E(options = {}) {
  // A port taken by someone else between our check and wrangler's bind: try once more with new ports.
  try {
    return await runOnce(options);
  } catch (error) {
    if (!/Address already in use|exited before answering/.test(String(error.message))) throw error;
    (options.log ?? console.error)(`[e2e] ${error.message.split("\n")[0]}; retrying on other ports`);
    return await runOnce(options);
  }
}

async function runOnce({ quick = false, log = console.error } = {}) {
  const [port, inspectorPort] = await freePorts(2);
  const persistTo = mkdtempSync(join(tmpdir(), "tagfeed-bench-kv-"));
  const logFile = join(tmpdir(), `tagfeed-bench-wrangler-${port}.log`);
  const secret = `whsec_${randomBytes(32).toString("base64")}`;
  const admin = randomBytes(16).toString("hex");
  const base = `http://127.0.0.1:${port}`;
  const wrangler = startWrangler({ port, inspectorPort, persistTo, logFile, vars: { KV_COUNT: "true", WEBHOOK_SECRET: secret, ADMIN_TOKEN: admin } });
  const result = { port, logFile };
  try {
    // Up: /healthz answers, and carries the KV counting header (so --var reached the Worker).
    const started = Date.now();
    for (;;) {
      try {
        const res = await fetch(`${base}/healthz`);
        if (res.ok) {
          if (!res.headers.has("x-tagfeed-kv")) throw new Error("x-tagfeed-kv missing: KV_COUNT did not reach the Worker");
          break;
        }
      } catch (error) {
        if (String(error.message).includes("x-tagfeed-kv")) throw error;
      }
      if (wrangler.exited() !== null) {
        throw new Error(`wrangler dev exited before answering (${wrangler.exited()}): ${readFileSync(logFile, "utf8").replace(/\x1b\[[0-9;]*m/g, "").trim().split("\n").slice(0, 3).join(" ")}`);
      }
      if (Date.now() - started > 90_000) throw new Error(`wrangler dev did not answer within 90 s; log: ${logFile}`);
      await sleep(250);
    }
    result.startupMs = Date.now() - started;
    log(`[e2e] wrangler dev up on ${base} in ${result.startupMs} ms`);

    // Ingest: 200 articles over 10 tags through the signed webhook: 50 one per request in turn,
    // 50 one per request 4 at a time, 100 in 4 requests of 25. That is 104 requests, under the
    // write routes' rate limit (wrangler.jsonc WRITE_LIMITER: 120 a minute per client).
    const post = async (from, count = 1) => {
      const articles = Array.from({ length: count }, (_, k) => webhookInput(from + k));
      const body = JSON.stringify(count === 1 ? articles[0] : { articles });
      const res = await fetch(`${base}/api/articles`, { method: "POST", headers: signedHeaders(secret, body, `msg_bench_${from}_${count}`), body });
      const json = await res.json();
      if (res.status !== 201) throw new Error(`webhook answered ${res.status}: ${JSON.stringify(json).slice(0, 300)}`);
      return { kv: kvHeader(res), tags: json.articles[0].tags };
    };
    const perArticle = [];
    let t0 = performance.now();
    for (let i = 0; i < 50; i++) perArticle.push(await post(i));
    const seqMs = performance.now() - t0;
    const CONCURRENCY = 4;
    let nextI = 50;
    t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (nextI < 100) perArticle.push(await post(nextI++));
      }),
    );
    const concMs = performance.now() - t0;
    const BATCH = 25;
    const perBatch = [];
    t0 = performance.now();
    for (let i = 100; i < 200; i += BATCH) perBatch.push(await post(i, BATCH));
    const batchMs = performance.now() - t0;
    const ops = perArticle.map((p) => p.kv);
    result.ingest = {
      articles: 200,
      sequential: { articles: 50, ms: seqMs, perSecond: (50 * 1000) / seqMs },
      concurrent: { articles: 50, concurrency: CONCURRENCY, ms: concMs, perSecond: (50 * 1000) / concMs },
      batched: { articles: 100, perRequest: BATCH, ms: batchMs, perSecond: (100 * 1000) / batchMs, kvPerRequest: perBatch[perBatch.length - 1].kv },
      kvFirstArticle: ops[0],
      kvTypical: Object.fromEntries(Object.keys(ops[ops.length - 1]).map((k) => [k, median(ops.slice(10).map((o) => o[k]))])),
      kvOpsPerArticleMedian: median(ops.slice(10).map(sumOps)),
    };
    log(`[e2e] ingest: ${result.ingest.sequential.perSecond.toFixed(1)} articles/s one at a time, ${result.ingest.concurrent.perSecond.toFixed(1)} with ${CONCURRENCY} at once, ${result.ingest.batched.perSecond.toFixed(1)} in batches of ${BATCH}`);

    // The feed: AMANAT (60 of the 200 articles), default limit 50.
    const tag = perArticle[0].tags[0];
    const feedUrl = `${base}/feeds/${tag.type}/${tag.slug}.rss`;
    const probe = async (url) => {
      // A keep-alive socket left idle through a load run may have been closed by the server: retry once.
      const res = await fetch(url).catch(() => sleep(200).then(() => fetch(url)));
      const body = await res.arrayBuffer();
      const text = new TextDecoder().decode(body);
      return { status: res.status, layer: res.headers.get("x-tagfeed-layer"), etag: res.headers.get("etag"), kv: kvHeader(res), bytes: body.byteLength, items: (text.match(/<item>/g) ?? []).length };
    };
    const first = await probe(feedUrl);
    await sleep(500); // the snapshot and cache writes run in waitUntil
    const second = await probe(feedUrl);
    const third = await probe(feedUrl);
    result.feed = { url: feedUrl.replace(base, ""), first, second, third };
    log(`[e2e] feed ${result.feed.url}: ${first.items} items, ${first.bytes} bytes; layers ${first.layer} -> ${second.layer} -> ${third.layer}`);

    // Load: healthz, feed, healthz, feed, interleaved in one run.
    const seconds = quick ? 3 : 10;
    const runs = [];
    for (const [name, url] of [["healthz", `${base}/healthz`], ["feed", feedUrl], ["healthz", `${base}/healthz`], ["feed", feedUrl]]) {
      log(`[e2e] load ${name} ${seconds}s`);
      runs.push({ name, ...(await load(url, seconds)) });
    }
    const rate = (name) => {
      const r = runs.filter((x) => x.name === name);
      return r.reduce((a, x) => a + x.rps, 0) / r.length;
    };
    result.load = { seconds, connections: 2, runs, healthzRps: rate("healthz"), feedRps: rate("feed"), ratio: rate("feed") / rate("healthz") };
    result.feed.afterLoad = await probe(feedUrl);

    // Where the feed's time goes (diagnostics, not targets): the same feed answered 304 (the same
    // KV reads and cache lookup, no body on the wire), and one stored article as JSON (one KV
    // read, a 3 KB body).
    const articleUrl = `${base}/api/articles/${webhookInput(0).id}`;
    const diag = [];
    for (const [name, url, headers] of [
      ["feed 304 (If-None-Match)", feedUrl, { "if-none-match": first.etag }],
      ["GET /api/articles/{id} (1 KV read)", articleUrl, {}],
      ["healthz", `${base}/healthz`, {}],
    ]) {
      log(`[e2e] diagnostic load ${name} ${Math.ceil(seconds / 2)}s`);
      diag.push({ name, ...(await load(url, Math.ceil(seconds / 2), headers)) });
    }
    result.diagnostics = diag;
    log(`[e2e] feed ${result.load.feedRps.toFixed(0)} req/s, healthz ${result.load.healthzRps.toFixed(0)} req/s, ratio ${result.load.ratio.toFixed(2)}`);
    return result;
  } finally {
    result.stopped = await wrangler.stop();
    rmSync(persistTo, { recursive: true, force: true });
  }
}

export function versions() {
  const pkg = (name) => {
    try {
      return JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")).version;
    } catch {
      return "?";
    }
  };
  return { node: process.version, wrangler: pkg("wrangler"), workerd: pkg("workerd"), miniflare: pkg("miniflare") };
}
