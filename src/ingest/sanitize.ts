/**
 * The HTML sanitizer every article's content goes through before it is stored, and the
 * plain-text view of the same fragment. Pure. No I/O, no Worker globals, deterministic.
 *
 * Trust boundary: the input is hostile (publishers' HTML, upstream feeds). The output is a
 * balanced fragment built only from the allowlist below, re-serialized by this module: every
 * text and attribute value is re-escaped, every URL re-checked, so what a browser or feed reader
 * makes of the output never depends on how oddly the input was written.
 *
 * Built on htmlparser2's Tokenizer (spec-shaped HTML tokenizing: raw-text and RCDATA elements,
 * comments, all HTML5 entities) with our own linear tree building: htmlparser2's Parser keeps its
 * stack with Array#unshift, quadratic on deep nesting (200k nested <div>: 12 s; here 70 ms).
 * Compared (a throwaway script, not kept; per call on a 3 KB / 100 KB article; Worker bundle gzip):
 *   this module, htmlparser2 Tokenizer  Node 0.10 / 2.2 ms, workerd 0.12 / 2.8 ms, 22 KB  <- chosen
 *   xss (js-xss)                        Node 0.10 / 2.9 ms, 7 KB; regex filter, output unbalanced
 *   sanitize-html                       Node 0.29 / 5.7 ms, 94 KB (htmlparser2 + postcss)
 *   HTMLRewriter (4-element allowlist)  workerd 0.35 / 9.2 ms; a Worker global, async: not pure
 */
import { Tokenizer } from "htmlparser2";
import type { TokenizerCallbacks } from "htmlparser2";
import { cleanBlock, stripXmlIllegal } from "./text";

export interface SanitizeOptions {
  /** Absolute http(s) URL relative links and images are resolved against (the article's URL). */
  baseUrl?: string;
}

// ---------------------------------------------------------------------------------------------
// The allowlist

/** Elements written out (with the attributes below). Any other element is unwrapped: its tags go, its text stays. */
const ALLOWED_ELEMENTS = new Set([
  "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "q", "cite", "pre", "code",
  "kbd", "samp", "var", "em", "strong", "b", "i", "u", "s", "sub", "sup", "small", "mark", "abbr",
  "dfn", "time", "del", "ins", "ul", "ol", "li", "dl", "dt", "dd", "a", "img", "figure",
  "figcaption", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col",
  "span", "div", "section", "article", "aside", "header", "footer", "details", "summary", "audio",
  "video", "source", "track",
]);

/**
 * Elements dropped with everything inside them: scripts and styles, raw-text and RCDATA
 * elements (their text is not article text), foreign content (SVG/MathML: the home of
 * mutation-XSS), templates, scripting fallbacks, form controls with option lists, plugins.
 */
const DROP_WITH_CONTENT = new Set([
  "script", "style", "template", "noscript", "svg", "math", "iframe", "frameset", "frame",
  "noframes", "noembed", "textarea", "title", "select", "datalist", "object", "applet",
]);

/**
 * HTML §13.1.2 void elements (plus obsolete ones parsers still treat as void): never have
 * children or an end tag. The forbidden ones among them (input, link, meta, base, embed, ...)
 * are simply not in ALLOWED_ELEMENTS, so they vanish.
 */
const VOID_ELEMENTS = new Set([
  "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input",
  "isindex", "keygen", "link", "meta", "param", "source", "track", "wbr",
]);

const GLOBAL_ATTRIBUTES = ["title", "lang", "dir"] as const;

/** Per element, in output order (the order is fixed, not the input's: output is deterministic). */
const ELEMENT_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  a: ["href"],
  img: ["src", "alt", "width", "height", "loading"],
  td: ["colspan", "rowspan", "headers"],
  th: ["colspan", "rowspan", "headers", "scope", "abbr"],
  ol: ["start", "reversed", "type"],
  li: ["value"],
  time: ["datetime"],
  blockquote: ["cite"],
  q: ["cite"],
  del: ["cite", "datetime"],
  ins: ["cite", "datetime"],
  audio: ["src"],
  video: ["src", "poster", "width", "height"],
  source: ["src", "type"],
  track: ["src", "kind", "srclang", "label", "default"],
  col: ["span"],
  colgroup: ["span"],
  details: ["open"],
};

/** Set on every link whatever it said: the content is third-party, and no window.opener for it. */
const LINK_REL = "nofollow noopener noreferrer";

/** Lazy-loading scripts keep the real image URL here and put a placeholder (often data:) in src. */
const LAZY_SRC_ATTRIBUTES = ["data-src", "data-original", "data-lazy-src"] as const;

/** Every attribute read from each allowed element (the rest are skipped while tokenizing). */
const WANTED_ATTRIBUTES = new Map<string, ReadonlySet<string>>(
  [...ALLOWED_ELEMENTS].map((element) => [
    element,
    new Set([...GLOBAL_ATTRIBUTES, ...(ELEMENT_ATTRIBUTES[element] ?? []), ...(element === "img" ? LAZY_SRC_ATTRIBUTES : [])]),
  ]),
);

/** Elements nested deeper than this are unwrapped (text kept): no reader needs more, and it bounds the output. */
const MAX_DEPTH = 100;
const MAX_URL_LENGTH = 4096;
const MAX_TEXT_ATTRIBUTE_LENGTH = 2048;

/**
 * Opening the key element first closes the current element while it is one of these (HTML
 * §13.2.6.4.7: a block start tag closes an open <p>, <li> closes <li>, <td> closes <td>...).
 * Only the current element is checked, as htmlparser2 does: enough for well-formed output.
 */
const IMPLIED_CLOSE = (() => {
  const p = ["p"];
  const headings = ["h1", "h2", "h3", "h4", "h5", "h6"];
  const map = new Map<string, Set<string>>();
  for (const block of [
    "address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div", "dl",
    "fieldset", "figcaption", "figure", "footer", "form", "header", "hgroup", "hr", "main", "menu",
    "nav", "ol", "p", "pre", "section", "summary", "table", "ul", "listing", "xmp", "plaintext",
  ]) {
    map.set(block, new Set(p));
  }
  for (const h of headings) map.set(h, new Set([...p, ...headings]));
  map.set("li", new Set(["p", "li"]));
  map.set("dt", new Set(["p", "dt", "dd"]));
  map.set("dd", new Set(["p", "dt", "dd"]));
  map.set("td", new Set(["td", "th"]));
  map.set("th", new Set(["td", "th"]));
  map.set("tr", new Set(["tr", "td", "th"]));
  for (const section of ["thead", "tbody", "tfoot"]) {
    map.set(section, new Set(["thead", "tbody", "tfoot", "tr", "td", "th", "caption", "colgroup"]));
  }
  return map;
})();

// ---------------------------------------------------------------------------------------------
// Tree walking: tokens to a balanced sequence of open/close/text events, in linear time

interface TreeHandler {
  /** The attributes `open` needs for this element (others are not even read), if any. */
  attributesOf(element: string): ReadonlySet<string> | undefined;
  /** Returns whether the element was written; only those get `close`. Void elements never do. */
  open(name: string, attributes: ReadonlyMap<string, string>, isVoid: boolean): boolean;
  close(name: string): void;
  text(data: string): void;
}

const NO_ATTRIBUTES: ReadonlyMap<string, string> = new Map();

/**
 * Drives `handler` over `html`: drops DROP_WITH_CONTENT subtrees, comments, doctypes,
 * processing instructions and CDATA; applies implied end tags; matches end tags against the
 * open-element stack (stray ones are ignored) and closes whatever is still open at the end.
 * Each element is pushed and popped once: O(n) even for 200k nested elements, no recursion.
 */
function walkHtml(input: string, handler: TreeHandler): void {
  // HTML §13.2.3.5: the input stream normalizes CRLF and CR to LF.
  const html = input.includes("\r") ? input.replace(/\r\n?/g, "\n") : input;
  const stack: string[] = [];
  const written: boolean[] = [];
  /** Per stack index: the index of the topmost written element at or below it, or -1 (O(1) look-through). */
  const lastWritten: number[] = [];
  const openCount = new Map<string, number>();
  /** Index in `stack` of the element whose content is being dropped, or -1. */
  let dropRoot = -1;
  /** svg/math elements open inside a dropped subtree: the tokenizer then reads `<x/>` and CDATA as XML does. */
  let foreignDepth = 0;

  let tagName = "";
  let wantedAttributes: ReadonlySet<string> | undefined;
  /** The current tag's wanted attributes; handlers read it synchronously, so one map is reused. */
  const attributes = new Map<string, string>();
  let attributeName = "";
  let attributeValue = "";
  /** Whether the attribute being read is one `wantedAttributes` names. */
  let collecting = false;

  const push = (name: string, isWritten: boolean): void => {
    stack.push(name);
    written.push(isWritten);
    lastWritten.push(isWritten ? stack.length - 1 : (lastWritten[lastWritten.length - 1] ?? -1));
    openCount.set(name, (openCount.get(name) ?? 0) + 1);
    if (name === "svg" || name === "math") foreignDepth++;
  };
  const pop = (): void => {
    const name = stack.pop();
    if (name === undefined) return;
    const wasWritten = written.pop() === true;
    lastWritten.pop();
    openCount.set(name, (openCount.get(name) ?? 1) - 1);
    if (name === "svg" || name === "math") foreignDepth--;
    if (stack.length <= dropRoot) dropRoot = -1;
    if (wasWritten) handler.close(name);
  };
  const popThrough = (name: string): void => {
    if ((openCount.get(name) ?? 0) === 0) return;
    while (stack.length > 0 && stack[stack.length - 1] !== name) pop();
    pop();
  };

  const openElement = (name: string, selfClosing: boolean): void => {
    openWith(name, selfClosing, attributes);
    attributes.clear();
  };
  const openWith = (name: string, selfClosing: boolean, attrs: ReadonlyMap<string, string>): void => {
    if (dropRoot >= 0) {
      // Inside dropped content: only keep the stack right so the drop ends where it should.
      // Foreign elements honour the self-closing flag (`<path/>`, `<svg/>`); HTML ones do not.
      const complete = VOID_ELEMENTS.has(name) || (selfClosing && (foreignDepth > 0 || name === "svg" || name === "math"));
      if (!complete) push(name, false);
      return;
    }
    const closes = IMPLIED_CLOSE.get(name);
    if (closes) {
      for (;;) {
        const top = stack.length - 1;
        if (top < 0) break;
        if (closes.has(stack[top] ?? "")) {
          pop();
          continue;
        }
        // Unwrapped elements leave nothing in the output, so they must not shield a written one
        // under them (`<p><a href="javascript:x"><p>`): sanitizing the output again would close
        // it, and sanitizing must be idempotent (src/ingest/submission.property.test.ts).
        const below = lastWritten[top] ?? -1;
        if (below < 0 || below === top || !closes.has(stack[below] ?? "")) break;
        while (stack.length > below + 1) pop();
      }
    }
    // A link inside a link is not HTML: the parser closes the outer one (adoption agency).
    if (name === "a") popThrough("a");
    if (DROP_WITH_CONTENT.has(name)) {
      // `<svg/>` is complete as written (foreign elements honour the self-closing flag).
      if (selfClosing && (name === "svg" || name === "math")) return;
      if (VOID_ELEMENTS.has(name)) return;
      push(name, false);
      dropRoot = stack.length - 1;
      return;
    }
    if (VOID_ELEMENTS.has(name)) {
      handler.open(name, attrs, true);
      return;
    }
    push(name, handler.open(name, attrs, false));
  };

  const slice = (start: number, end: number): string => html.slice(start, end);
  const callbacks: TokenizerCallbacks = {
    onopentagname(start, end) {
      tagName = slice(start, end).toLowerCase();
      // HTML §13.2.6.4.7: "image" is read as "img" (outside foreign content).
      if (tagName === "image" && foreignDepth === 0) tagName = "img";
      wantedAttributes = dropRoot < 0 ? handler.attributesOf(tagName) : undefined;
      collecting = false;
    },
    onattribname(start, end) {
      if (wantedAttributes === undefined) return;
      attributeName = slice(start, end).toLowerCase();
      collecting = wantedAttributes.has(attributeName);
      attributeValue = "";
    },
    onattribdata(start, end) {
      if (collecting) attributeValue += slice(start, end);
    },
    onattribentity(codepoint) {
      if (collecting) attributeValue += String.fromCodePoint(codepoint);
    },
    onattribend() {
      // HTML §13.2.5.33: a repeated attribute is ignored; the first one counts.
      if (collecting && !attributes.has(attributeName)) attributes.set(attributeName, attributeValue);
      collecting = false;
      attributeValue = "";
    },
    onopentagend() {
      openElement(tagName, false);
    },
    onselfclosingtag() {
      openElement(tagName, true);
    },
    onclosetag(start, end) {
      const name = slice(start, end).toLowerCase();
      if (VOID_ELEMENTS.has(name)) {
        // HTML §13.2.6.4.7: `</br>` is read as `<br>`; other void end tags are ignored.
        if (name === "br" && dropRoot < 0) handler.open("br", NO_ATTRIBUTES, true);
        return;
      }
      popThrough(name);
    },
    ontext(start, end) {
      if (dropRoot < 0) handler.text(slice(start, end));
    },
    ontextentity(codepoint) {
      if (dropRoot < 0) handler.text(String.fromCodePoint(codepoint));
    },
    // Comments, CDATA sections, doctypes and processing instructions carry no article content.
    oncomment() {},
    oncdata() {},
    ondeclaration() {},
    onprocessinginstruction() {},
    onend() {
      while (stack.length > 0) pop();
    },
    isInForeignContext() {
      return foreignDepth > 0;
    },
  };
  const tokenizer = new Tokenizer({ xmlMode: false, decodeEntities: true }, callbacks);
  tokenizer.write(html);
  tokenizer.end();
}

// ---------------------------------------------------------------------------------------------
// Values

/**
 * Text escaped so it can never be read as markup. U+0338 COMBINING LONG SOLIDUS OVERLAY is
 * escaped too: it is the one character NFC composes with a markup character (`>` + U+0338 is
 * U+226F), so with it escaped, NFC over the whole output equals NFC of each text and value.
 * NFC comes first: a composition exclusion such as U+2ADC decomposes to U+2ADD + U+0338, and a
 * U+0338 that appeared only after escaping would be escaped on the next pass (not idempotent).
 */
function escapeText(raw: string): string {
  const s = raw.normalize("NFC");
  return /[&<>"\u0338]/.test(s) ? s.replace(/[&<>"\u0338]/g, escapeChar) : s;
}

function escapeAttribute(raw: string): string {
  const s = raw.normalize("NFC");
  return /[&<>"\u0338]/.test(s) ? s.replace(/[&<>"\u0338]/g, escapeChar) : s;
}

function escapeChar(c: string): string {
  switch (c) {
    case "&":
      return "&amp;";
    case "<":
      return "&lt;";
    case ">":
      return "&gt;";
    case '"':
      return "&quot;";
    default:
      return `&#x${c.codePointAt(0)?.toString(16) ?? "fffd"};`;
  }
}

/** C0 controls and space, and any Unicode whitespace, at either end (the URL parser trims the C0 ones). */
const URL_EDGES = /^[\u0000-\u0020\s]+|[\u0000-\u0020\s]+$/g;
/** WHATWG URL §4.4: the parser deletes every ASCII tab and newline, wherever they are (`java\tscript:`). */
const URL_TAB_NEWLINE = /[\t\n\r]/g;
/** Any control character left inside means an obfuscation attempt (`java\0script:`), never a real URL. */
const URL_CONTROL = /[\u0000-\u001F\u007F-\u009F]/;
/** WHATWG URL §4.4 scheme state: ASCII alpha, then alphanumerics, `+`, `-`, `.`, then `:`. */
const URL_SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;
/** Protocol-relative (`//host`); the URL parser treats `\` as `/` for http(s). */
const URL_PROTOCOL_RELATIVE = /^[\\/]{2}/;

/**
 * A URL attribute's value, or undefined to drop the attribute. Allowed: http and https (and
 * mailto where `allowMailto`), relative references resolved against `base` when there is one,
 * kept as written (minus tabs and newlines) when there is not. `//host` becomes `https://host`.
 * Refused: every other scheme, which includes javascript:, vbscript: and data: (data: images
 * too: readers commonly block them and they bloat every feed page an article appears on).
 * Entities were decoded by the tokenizer before this sees the value (`&#106;avascript:`).
 */
function sanitizeUrl(raw: string, base: URL | undefined, allowMailto: boolean): string | undefined {
  if (raw.length > MAX_URL_LENGTH) return undefined;
  const value = raw.replace(URL_EDGES, "").replace(URL_TAB_NEWLINE, "");
  if (value === "" || URL_CONTROL.test(value)) return undefined;
  const scheme = URL_SCHEME.exec(value)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (scheme === "http" || scheme === "https" || (allowMailto && scheme === "mailto")) {
      return absoluteUrl(value, undefined, allowMailto);
    }
    return undefined;
  }
  if (base) return absoluteUrl(value, base, allowMailto);
  if (URL_PROTOCOL_RELATIVE.test(value)) return absoluteUrl(`https:${value}`, undefined, false);
  return value;
}

function absoluteUrl(value: string, base: URL | undefined, allowMailto: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return undefined;
  }
  const ok = url.protocol === "http:" || url.protocol === "https:" || (allowMailto && url.protocol === "mailto:");
  return ok ? url.href : undefined;
}

function parseBase(baseUrl: string | undefined): URL | undefined {
  if (baseUrl === undefined) return undefined;
  try {
    const url = new URL(baseUrl.trim());
    return url.protocol === "http:" || url.protocol === "https:" ? url : undefined;
  } catch {
    return undefined;
  }
}

function textValue(raw: string): string | undefined {
  return raw.length > MAX_TEXT_ATTRIBUTE_LENGTH ? undefined : raw;
}

/** An integer within [min, max]; `"600px"` reads as 600, as browsers' dimension parsing does. */
function integerValue(raw: string, min: number, max: number): string | undefined {
  const m = /^\s*([+-]?\d{1,9})/.exec(raw);
  if (!m?.[1]) return undefined;
  const n = Number.parseInt(m[1], 10);
  return n >= min && n <= max ? String(n) : undefined;
}

function oneOf(raw: string, allowed: readonly string[], caseSensitive = false): string | undefined {
  const v = caseSensitive ? raw.trim() : raw.trim().toLowerCase();
  return allowed.includes(v) ? v : undefined;
}

const LANGUAGE_TAG = /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/;
const MIME_TYPE = /^[A-Za-z0-9][\w.+-]*\/[A-Za-z0-9][\w.+-]*(?:\s*;[^<>"]{0,200})?$/;

/** The value to write for one allowed attribute, or undefined to drop it. `""` is a boolean attribute. */
function attributeValue(element: string, name: string, raw: string, base: URL | undefined): string | undefined {
  switch (name) {
    case "href":
      return sanitizeUrl(raw, base, element === "a");
    case "src":
    case "cite":
    case "poster":
      return sanitizeUrl(raw, base, false);
    case "title":
    case "alt":
    case "label":
    case "headers":
    case "datetime":
    case "abbr":
      return textValue(raw);
    case "lang":
    case "srclang":
      return LANGUAGE_TAG.test(raw.trim()) ? raw.trim() : undefined;
    case "dir":
      return oneOf(raw, ["ltr", "rtl", "auto"]);
    case "width":
    case "height":
      return integerValue(raw, 0, 100_000);
    case "colspan":
    case "span":
      return integerValue(raw, 1, 1000);
    case "rowspan":
      return integerValue(raw, 0, 65_534);
    case "start":
    case "value":
      return integerValue(raw, -1_000_000_000, 1_000_000_000);
    case "loading":
      return oneOf(raw, ["lazy", "eager"]);
    case "scope":
      return oneOf(raw, ["row", "col", "rowgroup", "colgroup"]);
    case "kind":
      return oneOf(raw, ["subtitles", "captions", "descriptions", "chapters", "metadata"]);
    case "type":
      if (element === "ol") return oneOf(raw, ["1", "a", "A", "i", "I"], true);
      return MIME_TYPE.test(raw.trim()) ? raw.trim().toLowerCase() : undefined;
    case "reversed":
    case "open":
    case "default":
      return "";
    default:
      return undefined;
  }
}

/**
 * The serialized attributes (leading space included) of an allowed element, or undefined
 * when the element is pointless without the one it lacks (a link with no usable href is
 * unwrapped to its text; an image, source or track with no usable src is dropped).
 */
function serializeAttributes(element: string, attributes: ReadonlyMap<string, string>, base: URL | undefined): string | undefined {
  let out = "";
  const write = (name: string, value: string): void => {
    out += ` ${name}="${escapeAttribute(value)}"`;
  };
  const own = ELEMENT_ATTRIBUTES[element] ?? [];
  for (const name of own) {
    const raw = attributes.get(name);
    let value = raw === undefined ? undefined : attributeValue(element, name, raw, base);
    if (value === undefined && element === "img" && name === "src") {
      for (const lazy of LAZY_SRC_ATTRIBUTES) {
        const candidate = attributes.get(lazy);
        value = candidate === undefined ? undefined : sanitizeUrl(candidate, base, false);
        if (value !== undefined) break;
      }
    }
    if (value === undefined) {
      if (name === "href" && element === "a") return undefined;
      if (name === "src" && (element === "img" || element === "source" || element === "track")) return undefined;
      continue;
    }
    write(name, value);
  }
  if (element === "a") write("rel", LINK_REL);
  // Autoplay is not allowed, so media must offer controls to be playable at all.
  if (element === "audio" || element === "video") write("controls", "");
  for (const name of GLOBAL_ATTRIBUTES) {
    if (own.includes(name)) continue;
    const raw = attributes.get(name);
    const value = raw === undefined ? undefined : attributeValue(element, name, raw, base);
    if (value !== undefined) write(name, value);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The two entry points

/**
 * A safe, balanced HTML fragment (HTML syntax: `<br>`, `controls=""`) from hostile HTML:
 * only allowlisted elements and attributes, every URL checked, every element closed in
 * order, text and attribute values re-escaped (`&` `<` `>` `"`), no comments, no
 * XML-illegal characters, NFC. Unknown elements are unwrapped (their text kept); scripts,
 * styles, SVG/MathML, iframes, templates and the like are dropped with their content.
 */
export function sanitizeHtml(html: string, options?: SanitizeOptions): string {
  const base = parseBase(options?.baseUrl);
  const out: string[] = [];
  let pendingText = "";
  let depth = 0;
  const flush = (): void => {
    if (pendingText !== "") {
      out.push(escapeText(pendingText));
      pendingText = "";
    }
  };
  walkHtml(html, {
    attributesOf(element) {
      return WANTED_ATTRIBUTES.get(element);
    },
    open(name, attributes, isVoid) {
      if (!ALLOWED_ELEMENTS.has(name)) return false;
      if (!isVoid && depth >= MAX_DEPTH) return false;
      const serialized = serializeAttributes(name, attributes, base);
      if (serialized === undefined) return false;
      flush();
      out.push(`<${name}${serialized}>`);
      if (!isVoid) depth++;
      return true;
    },
    close(name) {
      flush();
      out.push(`</${name}>`);
      depth--;
    },
    text(data) {
      pendingText += data;
    },
  });
  flush();
  // Markup is ASCII and never next to a character NFC would compose it with (see escapeText),
  // so cleaning the whole string at once is the same as cleaning each text and value.
  return stripXmlIllegal(out.join("")).normalize("NFC");
}

/** Break before and after these, as a blank line (paragraph-like) ... */
const PARAGRAPH_BLOCKS = new Set([
  "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "dl", "table", "figure",
  "hr", "section", "article", "aside", "header", "footer", "details", "address", "main", "nav",
  "fieldset", "form", "center", "listing", "xmp", "plaintext", "hgroup", "menu", "dir",
]);
/** ... or as a single line break. */
const LINE_BLOCKS = new Set([
  "div", "li", "dt", "dd", "tr", "caption", "figcaption", "summary", "thead", "tbody", "tfoot",
  "legend", "dialog", "br",
]);
const HTML_WHITESPACE = /[ \t\n\f\r]+/g;

/**
 * The plain text of an HTML fragment, for summaries and search: entities decoded, scripts,
 * styles and the other dropped elements' content left out, whitespace collapsed as a browser
 * renders it (kept inside <pre>), paragraphs apart by a blank line, list items and <br> on their
 * own lines, table cells apart by a space; then `cleanBlock`-style cleanup.
 */
export function htmlToText(html: string): string {
  const parts: string[] = [];
  let hasText = false;
  let pendingBreaks = 0;
  let pendingSpace = false;
  let preDepth = 0;
  const separate = (): void => {
    if (hasText) {
      if (pendingBreaks > 0) parts.push(pendingBreaks > 1 ? "\n\n" : "\n");
      else if (pendingSpace) parts.push(" ");
    }
    pendingBreaks = 0;
    pendingSpace = false;
    hasText = true;
  };
  const block = (name: string): void => {
    if (PARAGRAPH_BLOCKS.has(name)) pendingBreaks = 2;
    else if (LINE_BLOCKS.has(name)) pendingBreaks = Math.max(pendingBreaks, 1);
    else if (name === "td" || name === "th") pendingSpace = true;
  };
  walkHtml(html, {
    attributesOf() {
      return undefined;
    },
    open(name, _attributes, isVoid) {
      if (name === "br") {
        pendingBreaks = Math.min(pendingBreaks + 1, 2);
        return false;
      }
      if (name === "pre") preDepth++;
      block(name);
      return !isVoid;
    },
    close(name) {
      if (name === "pre") preDepth--;
      block(name);
    },
    text(data) {
      if (preDepth > 0) {
        separate();
        parts.push(data);
        return;
      }
      let s = data.replace(HTML_WHITESPACE, " ");
      if (s.startsWith(" ")) {
        pendingSpace = true;
        s = s.slice(1);
      }
      const trailingSpace = s.endsWith(" ");
      if (trailingSpace) s = s.slice(0, -1);
      if (s !== "") {
        separate();
        parts.push(s);
      }
      if (trailingSpace) pendingSpace = true;
    },
  });
  return cleanBlock(parts.join(""));
}
