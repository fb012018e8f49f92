/**
 * parseFeed: the bytes of an upstream feed to a ParsedFeed, whatever its format. Pure. No I/O,
 * no clock, no Worker globals (TextDecoder and URL only): runs the same in workerd and Node.
 * Never throws: every failure, expected or not, is a ParseFailure value.
 *
 * Steps (each in its own module):
 *  1. decode.ts: bytes to text (BOM, XML declaration, HTTP charset, UTF-8).
 *  2. The format, by content, never by URL: `{` → JSON Feed 1.0/1.1 (version
 *     https://jsonfeed.org/version/1 or /1.1, or near misses such as a bare "1.1"); otherwise
 *     XML: `<rss>` → RSS 2.0, or RSS 0.9x when version="0.9x"; `<rdf:RDF>` with the RSS 1.0
 *     namespace (http://purl.org/rss/1.0/) → RSS 1.0 (the RSS 0.90 namespaces, my.netscape.com
 *     and channel.netscape.com → rss09x); `<feed>` in the Atom namespace (RFC 4287 §4.1.1) → Atom.
 *  3. xml.ts / xml-htmlparser2.ts: repair, parse (htmlparser2's tokenizer, fast-xml-parser as
 *     the fallback), recover truncated documents.
 *  4. rss.ts / atom.ts / json-feed.ts: the format's elements to UpstreamItems.
 *
 * Failures: "empty" (no bytes, or only whitespace), "encoding" (UTF-32, which has no decoder;
 * an unknown charset label is not one: decode.ts falls back), "not_a_feed" (an HTML page, JSON that is not a JSON Feed, XML of another vocabulary,
 * binary junk), "malformed" (XML or JSON that cannot be parsed, with the line for XML).
 */
import type { Result } from "../domain/result";
import { err, ok } from "../domain/result";
import { readAtom } from "./atom";
import { baseUrl } from "./common";
import { decodeBody } from "./decode";
import { JSON_FEED_VERSION, readJsonFeed } from "./json-feed";
import { readRss } from "./rss";
import type { ParsedFeed, ParseFailure, ParseFeed, ParseOptions } from "./types";
import { NS, type XmlElement, prepareXml } from "./xml";
import { parseXml } from "./xml-htmlparser2";

export { parseFeedDate } from "./dates";

function failure(reason: ParseFailure["reason"], message: string): Result<ParsedFeed, ParseFailure> {
  return err({ reason, message });
}

function firstSignificant(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13 && c !== 0xfeff && c !== 0xa0) return i;
  }
  return -1;
}

function parseJson(text: string, url: string | undefined): Result<ParsedFeed, ParseFailure> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return failure("malformed", `malformed JSON: ${error instanceof Error ? error.message.slice(0, 200) : "syntax error"}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    return failure("not_a_feed", "not a feed: JSON document is not a JSON Feed object");
  }
  const raw = (doc as Record<string, unknown>).version;
  // A number (`"version": 1.1`) is the same near miss as the bare string.
  const version = typeof raw === "number" && Number.isFinite(raw) ? String(raw) : raw;
  if (typeof version !== "string" || !JSON_FEED_VERSION.test(version.trim())) {
    return failure(
      "not_a_feed",
      typeof version === "string"
        ? `not a feed: unsupported JSON Feed version ${JSON.stringify(version.slice(0, 80))}`
        : "not a feed: JSON document without a JSON Feed version (https://jsonfeed.org/version/1.1)",
    );
  }
  return ok(readJsonFeed(doc as Record<string, unknown>, url));
}

function readRoot(root: XmlElement): Result<ParsedFeed, ParseFailure> {
  const name = root.name;
  if (name === "rss" || name === "RSS") {
    const version = (root.attrs?.version ?? "").trim();
    return ok(readRss(root, /^0\.9/.test(version) ? "rss09x" : "rss2"));
  }
  if (name === "RDF" || name === "rdf") {
    const rss090 = root.scope.get("") === NS.rss090 || root.children.some((c) => c.ns === NS.rss090);
    const rss1 = root.scope.get("") === NS.rss1 || root.children.some((c) => c.ns === NS.rss1 || (c.ns === NS.none && (c.name === "channel" || c.name === "item")));
    if (rss090) return ok(readRss(root, "rss09x"));
    if (rss1) return ok(readRss(root, "rss1"));
    return failure("not_a_feed", "not a feed: RDF document without an RSS 1.0 channel");
  }
  if (name === "feed" && (root.ns === NS.atom || root.ns === NS.atom03 || root.ns === NS.none)) {
    return ok(readAtom(root));
  }
  if (name.toLowerCase() === "html") return failure("not_a_feed", "not a feed: looks like an HTML page");
  return failure("not_a_feed", `not a feed: the XML root element is <${root.qname.slice(0, 60)}>, not <rss>, <rdf:RDF> or an Atom <feed>`);
}

function parseUnsafe(body: Uint8Array, options: ParseOptions): Result<ParsedFeed, ParseFailure> {
  const bytes = body instanceof Uint8Array ? body : new Uint8Array(body as ArrayBufferLike);
  if (bytes.length === 0) return failure("empty", "empty body");
  const decoded = decodeBody(bytes, options?.contentType);
  if (!decoded.ok) return decoded;
  const { text, encoding } = decoded.value;
  const start = firstSignificant(text);
  if (start === -1) return failure("empty", "empty body (only whitespace)");
  const url = baseUrl(options?.url);

  let result: Result<ParsedFeed, ParseFailure>;
  const warnings: string[] = decoded.value.warning ? [decoded.value.warning] : [];
  const first = text.charCodeAt(start);
  if (first === 123 /* { */) {
    result = parseJson(text.slice(start), url);
  } else if (first === 91 /* [ */) {
    result = failure("not_a_feed", "not a feed: JSON array, not a JSON Feed object");
  } else {
    const prepared = prepareXml(text);
    if ("failure" in prepared) return err(prepared.failure);
    const parsed = parseXml(prepared.xml, url);
    if (!parsed.ok) return parsed;
    warnings.push(...parsed.value.warnings);
    result = readRoot(parsed.value.root);
  }
  if (result.ok) {
    result.value.encoding = encoding;
    if (warnings.length > 0) result.value.warnings = warnings;
  }
  return result;
}

/** See the module header. */
export const parseFeed: ParseFeed = (body, options) => {
  try {
    return parseUnsafe(body, options);
  } catch (error) {
    // A bug or a parser limit we did not foresee: still a value, never an exception.
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return failure("malformed", `could not parse the document: ${message.slice(0, 200)}`);
  }
};
