/**
 * The sources as an OPML 2.0 subscription list (opml.org/spec2.opml): one `<outline type="rss">`
 * per source, `text`/`title` its name, `xmlUrl` the URL as added. `POST /api/sources/opml` reads it
 * back into the same sources (same URLs, so the same ids; names from `title`). Pure.
 */
import type { Source } from "../domain/source";
import { escapeXmlAttr } from "../render/xml";

export function renderSourcesOpml(sources: readonly Pick<Source, "name" | "url">[]): string {
  const outlines = sources
    .map((s) => `    <outline type="rss" text="${escapeXmlAttr(s.name)}" title="${escapeXmlAttr(s.name)}" xmlUrl="${escapeXmlAttr(s.url)}"/>\n`)
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n  <head>\n    <title>tagfeed: upstream sources</title>\n    <docs>http://opml.org/spec2.opml</docs>\n  </head>\n  <body>\n${outlines}  </body>\n</opml>\n`;
}
