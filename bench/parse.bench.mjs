// Throwaway timing of src/upstream/parse.ts against peer parsers (not part of the test suite;
// the project benchmark of issue 7 is `npm run bench`). Bundles parse.ts with esbuild, generates
// RSS feeds of 20/100/1000 items with ~3 KB HTML bodies (Cyrillic and Latin) and a ~5 MB one,
// and times them warm, interleaved, median of rounds.
//   node bench/parse.bench.mjs
// Peers are not project dependencies; to include them:
//   npm install --prefix /tmp/parsebench rss-parser @extractus/feed-extractor
//   PARSE_BENCH_DEPS=/tmp/parsebench/node_modules node bench/parse.bench.mjs
// Peak memory of the ~5 MB parses (one per process):
//   node --expose-gc bench/parse.bench.mjs memory 0   (Latin)   ... memory 1   (Cyrillic)
//   (add `decode-only` after the number for the floor: TextDecoder alone)
import { build } from "esbuild";
import { createRequire } from "node:module";

const root = new URL("..", import.meta.url).pathname;
const out = await build({
  entryPoints: [`${root}src/upstream/parse.ts`],
  bundle: true,
  format: "esm",
  platform: "neutral",
  mainFields: ["module", "main"],
  write: false,
  logLevel: "error",
});
const { parseFeed } = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString("base64")}`);

// ---- deterministic inputs ------------------------------------------------------------------
const CYR = ["В Алматы состоялось", "экспертное обсуждение", "проекта «новой» платформы", "партия Amanat и партнёры", "жители города Астана"];
const LAT = ["The city council met", "to discuss the budget", "for the new transit line", "and partners &amp; friends", "residents of Springfield"];
function paragraph(i, words) {
  return `<p>${words[i % 5]} <a href="/news/${i}?a=1&amp;b=2">${words[(i + 1) % 5]}</a> ${words[(i + 2) % 5]} &mdash; <b>${words[(i + 3) % 5]}</b> <em>${words[(i + 4) % 5]}</em>.</p>`;
}
function body(bytes, words, seed) {
  let s = "";
  for (let i = seed; s.length < bytes; i++) s += paragraph(i, words) + (i % 4 === 1 ? `<img src="https://cdn.example.kz/${i}.jpg" alt="">` : "");
  return s;
}
export function generateRss(items, { bodyBytes = 3000, cyrillic = true } = {}) {
  const words = cyrillic ? CYR : LAT;
  let s = `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">\n<channel><title>Bench feed</title><link>https://news.example.kz/</link><description>Generated</description><language>${cyrillic ? "ru" : "en"}</language>\n`;
  for (let i = 0; i < items; i++) {
    const day = String((i % 28) + 1).padStart(2, "0");
    s +=
      `<item><title>${words[i % 5]} ${i} &amp; ${words[(i + 2) % 5]}</title><link>https://news.example.kz/${cyrillic ? "ru" : "en"}/news/${i}</link>` +
      `<guid isPermaLink="false">bench-${i}</guid><pubDate>Mon, ${day} Sep 2024 10:${String(i % 60).padStart(2, "0")}:00 +0300</pubDate>` +
      `<dc:creator>${cyrillic ? "Автор" : "Author"} ${i % 7}</dc:creator><category>${cyrillic ? "Политика" : "Politics"}</category><category>${cyrillic ? "Алматы" : "Springfield"}</category>` +
      `<description><![CDATA[${body(300, words, i)}]]></description><content:encoded><![CDATA[${body(bodyBytes, words, i)}]]></content:encoded>` +
      `<enclosure url="https://cdn.example.kz/${i}.jpg" type="image/jpeg" length="12345"/><media:thumbnail url="https://cdn.example.kz/t/${i}.jpg"/></item>\n`;
  }
  return `${s}</channel></rss>\n`;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const inputs = [
  ["20 items, Cyrillic", generateRss(20)],
  ["100 items, Cyrillic", generateRss(100)],
  ["100 items, Latin", generateRss(100, { cyrillic: false })],
  ["1000 items, Cyrillic", generateRss(1000)],
].map(([name, xml]) => ({ name, xml, bytes: enc.encode(xml) }));
const big = generateRss(1500, { bodyBytes: 3000, cyrillic: false });
const bigBytes = enc.encode(big);

if (process.argv[2] === "memory") {
  // Peak resident memory of one parse, as the growth of the process's max RSS (getrusage
  // ru_maxrss), after the input is built and touched; one input per process (`memory 0|1`),
  // with a GC first so the baseline is the live set. Also heap retained with the result alive.
  const which = Number(process.argv[3] ?? 0);
  const [name, bytes] = which === 0 ? ["~5 MB Latin (1500 items)", bigBytes] : ["~5.6 MB Cyrillic (1000 items)", inputs[3].bytes];
  const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.resourceUsage().maxRSS * 1024;
  const decodeOnly = process.argv[4] === "decode-only";
  const result = decodeOnly ? { ok: false, error: { message: `decode only: ${new TextDecoder().decode(bytes).length} chars, no` } } : parseFeed(bytes, { url: "https://news.example.kz/feed" });
  const rssPeak = process.resourceUsage().maxRSS * 1024;
  globalThis.gc?.();
  const retained = process.memoryUsage().heapUsed - heapBefore;
  console.log(`${name}: input ${mb(bytes.length)}, ${result.ok ? result.value.items.length : result.error.message} items; peak RSS growth ${mb(rssPeak - rssBefore)} (${((rssPeak - rssBefore) / bytes.length).toFixed(2)}x input); heap retained with the result alive ${mb(retained)}`);
  process.exit(0);
}

// ---- candidates ------------------------------------------------------------------------------
const candidates = { "tagfeed parseFeed (bytes)": (input) => parseFeed(input.bytes, { url: "https://news.example.kz/feed" }) };
const deps = process.env.PARSE_BENCH_DEPS;
if (deps) {
  const req = createRequire(`${deps}/`);
  const RssParser = req("rss-parser");
  const rp = new RssParser();
  const { extractFromXml } = await import(`${deps}/@extractus/feed-extractor/esm/mod.js`);
  candidates["rss-parser (string)"] = (input) => rp.parseString(input.xml);
  candidates["rss-parser (bytes)"] = (input) => rp.parseString(dec.decode(input.bytes));
  candidates["feed-extractor (string)"] = (input) => extractFromXml(input.xml);
  candidates["feed-extractor (bytes)"] = (input) => extractFromXml(dec.decode(input.bytes));
}
candidates["TextDecoder alone"] = (input) => dec.decode(input.bytes);

async function time(fn, input, iterations) {
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) await fn(input);
  return (performance.now() - t0) / iterations;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const input of [...inputs, { name: "~5 MB (1500 items, Latin)", xml: big, bytes: bigBytes }]) {
  const iterations = Math.max(2, Math.round(2e6 / input.xml.length));
  const samples = Object.fromEntries(Object.keys(candidates).map((k) => [k, []]));
  for (const [, fn] of Object.entries(candidates)) await time(fn, input, iterations); // warm-up
  for (let round = 0; round < 7; round++) {
    for (const [name, fn] of Object.entries(candidates)) samples[name].push(await time(fn, input, iterations));
  }
  const ours = median(samples["tagfeed parseFeed (bytes)"]);
  console.log(`\n${input.name}: ${(input.bytes.length / 1024).toFixed(0)} KB`);
  for (const [name, xs] of Object.entries(samples)) {
    const m = median(xs);
    const spread = Math.max(...xs) - Math.min(...xs);
    console.log(`  ${name.padEnd(28)} ${m.toFixed(3).padStart(9)} ms  ±${(spread / 2).toFixed(3)}  ${name.startsWith("tagfeed") ? "" : `${(m / ours).toFixed(2)}x ours`}`);
  }
}
