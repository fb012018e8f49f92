// Peak memory of parsing one document, in a fresh process so nothing else shares the peak:
//   node --expose-gc bench/memory.mjs <parser> <feed.xml> <build.json>
// Prints JSON: the peak RSS over the parse (getrusage maxrss, which only grows) minus the RSS
// before it, and the heap still held by the parsed items (kept alive) after a full GC.
import { readFileSync } from "node:fs";

const [which, file, buildFile] = process.argv.slice(2);
const built = JSON.parse(readFileSync(buildFile, "utf8"));
const buffer = readFileSync(file);
const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);

let parse;
let needsString = false;
switch (which) {
  case "tagfeed": {
    const up = await import(built.upstream.path);
    parse = () => {
      const r = up.parseFeed(bytes, { url: "https://news.example.kz/rss", contentType: "application/rss+xml; charset=utf-8" });
      if (!r.ok) throw new Error(r.error.message);
      return r.value.items;
    };
    break;
  }
  case "rss-parser": {
    const { default: RssParser } = await import("rss-parser");
    const p = new RssParser();
    needsString = true;
    parse = async (xml) => (await p.parseString(xml)).items;
    break;
  }
  case "feed-extractor": {
    const { extractFromXml } = await import("@extractus/feed-extractor");
    needsString = true;
    parse = (xml) => extractFromXml(xml).entries;
    break;
  }
  case "feedparser": {
    const { feedparserParse } = await import("./peers.mjs");
    parse = () => feedparserParse(buffer);
    break;
  }
  default:
    throw new Error(`unknown parser ${which}`);
}

// The peers take a string: decoding it is done before the baseline, so it is not charged to them.
const xml = needsString ? buffer.toString("utf8") : undefined;
globalThis.gc();
await new Promise((r) => setTimeout(r, 50));
globalThis.gc();
const before = process.memoryUsage();
const maxBefore = process.resourceUsage().maxRSS * 1024;
const t0 = performance.now();
const result = await parse(xml);
const ms = performance.now() - t0;
const maxAfter = process.resourceUsage().maxRSS * 1024;
const heapAfterParse = process.memoryUsage().heapUsed;
globalThis.gc();
const retained = process.memoryUsage().heapUsed - before.heapUsed;
console.log(
  JSON.stringify({
    parser: which,
    items: result.length,
    inputBytes: buffer.byteLength,
    ms,
    peakRssDelta: maxAfter - before.rss,
    /** The parse did not raise the process's peak: the delta is an upper bound of the true one. */
    peakIsUpperBound: maxAfter === maxBefore,
    peakBeforeParse: maxBefore - before.rss,
    heapGrowthNoGc: heapAfterParse - before.heapUsed,
    retainedHeap: retained,
  }),
);
