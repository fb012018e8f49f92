// Peer parsers that need an adapter to be called like the others: one place for both the timing
// suite (micro.mjs) and the memory probe (memory.mjs, which imports this only when it measures it).
import { Readable } from "node:stream";
import FeedParser from "feedparser";

/** The npm `feedparser` (a stream) over one buffer: resolves with every item. */
export function feedparserParse(buffer, feedurl) {
  return new Promise((resolve, reject) => {
    const items = [];
    const fp = new FeedParser(feedurl === undefined ? {} : { feedurl });
    fp.on("error", reject);
    fp.on("readable", function () {
      let item;
      while ((item = this.read())) items.push(item);
    });
    fp.on("end", () => resolve(items));
    Readable.from([buffer]).pipe(fp);
  });
}
