// Refresh CPU: one source refreshed through the real code path (src/refresh/refresh-source.ts:
// fetch → parse → map → normalize → ingest through the article writers) over the in-memory KV
// (bench/memory-kv.mjs) and the writer stand-in (bench/durable-objects.mjs), the upstream answered
// by an in-process fetch. Inputs: RSS 2.0 documents from bench/inputs.mjs (Russian and English
// news with 1.7-3.3 KB HTML bodies, three categories each, auto-tagging on).
//   node bench/refresh-cpu.mjs [--quick] [--json=FILE] [--against=DIR] [--part=N] [--only=whole,two,parts,big] [--profile]
//   (npm run bench runs it too)
// Rows: a 50-item document with every item new (total, then each phase measured alone over the
// same items), the same document with 2 new items of 50 (the rest fingerprinted by the previous
// refresh), one part of a queued refresh of that document (`REFRESH_ITEMS_PER_PART` new items:
// the first part, which fetches and parses, and a later one, which takes up the stored
// continuation; each with the continuation it stores for the next), and a ~5 MB document (1,400+
// items, of which the first 200 are looked at), whole and its first part.
// Each sample is one refresh (or one phase over all the items); a fresh store for every sample is
// made before the clock starts. Per sample: the CPU time of the isolate's thread
// (process.threadCpuUsage: time other processes take on a shared machine does not count, nor
// Node's SHA-256, which runs on libuv's thread pool — workerd digests natively on the isolate's
// thread, see `workerdDigests`), the same without the CPU spent inside the article writers
// (their own invocations in workerd), and wall time. CPU as means, wall as medians with p25-p75.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { bundle } from "./build.mjs";
import { makeUpstreamRss } from "./inputs.mjs";
import { MemoryKV } from "./memory-kv.mjs";

const args = process.argv.slice(2);
const QUICK = args.includes("--quick") || process.env.BENCH_QUICK === "1";
/** --only=whole,two,parts,big: the sections to run (all by default). */
const ONLY = args.find((a) => a.startsWith("--only="))?.slice("--only=".length).split(",");
const wanted = (section) => ONLY === undefined || ONLY.includes(section);
/** --part=N: new items per part in the "one part" rows (REFRESH_ITEMS_PER_PART's default, 6). */
const PART = Number(args.find((a) => a.startsWith("--part="))?.slice("--part=".length) ?? 6);
const JSON_OUT = args.find((a) => a.startsWith("--json="))?.slice("--json=".length);
const log = (...a) => console.error("[refresh-cpu]", ...a);

const ENTRY = `
export { refreshSource } from "./src/refresh/refresh-source";
export { readContinuation, writeContinuation } from "./src/refresh/resume";
export { parseFeed } from "./src/upstream/parse";
export { mapItem, sharedLinks } from "./src/refresh/map-item";
export { normalizeArticle } from "./src/ingest/normalize";
export { sanitizeHtml, htmlToText } from "./src/ingest/sanitize";
export { autoTag } from "./src/tags/autotag";
export { ingestUpstream } from "./src/ingest/ingest";
export { compileTaxonomy } from "./src/tags/resolve";
export { DEFAULT_TAXONOMY } from "./src/tags/default-taxonomy";
export { newSource } from "./src/domain/source";
export { DEFAULT_FETCH_LIMITS } from "./src/refresh/fetch-upstream";
export { ArticleWriter } from "./src/store/article-writer";
export { durableNamespace } from "./bench/durable-objects.mjs";
export { config as zodConfig } from "zod";
`;

// --against=DIR: the whole-refresh rows also for another checkout (e.g. the main branch), its
// samples interleaved with this one's, so both figures see the same load on the machine.
const AGAINST = args.find((a) => a.startsWith("--against="))?.slice("--against=".length);
const tmp = mkdtempSync(join(os.tmpdir(), "tagfeed-refresh-cpu-"));
let m;
let other;
try {
  m = await import(await bundle("refresh", ENTRY, tmp));
  if (AGAINST) other = await import(await bundle("against", ENTRY, tmp, AGAINST));
} finally {
  // A profile names the bundle's lines: it stays then.
  if (!args.includes("--profile")) rmSync(tmp, { recursive: true, force: true });
  else log(`bundle kept: ${tmp}`);
}

// zod compiles its parsers with \`new Function\` where it may; workerd forbids that (and zod does
// not try it there), so the bench runs zod as the Worker does.
for (const mod of [m, other]) mod?.zodConfig({ jitless: true });

const FEED_URL = "https://news.example.kz/rss";
const NOW_MS = Date.parse("2024-05-01T12:30:00.000Z");
const taxonomies = new Map([m, other].filter(Boolean).map((mod) => [mod, mod.compileTaxonomy(mod.DEFAULT_TAXONOMY)]));
const taxonomy = taxonomies.get(m);
const TAXONOMY_VERSION = '"bench-taxonomy-1"';
const config = { ...m.DEFAULT_FETCH_LIMITS, maxSources: 20, subrequests: 40, kvOps: 800, wallMs: 20_000, concurrency: 4, allowPrivate: false, userAgent: "tagfeed-bench" };
/** The queue consumer's budget for one source (refresh/queue.ts): 900 KV operations less its own. */
const MAX_WRITE_OPS = 892;

// SHA-256 digests are counted (every call goes through crypto.subtle.digest), so the hashing
// row replays exactly the digests one refresh makes.
// Node's crypto.subtle.digest runs each digest on libuv's thread pool and resolves on a later
// turn of the event loop; workerd's hashes natively on the isolate's own thread and resolves at
// once. `workerdDigests` switches to the latter's shape (node:crypto's synchronous hash, then a
// resolved promise) for the rows that say so.
const digest = crypto.subtle.digest.bind(crypto.subtle);
let recording = null;
let workerdDigests = false;
crypto.subtle.digest = (algorithm, data) => {
  const bytes = new Uint8Array(data instanceof ArrayBuffer ? data : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  recording?.push(bytes);
  if (workerdDigests && algorithm === "SHA-256") {
    const out = createHash("sha256").update(bytes).digest();
    return Promise.resolve(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
  }
  return digest(algorithm, data);
};

// Time inside the article writers: in workerd each writer call runs in the Durable Object's own
// invocation (its own CPU limit), so it is counted apart from the refresh's own CPU. A span lasts
// while any writer call is unsettled (ingest calls the shards at once). Making a writer object
// (the first call to a shard of a fresh store) counts as the writer's too.
const writerTime = { depth: 0, start: null, cpuMs: 0 };
/** CPU time of this thread (the isolate's), in ms: other threads and other processes do not count. */
const threadMs = (since) => {
  const u = process.threadCpuUsage(since);
  return (u.user + u.system) / 1000;
};
function timedWriters(namespace) {
  const stubs = new Map();
  const wrap = (object) =>
    new Proxy(object, {
      get(target, key) {
        const value = target[key];
        if (typeof value !== "function") return value;
        return async (...a) => {
          if (writerTime.depth++ === 0) writerTime.start = process.threadCpuUsage();
          try {
            return await value.apply(target, a);
          } finally {
            if (--writerTime.depth === 0) writerTime.cpuMs += threadMs(writerTime.start);
          }
        };
      },
    });
  return {
    ...namespace,
    getByName: (name) => {
      if (!stubs.has(name)) {
        // The object is made here (its SQLite schema set up): in workerd, in its own invocation too.
        const start = writerTime.depth === 0 ? process.threadCpuUsage() : undefined;
        stubs.set(name, wrap(namespace.getByName(name)));
        if (start !== undefined) writerTime.cpuMs += threadMs(start);
      }
      return stubs.get(name);
    },
  };
}

/** A store as a deployment has it: KV, the article writers, and the source record in KV. */
async function freshStore(source, mod = m) {
  const kv = new MemoryKV();
  const env = { KV: kv };
  env.ARTICLE_WRITER = timedWriters(mod.durableNamespace(mod.ArticleWriter, env));
  await kv.put(`source:${source.id}`, JSON.stringify(source));
  return { kv, writers: env.ARTICLE_WRITER };
}

function deps(store, body, mod) {
  return {
    kv: store.kv,
    writers: store.writers,
    fetch: async () => new Response(body, { status: 200, headers: { "content-type": "application/rss+xml; charset=utf-8" } }),
    parse: mod.parseFeed,
    taxonomy: taxonomies.get(mod),
    taxonomyVersion: TAXONOMY_VERSION,
    config,
    now: () => NOW_MS,
  };
}

const baseSource = m.newSource("s-00000000000000b1", FEED_URL, { name: "News KZ" }, new Date(NOW_MS - 3_600_000).toISOString());

async function refresh(store, body, source = baseSource, mod = m) {
  const { report, source: saved } = await mod.refreshSource(deps(store, body, mod), source, { maxWriteOps: MAX_WRITE_OPS });
  if (report.outcome !== "updated") throw new Error(`refresh: ${report.outcome} ${report.status} ${report.error ?? ""}`);
  return { report, saved };
}

/** Samples of `run()` (timed), each after an untimed `setup()`. */
async function sample(name, setup, run, options) {
  return (await samples([{ name, setup, run }], options))[0];
}

/** Samples of several tasks, taken in turn (one of each, then again), so drift hits all alike. */
async function samples(tasks, { warmup = QUICK ? 3 : 10, samples = QUICK ? 10 : 40 } = {}) {
  for (const { setup, run } of tasks) for (let i = 0; i < warmup; i++) await run(await setup());
  const taken = tasks.map(() => ({ wall: [], active: [], own: [] }));
  for (let i = 0; i < samples; i++) {
    for (const [k, { setup, run }] of tasks.entries()) {
      const state = await setup();
      writerTime.cpuMs = 0;
      const cpu0 = process.threadCpuUsage();
      const t0 = performance.now();
      await run(state);
      taken[k].wall.push(performance.now() - t0);
      const busy = threadMs(cpu0);
      taken[k].active.push(busy);
      taken[k].own.push(busy - writerTime.cpuMs);
    }
  }
  return tasks.map(({ name }, k) => summary(name, taken[k]));
}

/** One task per checkout measured: this one's, then --against's (named so). */
const checkouts = (name, make) => [{ name, ...make(m) }, ...(other ? [{ name: `${name} [${AGAINST}]`, against: true, ...make(other) }] : [])];
async function compared(name, make, options) {
  const tasks = checkouts(name, make);
  const rows = await samples(tasks, options);
  rows.forEach((row, k) => tasks[k].against && (row.against = AGAINST));
  return rows;
}

function summary(name, { wall, active, own }) {
  const stats = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const q = (p) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))];
    // The thread CPU clock ticks in steps of a few ms on common kernels (4 ms at HZ=250): one
    // sample's figure is that coarse, the mean of many is not (the 10% at each end left out).
    const trimmed = s.slice(Math.floor(s.length * 0.1), Math.ceil(s.length * 0.9));
    return { meanMs: trimmed.reduce((a, b) => a + b, 0) / trimmed.length, medianMs: q(0.5), p25Ms: q(0.25), p75Ms: q(0.75) };
  };
  const row = { name, wall: stats(wall), cpu: stats(active), own: stats(own), samples: wall.length };
  const f = (x) => `${x.medianMs.toFixed(2)} ms [${x.p25Ms.toFixed(2)}–${x.p75Ms.toFixed(2)}]`;
  log(`${name}: thread CPU ${row.cpu.meanMs.toFixed(2)} ms, without the writers ${row.own.meanMs.toFixed(2)} ms (means); wall ${f(row.wall)}`);
  return row;
}

/** The items of one generated document as separate XML blocks, to build documents that share items. */
function documentOf(itemXml) {
  const head = full.xml.slice(0, full.xml.indexOf("<item>"));
  return new TextEncoder().encode(`${head}${itemXml.join("")}</channel>\n</rss>\n`);
}
const full = makeUpstreamRss({ items: 52 });
const itemBlocks = full.xml.split("<item>").slice(1).map((s) => `<item>${s.slice(0, s.indexOf("</item>") + "</item>".length)}\n`);

// --profile: only the whole 50-item refresh, in a loop (run under `node --cpu-prof`); with
// --two-new the 2-new-of-50 one; with --workerd-digests SHA-256 as workerd does it.
if (args.includes("--profile")) {
  const body = documentOf(itemBlocks.slice(0, 50));
  workerdDigests = args.includes("--workerd-digests");
  if (args.includes("--two-new")) {
    // The 2-new-of-50 refresh instead: the previous document is stored first (profiled too).
    const before = documentOf(itemBlocks.slice(2, 52));
    for (let i = 0; i < 300; i++) {
      const store = await freshStore(baseSource);
      const { saved } = await refresh(store, before);
      await refresh(store, body, saved);
    }
    process.exit(0);
  }
  for (let i = 0; i < 300; i++) await refresh(await freshStore(baseSource), body);
  process.exit(0);
}

const results = { items: 50, rows: [], twoNew: null, parts: null, big: null, digests: null };

/**
 * One part of a queued refresh as the consumer runs it (refresh/queue.ts): the continuation of
 * the previous part read, `PART` new items prepared and stored, the next continuation written.
 */
async function queuedPart(store, body, source, part = 0) {
  const stored = part > 0 ? await m.readContinuation(store.kv, source.id, "bench", part) : undefined;
  if (part > 0 && !stored) throw new Error(`no continuation stored for part ${part}`);
  const { report, continuation } = await m.refreshSource(deps(store, body, m), source, { maxWriteOps: MAX_WRITE_OPS, allowContinuation: true, maxNewItems: PART, ...(stored && { resume: stored.continuation }) });
  if (report.outcome !== "updated") throw new Error(`part: ${report.outcome} ${report.status} ${report.error ?? ""}`);
  if (continuation) await m.writeContinuation(store.kv, source.id, "bench", part + 1, continuation, stored?.items);
  return { report, continuation };
}
/** A later part's state: the first two parts done, the third's continuation stored (its items in the first's record). */
async function afterFirstParts(body) {
  const store = await freshStore(baseSource);
  await queuedPart(store, body, baseSource, 0);
  const second = await queuedPart(store, body, baseSource, 1);
  if (!second.continuation) throw new Error("the document did not continue after its second part");
  return store;
}
const thirdPart = (store, body) => queuedPart(store, body, baseSource, 2);
const noop = () => null;

// --- 50 items, every one new -------------------------------------------------------------------
if (wanted("whole")) {
  const body = documentOf(itemBlocks.slice(0, 50));
  results.inputBytes = body.byteLength;
  const options = { url: FEED_URL, contentType: "application/rss+xml; charset=utf-8" };
  const parsed = m.parseFeed(body, options);
  if (!parsed.ok || parsed.value.items.length !== 50) throw new Error("the 50-item document does not parse to 50 items");
  const items = parsed.value.items;
  const context = { source: baseSource, taxonomy, fetchedAtIso: new Date(NOW_MS).toISOString(), feedLanguage: parsed.value.language, sharedUrls: m.sharedLinks(items) };
  const mapped = [];
  for (const item of items) {
    const r = await m.mapItem(item, context);
    if (!r.ok) throw new Error(`mapItem: ${r.error}`);
    mapped.push(r.value);
  }
  const texts = items.map((item, i) => `${mapped[i].input.title}\n${m.htmlToText(item.contentHtml.slice(0, 80_000)).slice(0, 20_000)}`);
  const normalizeAll = async () => {
    const drafts = [];
    for (const mi of mapped) {
      const r = await m.normalizeArticle(mi.input, { taxonomy, nowMs: NOW_MS, contentBase: mi.contentBase, linkAsGiven: true });
      if (!r.ok) throw new Error(`normalize: ${JSON.stringify(r.error)}`);
      drafts.push({ draft: r.value, inventedDate: mi.inventedDate });
    }
    return drafts;
  };
  const drafts = await normalizeAll();

  // One refresh with the digests recorded.
  recording = [];
  const check = await refresh(await freshStore(baseSource), body);
  const digests = recording;
  recording = null;
  if (check.report.counts.created !== 50) throw new Error(`expected 50 created, got ${JSON.stringify(check.report.counts)}`);
  results.digests = { count: digests.length, bytes: digests.reduce((n, d) => n + d.byteLength, 0) };
  log(`one refresh: ${digests.length} SHA-256 digests over ${results.digests.bytes} bytes; KV ops ${check.report.kvOps}`);

  const rows = results.rows;
  const whole = (mod) => ({ setup: () => freshStore(baseSource, mod), run: (store) => refresh(store, body, baseSource, mod) });
  rows.push(...(await compared("whole refresh, 50 new items", whole)));
  workerdDigests = true;
  rows.push(...(await compared("whole refresh, 50 new items, SHA-256 on the isolate's thread (as workerd)", whole)));
  workerdDigests = false;
  rows.push(await sample("  parse (parseFeed)", noop, () => m.parseFeed(body, options)));
  rows.push(
    await sample("  map (mapItem: text, title, categories, auto-tag, zod)", noop, async () => {
      for (const item of items) await m.mapItem(item, context);
    }),
  );
  rows.push(
    await sample("    of which auto-tag (autoTag)", noop, () => {
      for (const text of texts) m.autoTag(taxonomy, text);
    }),
  );
  rows.push(await sample("  normalize (normalizeArticle: sanitize, URLs, tags, zod, id, rev)", noop, normalizeAll));
  rows.push(
    await sample("    of which sanitize (sanitizeHtml)", noop, () => {
      for (const mi of mapped) m.sanitizeHtml(mi.input.content_html, { baseUrl: mi.contentBase ?? mi.input.url });
    }),
  );
  rows.push(
    await sample(`  hashing (the refresh's ${digests.length} SHA-256 digests, replayed)`, noop, async () => {
      for (const d of digests) await digest("SHA-256", d);
    }),
  );
  rows.push(
    await sample("  storage (ingestUpstream: KV reads, writer calls; the writers' own work included)", () => freshStore(baseSource), (store) =>
      m.ingestUpstream({ kv: store.kv, writers: store.writers }, drafts, NOW_MS, { maxWriteOps: MAX_WRITE_OPS }),
    ),
  );
}

// --- 2 new items of 50 -------------------------------------------------------------------------
if (wanted("two")) {
  const before = documentOf(itemBlocks.slice(2, 52));
  const after = documentOf(itemBlocks.slice(0, 50));
  const setupFor = (mod) => async () => {
    const store = await freshStore(baseSource, mod);
    const { saved } = await refresh(store, before, baseSource, mod);
    return { store, saved };
  };
  const first = await setupFor(m)();
  const r = await refresh(first.store, after, first.saved);
  if (r.report.counts.created !== 2 || r.report.counts.unchanged !== 48) throw new Error(`2-new refresh: ${JSON.stringify(r.report.counts)}`);
  results.twoNew = await compared("refresh, 2 new items of 50", (mod) => ({ setup: setupFor(mod), run: ({ store, saved }) => refresh(store, after, saved, mod) }));
}

// --- one part of a queued refresh of the 50-new-item document ---------------------------------
if (wanted("parts")) {
  const body = documentOf(itemBlocks.slice(0, 50));
  // As in workerd: the CPU limit is workerd's.
  workerdDigests = true;
  const first = await queuedPart(await freshStore(baseSource), body, baseSource);
  if (first.report.counts.created !== PART) throw new Error(`first part: ${JSON.stringify(first.report.counts)}`);
  const third = await thirdPart(await afterFirstParts(body), body);
  if (third.report.counts.created !== 3 * PART) throw new Error(`third part: ${JSON.stringify(third.report.counts)}`);
  results.parts = {
    itemsPerPart: PART,
    parts: Math.ceil(50 / PART),
    rows: await samples([
      { name: `one part of ${PART} new items (SHA-256 as workerd), the first: fetch, parse, the continuation stored`, setup: () => freshStore(baseSource), run: (store) => queuedPart(store, body, baseSource) },
      { name: `one part of ${PART} new items (SHA-256 as workerd), a later one (the third): the continuation read, the next stored`, setup: () => afterFirstParts(body), run: (store) => thirdPart(store, body) },
    ]),
  };
  workerdDigests = false;
}

// --- ~5 MB document ----------------------------------------------------------------------------
if (wanted("big")) {
  // Just under the default body limit (REFRESH_MAX_BYTES, 5 MiB).
  const big = makeUpstreamRss({ minBytes: 5_000_000 });
  const body = new TextEncoder().encode(big.xml);
  const r = await refresh(await freshStore(baseSource), body);
  const few = { warmup: QUICK ? 1 : 3, samples: QUICK ? 4 : 12 };
  const rows = await compared(`refresh, ${(body.byteLength / 2 ** 20).toFixed(1)} MB document (${big.items} items, 200 looked at)`, (mod) => ({ setup: () => freshStore(baseSource, mod), run: (store) => refresh(store, body, baseSource, mod) }), few);
  // Its queued parts as workerd hashes, like the 50-item document's.
  workerdDigests = true;
  const firstPart = await sample(`  its first queued part (parse, ${PART} new items, the continuation of the other ${200 - PART} stored; SHA-256 as workerd)`, () => freshStore(baseSource), (store) => queuedPart(store, body, baseSource), few);
  const laterPart = await sample(`  a later queued part (the third: ${PART} new items, the continuation read and the next stored; SHA-256 as workerd)`, () => afterFirstParts(body), (store) => thirdPart(store, body), few);
  workerdDigests = false;
  const parse = await sample("  of which parse", noop, () => m.parseFeed(body, { url: FEED_URL, contentType: "application/rss+xml; charset=utf-8" }), { warmup: 2, samples: QUICK ? 4 : 12 });
  results.big = { inputBytes: body.byteLength, items: big.items, counts: r.report.counts, rows, firstPart, laterPart, parse };
}

if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(results, null, 1));
else console.log(JSON.stringify(results, null, 1));
