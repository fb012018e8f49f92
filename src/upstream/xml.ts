/**
 * Feed XML to a small element tree, leniently. Pure. No I/O.
 *
 * Two engines build the same trees: htmlparser2's tokenizer (xml-htmlparser2.ts, about 2.5x faster,
 * used first) and fast-xml-parser, the reference and the fallback for anything unusual. The
 * fast-xml-parser engine is tuned for feeds: `preserveOrder` (no object
 * "compression" pass, duplicated elements kept in order), no validation pass, entities not
 * processed by the parser (we decode them once, with the full HTML5 table, see text.ts), and
 * every element we read as text declared a stop node, so HTML bodies (description,
 * content:encoded, Atom summary/content) are sliced out raw instead of parsed into trees, and a
 * stray `<p>` or `<br>` inside a title cannot shift the structure around it.
 *
 * Around it:
 * - a repair pass before parsing: junk, BOM and whitespace before the first markup dropped
 *   (XML 1.0 §2.8 wants the declaration first), the DOCTYPE dropped (feeds' DTDs only declare
 *   HTML entities, which we decode anyway), a `<` that cannot start markup escaped, end tags of
 *   void HTML elements (`</br>`) removed;
 * - when the parser still fails, a recovery pass for truncated documents: cut after the last
 *   complete `</item>` / `</entry>` and parse again, with a warning;
 * - Namespaces in XML 1.0 §6: prefixes are resolved to namespace names, which we map to short
 *   ids for the vocabularies we read (`atom`, `content`, `dc`, `media`, `itunes`, ...);
 *   undeclared prefixes fall back to their conventional namespace (`dc:` → Dublin Core);
 * - XML Base (RFC 3986 §5.1 via xml:base, used by RFC 4287 §2): every element carries its
 *   in-scope base URL, starting from the document URL; xml:lang likewise (XML 1.0 §2.12).
 */
import { XMLParser } from "fast-xml-parser";
import type { Result } from "../domain/result";
import { err, ok } from "../domain/result";
import { decodeRefs, xmlText } from "./text";
import type { ParseFailure } from "./types";

/** Short ids for the namespaces we read. Unknown namespaces keep their (normalized) URI. */
export const NS = {
  none: "",
  atom: "atom",
  atom03: "atom03",
  rss1: "rss1",
  rss090: "rss090",
  rdf: "rdf",
  content: "content",
  dc: "dc",
  dcterms: "dcterms",
  media: "media",
  itunes: "itunes",
  xhtml: "xhtml",
  feedburner: "feedburner",
  googleplay: "googleplay",
  xml: "xml",
} as const;

/** Namespace name → id. Keys are normalized by `normalizeNs`. */
const KNOWN_NS = new Map<string, string>([
  ["http://www.w3.org/2005/atom", NS.atom],
  ["http://purl.org/atom/ns", NS.atom03],
  ["http://purl.org/rss/1.0", NS.rss1],
  ["http://my.netscape.com/rdf/simple/0.9", NS.rss090],
  ["http://channel.netscape.com/rdf/simple/0.9", NS.rss090],
  ["http://www.w3.org/1999/02/22-rdf-syntax-ns", NS.rdf],
  ["http://purl.org/rss/1.0/modules/content", NS.content],
  ["http://purl.org/dc/elements/1.1", NS.dc],
  ["http://purl.org/dc/terms", NS.dcterms],
  ["http://search.yahoo.com/mrss", NS.media],
  ["http://search.yahoo.com/rss", NS.media], // a common misspelling of the Media RSS namespace
  ["http://video.search.yahoo.com/mrss", NS.media],
  ["http://www.itunes.com/dtds/podcast-1.0.dtd", NS.itunes],
  ["http://www.itunes.com/dtds/podcast-1.0", NS.itunes],
  ["http://www.w3.org/1999/xhtml", NS.xhtml],
  ["http://rssnamespace.org/feedburner/ext/1.0", NS.feedburner],
  ["http://www.google.com/schemas/play-podcasts/1.0", NS.googleplay],
  ["http://www.w3.org/xml/1998/namespace", NS.xml],
  // RSS 2.0 has no namespace, but some feeds give it one: treat those as none.
  ["http://backend.userland.com/rss2", NS.none],
  ["http://blogs.law.harvard.edu/tech/rss", NS.none],
  ["http://backend.userland.com/rss", NS.none],
]);

/** Conventional prefixes, for feeds that use them without declaring them. */
const CONVENTIONAL_PREFIX: Record<string, string> = {
  xml: NS.xml,
  atom: NS.atom,
  atom10: NS.atom,
  content: NS.content,
  dc: NS.dc,
  dcterms: NS.dcterms,
  media: NS.media,
  itunes: NS.itunes,
  rdf: NS.rdf,
  rss: NS.rss1,
  xhtml: NS.xhtml,
  feedburner: NS.feedburner,
  googleplay: NS.googleplay,
};

function normalizeNs(uri: string): string {
  return uri.trim().toLowerCase().replace(/^https:/, "http:").replace(/[/#]+$/, "");
}

export function nsId(uri: string): string {
  const key = normalizeNs(uri);
  return KNOWN_NS.get(key) ?? key;
}

/**
 * Elements we read as text, by namespace id: the parser hands them over raw (stop nodes).
 * Unprefixed names cover RSS 0.9x/1.0/2.0 and Atom in the default namespace.
 */
const TEXT_ELEMENTS: Record<string, string[]> = {
  [NS.none]: [
    "title", "link", "description", "guid", "pubDate", "category", "comments", "language", "lastBuildDate",
    "url", "summary", "content", "subtitle", "tagline", "id", "published", "updated", "issued", "modified", "name",
    "email", "uri", "rights", "icon", "logo", "body", "managingEditor", "webMaster",
  ],
  [NS.atom]: ["title", "link", "summary", "content", "subtitle", "id", "published", "updated", "name", "email", "uri", "rights", "icon", "logo", "category"],
  [NS.content]: ["encoded"],
  [NS.dc]: ["creator", "date", "subject", "title", "description", "language", "identifier", "rights", "contributor"],
  [NS.dcterms]: ["created", "modified", "issued", "date", "subject", "title", "description", "language", "creator"],
  [NS.itunes]: ["author", "summary", "subtitle", "title", "keywords"],
  [NS.media]: ["title", "description", "keywords", "credit", "category"],
  [NS.xhtml]: ["body"],
  [NS.feedburner]: ["origLink", "origEnclosureLink"],
};

/** HTML void elements that can appear un-closed in un-CDATA'd text (never RSS names: not `source`). */
export const VOID_TAGS = ["br", "BR", "Br", "hr", "HR", "img", "IMG", "wbr"];

export interface XmlElement {
  /** Qualified name as written (`content:encoded`). */
  qname: string;
  /** Local name (`encoded`). */
  name: string;
  /** Namespace id (see NS); "" for none. */
  ns: string;
  /** Attributes by qualified name as written, values decoded. */
  attrs: Record<string, string> | undefined;
  children: XmlElement[];
  /** For text elements (stop nodes): the inner source as written. */
  raw: string | undefined;
  /** For other elements: their direct text, decoded. */
  text: string;
  /** In-scope xml:base, resolved; starts as the document URL. */
  base: string | undefined;
  /** In-scope xml:lang. */
  lang: string | undefined;
  /** Prefix → namespace id in scope ("" is the default namespace). */
  scope: Map<string, string>;
}

export interface ParsedXml {
  root: XmlElement;
  warnings: string[];
}

type FxpNode = Record<string, unknown>;

const parsers = new Map<string, { parser: XMLParser; stop: Set<string> }>();

// `xmlns:p="uri"`: literal prefix, bounded classes, linear.
const XMLNS_DECL = /xmlns:([A-Za-z_][\w.-]{0,40})\s*=\s*(?:"([^"<]{0,300})"|'([^'<]{0,300})')/g;

/**
 * The parser for this document, whose stop nodes are the unprefixed text elements plus
 * `prefix:name` for the prefixes the document declares (and `content:`, often undeclared).
 * Only declared ones: each stop node costs the parser a compiled expression per parse.
 * Elements with other prefixes still resolve by scope or convention; they are only parsed
 * rather than sliced. Declarations live on the root in practice: the head is searched.
 */
export function parserFor(xml: string): { parser: XMLParser; stop: Set<string> } {
  const declared: string[] = ["content=content"];
  const head = xml.length > 65536 ? xml.slice(0, 65536) : xml;
  if (head.includes("xmlns:")) {
    XMLNS_DECL.lastIndex = 0;
    for (let m = XMLNS_DECL.exec(head); m; m = XMLNS_DECL.exec(head)) {
      const ns = nsId(m[2] ?? m[3] ?? "");
      if (TEXT_ELEMENTS[ns]) declared.push(`${m[1]}=${ns}`);
    }
  }
  const key = declared.sort().join(" ");
  let entry = parsers.get(key);
  if (!entry) {
    const stop = new Set<string>(TEXT_ELEMENTS[NS.none]);
    for (const pair of declared) {
      const [prefix, ns] = pair.split("=") as [string, string];
      for (const local of TEXT_ELEMENTS[ns] ?? []) stop.add(`${prefix}:${local}`);
    }
    entry = {
      stop,
      parser: new XMLParser({
        preserveOrder: true, // no object "compression" pass; duplicates kept in order
        ignoreAttributes: false,
        attributeNamePrefix: "",
        allowBooleanAttributes: false,
        parseTagValue: false,
        parseAttributeValue: false,
        processEntities: false, // decoded once, by us, with the full HTML5 table
        htmlEntities: false,
        trimValues: true,
        cdataPropName: "#cdata",
        ignoreDeclaration: true,
        ignorePiTags: true,
        stopNodes: [...stop].map((name) => `..${name}`),
        unpairedTags: VOID_TAGS,
        jPath: false, // no path strings built per tag
        maxNestedTags: 256,
      }),
    };
    if (parsers.size >= 32) parsers.clear(); // bounded: prefix sets are few in practice
    parsers.set(key, entry);
  }
  return entry;
}

function isWhitespace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 0xfeff || code === 0xa0;
}

const ROOT_START = /<(?:[A-Za-z_][\w.-]{0,40}:)?(?:rss|feed|RDF|rdf)[\s>/]/;
const DOCTYPE_END_SUBSET = /\]\s*>/g;

export type Prepared = { xml: string } | { failure: ParseFailure };

/** Where the markup starts, and the HTML-page check. */
export function prepareXml(text: string): Prepared {
  let start = 0;
  while (start < text.length && isWhitespace(text.charCodeAt(start))) start++;
  const head = text.slice(start, start + 65536);
  const htmlAt = head.slice(0, 4096).search(/<(?:!doctype\s+html|html[\s>])/i);
  if (htmlAt !== -1) {
    const root = ROOT_START.exec(head);
    if (!root || root.index > htmlAt) return { failure: { reason: "not_a_feed", message: "not a feed: looks like an HTML page" } };
  }
  // Junk before the declaration or, without one, before the root element (PHP warnings,
  // stray output): drop it, unless the "declaration" found is inside the document proper.
  const decl = head.search(/<\?xml\s/);
  if (decl > 0) {
    if (!ROOT_START.test(head.slice(0, decl))) start += decl;
  } else if (decl === -1 && !/^<[!?]/.test(head)) {
    const root = ROOT_START.exec(head);
    if (root && root.index > 0) start += root.index;
  }
  if (text.charCodeAt(start) !== 60 /* < */) {
    return { failure: { reason: "not_a_feed", message: `not a feed: the body is neither XML nor JSON (it starts with ${JSON.stringify(text.slice(start, start + 40))})` } };
  }
  return { xml: repair(dropDoctype(start === 0 ? text : text.slice(start))) };
}

/** DOCTYPE declarations (with an internal subset or not) go: see the module header. */
function dropDoctype(xml: string): string {
  const head = xml.slice(0, 4096);
  const at = head.search(/<!DOCTYPE/i);
  if (at === -1) return xml;
  const root = ROOT_START.exec(head);
  if (root && root.index < at) return xml; // a DOCTYPE inside the document's text, not before it
  const gt = xml.indexOf(">", at);
  const bracket = xml.indexOf("[", at);
  let end = gt;
  if (bracket !== -1 && (gt === -1 || bracket < gt)) {
    DOCTYPE_END_SUBSET.lastIndex = bracket;
    const m = DOCTYPE_END_SUBSET.exec(xml);
    end = m ? m.index + m[0].length - 1 : -1;
  }
  if (end === -1) return xml;
  return xml.slice(0, at) + xml.slice(end + 1);
}

function isNameStartCode(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58 || c >= 0xc0;
}

const VOID_END_TAG = /^<\/(?:br|hr|img|wbr)\s*>/i;

/**
 * One forward scan over the `<`s: CDATA sections and comments skipped whole; a `<` that cannot
 * start markup becomes `&lt;`; `</br>` and friends removed. Allocates only when it changes
 * something.
 */
function repair(xml: string): string {
  let parts: string[] | undefined;
  let last = 0;
  let i = xml.indexOf("<");
  while (i !== -1) {
    const c = xml.charCodeAt(i + 1);
    let next = i + 1;
    if (c === 33 /* ! */) {
      if (xml.startsWith("<![CDATA[", i)) {
        const end = xml.indexOf("]]>", i + 9);
        if (end === -1) break;
        next = end + 3;
      } else if (xml.startsWith("<!--", i)) {
        const end = xml.indexOf("-->", i + 4);
        if (end === -1) break;
        next = end + 3;
      }
    } else if (c === 47 /* / */) {
      const c2 = xml.charCodeAt(i + 2);
      if ((c2 | 32) === 98 || (c2 | 32) === 104 || (c2 | 32) === 105 || (c2 | 32) === 119) {
        const m = VOID_END_TAG.exec(xml.slice(i, i + 12));
        if (m) {
          (parts ??= []).push(xml.slice(last, i));
          last = i + m[0].length;
          next = last;
        }
      } else if (!isNameStartCode(c2)) {
        (parts ??= []).push(xml.slice(last, i), "&lt;");
        last = i + 1;
      }
    } else if (c !== 63 /* ? */ && !isNameStartCode(c)) {
      (parts ??= []).push(xml.slice(last, i), "&lt;");
      last = i + 1;
    }
    i = xml.indexOf("<", next);
  }
  if (!parts) return xml;
  parts.push(xml.slice(last));
  return parts.join("");
}

function lineOf(xml: string, index: number): number {
  let line = 1;
  for (let i = xml.indexOf("\n"); i !== -1 && i < index; i = xml.indexOf("\n", i + 1)) line++;
  return line;
}

/** "malformed XML at line N: ..." from a parser error, pointing at the element left open. */
function describeError(xml: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const open = /^(?:Unexpected end of (\S+)|(\S+) is not closed)/.exec(message);
  const name = open?.[1] ?? open?.[2];
  let at = xml.length;
  if (name) {
    const i = xml.lastIndexOf(`<${name}`);
    if (i !== -1) at = i;
  } else if (/CDATA/.test(message)) {
    at = Math.max(0, xml.lastIndexOf("<![CDATA["));
  } else if (/Comment/.test(message)) {
    at = Math.max(0, xml.lastIndexOf("<!--"));
  }
  const truncated = name || /not closed/i.test(message) ? " (the document ends inside it: truncated?)" : "";
  return `malformed XML at line ${lineOf(xml, at)}: ${message.slice(0, 200).replace(/\.$/, "")}${truncated}`;
}

const LAST_ITEM_END = /<\/(?:[A-Za-z_][\w.-]{0,40}:)?(?:item|entry)\s*>/g;

/** Index just after the last complete `</item>` or `</entry>` before `before`, or -1. */
function lastItemEnd(xml: string, before: number): number {
  let best = -1;
  // Search backwards in windows so a huge document is not scanned from the start every time.
  for (let from = Math.max(0, before - 65536); ; from = Math.max(0, from - 1048576)) {
    LAST_ITEM_END.lastIndex = from;
    for (let m = LAST_ITEM_END.exec(xml); m && m.index + m[0].length <= before; m = LAST_ITEM_END.exec(xml)) {
      best = m.index + m[0].length;
    }
    if (best !== -1 || from === 0) return best;
  }
}

const escapeLtAt = (xml: string, at: number): string => `${xml.slice(0, at)}&lt;${xml.slice(at + 1)}`;

/** The last `opener` with no `closer` after it, or -1. */
function lastUnclosed(xml: string, opener: string, closer: string): number {
  const at = xml.lastIndexOf(opener);
  return at !== -1 && xml.indexOf(closer, at + opener.length) === -1 ? at : -1;
}

/** The first `<name` (a start tag of exactly that name) at or after `from`, or -1. */
function startTagAfter(xml: string, name: string, from: number): number {
  return tagAfter(xml, `<${name}`, from, true);
}

/** The first `</name>` (an end tag of exactly that name) at or after `from`, or -1. */
function endTagAfter(xml: string, name: string, from: number): number {
  return tagAfter(xml, `</${name}`, from, false);
}

function tagAfter(xml: string, prefix: string, from: number, start: boolean): number {
  for (let at = xml.indexOf(prefix, from); at !== -1; at = xml.indexOf(prefix, at + 1)) {
    const c = xml.charCodeAt(at + prefix.length);
    if (c === 62 || c === 32 || c === 9 || c === 10 || c === 13 || (start && (c === 47 || Number.isNaN(c)))) return at;
  }
  return -1;
}

/**
 * The first start tag of a text element (read raw, so it cannot nest) whose end tag is missing:
 * another start tag of the same name, or the end of the document, comes before its end tag.
 * One forward pass.
 */
function firstUnclosedStart(xml: string, name: string): number {
  let close = -1;
  for (let open = startTagAfter(xml, name, 0); open !== -1; ) {
    const next = startTagAfter(xml, name, open + 1);
    if (close < open) close = endTagAfter(xml, name, open);
    if (close === -1 || (next !== -1 && next < close)) return open;
    open = next;
  }
  return -1;
}

/**
 * The other way a text element fails to end: a broken tag inside it (`<br\u0000x</title>`)
 * swallows its end tag. Escapes the `<`s in the first such element's text (CDATA kept).
 */
function markupInText(xml: string, name: string): Failure | undefined {
  for (let open = startTagAfter(xml, name, 0); open !== -1; open = startTagAfter(xml, name, open + 1)) {
    const gt = xml.indexOf(">", open);
    const close = endTagAfter(xml, name, open);
    if (gt === -1 || close === -1) return undefined;
    if (xml.charCodeAt(gt - 1) === 47 || close < gt) continue;
    const text = xml.slice(gt + 1, close);
    const lt = text.search(/<(?!!\[CDATA\[)/);
    if (lt !== -1) {
      const at = gt + 1 + lt;
      return { at, fix: () => xml.slice(0, gt + 1) + text.replace(/<(?!!\[CDATA\[)/g, "&lt;") + xml.slice(close) };
    }
  }
  return undefined;
}

interface Failure {
  /** Where the document breaks. */
  at: number;
  /** The document with that break mended (always different from the input). */
  fix: () => string;
}

/**
 * Where a fast-xml-parser error points, and a local fix: an element whose end tag is missing is
 * closed where its text ends; a `<` that starts nothing (a tag, PI, comment or CDATA section
 * never closed) is escaped. Undefined when the message names nothing we can find.
 */
function locateFailure(xml: string, message: string): Failure | undefined {
  const at = /returned undefined at position (\d+)/.exec(message);
  if (at) {
    // A start tag that never ends, usually for an unbalanced quote: balance it before the next
    // `>`, or else the `<` was text.
    const i = Number(at[1]);
    if (xml.charCodeAt(i) !== 60) return undefined;
    const gt = xml.indexOf(">", i);
    const tag = gt === -1 ? "" : xml.slice(i, gt);
    const odd = (q: string): boolean => tag.split(q).length % 2 === 0;
    const quote = odd('"') ? '"' : odd("'") ? "'" : undefined;
    return { at: i, fix: () => (quote ? `${xml.slice(0, gt)}${quote}${xml.slice(gt)}` : escapeLtAt(xml, i)) };
  }
  const unclosed = (opener: string, closer: string): Failure | undefined => {
    const i = lastUnclosed(xml, opener, closer);
    return i === -1 ? undefined : { at: i, fix: () => escapeLtAt(xml, i) };
  };
  if (/^Pi Tag/.test(message)) return unclosed("<?", "?>");
  if (/^Closing Tag/.test(message)) return unclosed("</", ">");
  if (/^CDATA/.test(message)) return unclosed("<![CDATA[", "]]>");
  if (/^Comment/.test(message)) return unclosed("<!--", "-->");
  if (/^StopNode/.test(message)) {
    const candidates = [lastUnclosed(xml, "<![CDATA[", "]]>"), lastUnclosed(xml, "<!--", "-->"), lastUnclosed(xml, "<?", "?>")];
    const i = Math.max(...candidates);
    return i === -1 ? undefined : { at: i, fix: () => escapeLtAt(xml, i) };
  }
  const unpaired = /^Unpaired tag can not be used as closing tag: (<\/[^>]*>)/.exec(message);
  if (unpaired) {
    const i = xml.indexOf(unpaired[1]!);
    return i === -1 ? undefined : { at: i, fix: () => xml.slice(0, i) + xml.slice(i + unpaired[1]!.length) };
  }
  const element = /^(?:Unexpected end of (\S+)|(\S+) is not closed)/.exec(message);
  const name = element?.[1] ?? element?.[2];
  if (name) {
    const open = firstUnclosedStart(xml, name);
    if (open === -1) return markupInText(xml, name);
    return {
      at: open,
      fix: () => {
        const gt = xml.indexOf(">", open);
        if (gt === -1) return escapeLtAt(xml, open);
        // Its text ends at the next tag (after a CDATA section, if it starts with one).
        let from = gt + 1;
        const cdata = xml.indexOf("<![CDATA[", from);
        const next = xml.indexOf("<", from);
        if (cdata !== -1 && cdata === next) {
          const end = xml.indexOf("]]>", cdata);
          from = end === -1 ? xml.length : end + 3;
        }
        const end = xml.indexOf("<", from);
        const cut = end === -1 ? xml.length : end;
        return `${xml.slice(0, cut)}</${name}>${xml.slice(cut)}`;
      },
    };
  }
  return undefined;
}

const MAX_REPAIRS = 6;

/**
 * The fast-xml-parser engine: parses prepared XML to the root element (see the module header).
 * parse.ts calls xml-htmlparser2.ts's `parseXml` first, which falls back to this one wherever the
 * two engines could disagree, and for the recovery of truncated documents.
 */
export function parseXmlFxp(xml: string, baseUrl: string | undefined): Result<ParsedXml, ParseFailure> {
  const { parser, stop } = parserFor(xml);
  const warnings: string[] = [];
  let nodes: FxpNode[] | undefined;
  try {
    nodes = parser.parse(xml) as FxpNode[];
  } catch (error) {
    // Recovery, only on failure. The parser's positions are in CRLF-normalized text.
    let doc = xml.includes("\r") ? xml.replace(/\r\n?/g, "\n") : xml;
    let lastError: unknown = error;
    const firstProblem = describeError(doc, error);
    for (let attempt = 0; attempt <= MAX_REPAIRS && nodes === undefined; attempt++) {
      const message = lastError instanceof Error ? lastError.message : String(lastError);
      const failure = attempt < MAX_REPAIRS ? locateFailure(doc, message) : undefined;
      const itemsEnd = lastItemEnd(doc, doc.length);
      if (failure === undefined || failure.at >= itemsEnd) {
        // A truncated document (or one broken past its last item): keep its complete items.
        if (itemsEnd <= 0) break;
        try {
          nodes = parser.parse(doc.slice(0, itemsEnd)) as FxpNode[];
          warnings.push(`${firstProblem}; kept the complete items before line ${lineOf(doc, itemsEnd)}`);
        } catch {
          // Broken before the last item too: give up.
        }
        break;
      }
      doc = failure.fix();
      try {
        nodes = parser.parse(doc) as FxpNode[];
        warnings.push(`${firstProblem}; repaired`);
      } catch (next) {
        lastError = next;
      }
    }
    if (nodes === undefined) return err({ reason: "malformed", message: firstProblem });
  }
  const root = convertTop(nodes, stop, baseUrl);
  if (!root) return err({ reason: "not_a_feed", message: "not a feed: no XML element found" });
  return ok({ root, warnings });
}

const EMPTY_SCOPE = new Map<string, string>();

function tagOf(node: FxpNode): string | undefined {
  for (const key in node) if (key !== ":@") return key;
  return undefined;
}

function convertTop(nodes: FxpNode[], stop: Set<string>, baseUrl: string | undefined): XmlElement | undefined {
  for (const node of nodes) {
    const tag = tagOf(node);
    if (tag === undefined || tag === "#text" || tag === "#cdata") continue;
    return convert(tag, node, undefined, stop, baseUrl);
  }
  return undefined;
}

function resolveBase(value: string, base: string | undefined): string | undefined {
  try {
    return new URL(value.trim(), base).href;
  } catch {
    return base;
  }
}

/**
 * A new element, as both engines build it (this file and xml-htmlparser2.ts): attribute values
 * decoded in place (text.ts), namespace scope extended by its `xmlns` attributes (copied only
 * when it declares one), xml:base and xml:lang inherited from the parent or the document and
 * overridden by its own, namespace resolved by scope, else by convention.
 */
export function newElement(
  tag: string,
  attrs: Record<string, string> | undefined,
  parent: XmlElement | undefined,
  documentBase: string | undefined,
): XmlElement {
  let scope = parent ? parent.scope : EMPTY_SCOPE;
  let base = parent ? parent.base : documentBase;
  let lang = parent?.lang;
  if (attrs) {
    for (const key in attrs) {
      const value: unknown = attrs[key];
      const decoded = typeof value === "string" ? decodeRefs(value) : String(value);
      attrs[key] = decoded;
      if (key.startsWith("xmlns")) {
        if (key === "xmlns" || key.charCodeAt(5) === 58) {
          if (scope === (parent ? parent.scope : EMPTY_SCOPE)) scope = new Map(scope);
          scope.set(key === "xmlns" ? "" : key.slice(6), nsId(decoded));
        }
      } else if (key === "xml:base") {
        base = resolveBase(decoded, base);
      } else if (key === "xml:lang") {
        lang = decoded.trim() || undefined;
      }
    }
  }
  const colon = tag.indexOf(":");
  const prefix = colon === -1 ? "" : tag.slice(0, colon);
  const ns = scope.get(prefix) ?? (colon === -1 ? NS.none : (CONVENTIONAL_PREFIX[prefix] ?? `prefix:${prefix}`));
  return {
    qname: tag,
    name: colon === -1 ? tag : tag.slice(colon + 1),
    ns,
    attrs,
    children: [],
    raw: undefined,
    text: "",
    base,
    lang,
    scope,
  };
}

function convert(tag: string, node: FxpNode, parent: XmlElement | undefined, stop: Set<string>, documentBase: string | undefined): XmlElement {
  const el = newElement(tag, node[":@"] as Record<string, string> | undefined, parent, documentBase);
  const content = node[tag] as FxpNode[] | undefined;
  if (stop.has(tag)) {
    const first = content?.[0]?.["#text"];
    el.raw = typeof first === "string" ? first : "";
    return el;
  }
  if (!content) return el;
  for (const child of content) {
    const childTag = tagOf(child);
    if (childTag === undefined) continue;
    if (childTag === "#text") {
      const t = child["#text"];
      if (typeof t === "string" && t !== "") el.text = el.text === "" ? decodeRefs(t) : `${el.text} ${decodeRefs(t)}`;
    } else if (childTag === "#cdata") {
      const inner = (child["#cdata"] as FxpNode[] | undefined)?.[0]?.["#text"];
      if (typeof inner === "string" && inner !== "") el.text = el.text === "" ? inner : `${el.text} ${inner}`;
    } else {
      el.children.push(convert(childTag, child, el, stop, documentBase));
    }
  }
  return el;
}

// --- Reading the tree -------------------------------------------------------------------------

/** The element's text, trimmed: raw text elements decoded (see text.ts `xmlText`). */
export function textOf(el: XmlElement | undefined): string {
  if (!el) return "";
  return (el.raw === undefined ? el.text : xmlText(el.raw)).trim();
}

export function firstChild(el: XmlElement | undefined, ns: string | ReadonlySet<string>, name: string): XmlElement | undefined {
  if (!el) return undefined;
  for (const c of el.children) {
    if (c.name === name && (typeof ns === "string" ? c.ns === ns : ns.has(c.ns))) return c;
  }
  return undefined;
}

/** The first such child with non-empty text (duplicated elements: the first useful one wins). */
export function firstText(el: XmlElement | undefined, ns: string | ReadonlySet<string>, name: string): string | undefined {
  if (!el) return undefined;
  for (const c of el.children) {
    if (c.name === name && (typeof ns === "string" ? c.ns === ns : ns.has(c.ns))) {
      const t = textOf(c);
      if (t !== "") return t;
    }
  }
  return undefined;
}

/**
 * Elements named so among the children, and among the descendants of children that are not
 * such elements themselves (at most `depth` levels): an element left unclosed before the items
 * (`<itunes:category text="x">` without its end tag) makes every later item its descendant, and
 * they are still the document's items.
 */
export function elementsWithin(el: XmlElement | undefined, ns: string | ReadonlySet<string>, name: string, depth = 6): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (parent: XmlElement, level: number): void => {
    for (const c of parent.children) {
      if (c.name === name && (typeof ns === "string" ? c.ns === ns : ns.has(c.ns))) out.push(c);
      else if (level < depth && c.children.length > 0) walk(c, level + 1);
    }
  };
  if (el) walk(el, 0);
  return out;
}

export function childrenNamed(el: XmlElement | undefined, ns: string | ReadonlySet<string>, name: string): XmlElement[] {
  if (!el) return [];
  return el.children.filter((c) => c.name === name && (typeof ns === "string" ? c.ns === ns : ns.has(c.ns)));
}

/** An attribute by local name, unprefixed, or with a prefix bound to `ns` (e.g. `rdf:about`). */
export function attr(el: XmlElement | undefined, name: string, ns?: string): string | undefined {
  const attrs = el?.attrs;
  if (!attrs) return undefined;
  if (ns === undefined) return attrs[name];
  for (const key in attrs) {
    const colon = key.indexOf(":");
    if (colon === -1 || key.slice(colon + 1) !== name) continue;
    const prefix = key.slice(0, colon);
    if ((el.scope.get(prefix) ?? CONVENTIONAL_PREFIX[prefix]) === ns) return attrs[key];
  }
  return undefined;
}
