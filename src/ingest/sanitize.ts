/**
 * The HTML sanitizer every article's content goes through before it is stored, and the
 * plain-text view of the same fragment. Pure. No I/O, no Worker globals, deterministic.
 *
 * Trust boundary: the input is hostile (publishers' HTML, upstream feeds). The output is a
 * balanced fragment built only from the allowlist below, re-serialized by this module: every
 * text and attribute value is re-escaped, every URL re-checked, so what a browser or feed reader
 * makes of the output never depends on how oddly the input was written. Inside SVG and MathML
 * only their own allowlisted elements and text are written, never an HTML element, a raw-text
 * element or a comment, so no parser can read the output's namespaces differently (the
 * mutation-XSS family); src/ingest/sanitize.differential.test.ts checks that against parse5.
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
import { isCssColor, sanitizeStyle } from "./sanitize-style";
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
 * elements (their text is not article text), templates, scripting fallbacks, form controls with
 * option lists, frames. An iframe's content is raw text a browser never shows; its text is kept
 * (see `fallbackText`), as a frameless reader would show it.
 */
const DROP_WITH_CONTENT = new Set([
  "script", "style", "template", "noscript", "iframe", "frameset", "frame", "noframes", "noembed",
  "textarea", "title", "select", "datalist",
]);

/**
 * The same inside SVG and MathML (`title` is SVG's own, kept), plus their doors back into HTML
 * and scripting: foreignObject and annotation-xml (HTML integration points, HTML §13.2.6.5).
 */
const DROP_FOREIGN_WITH_CONTENT = new Set([...DROP_WITH_CONTENT, "foreignobject", "annotation-xml"]);
DROP_FOREIGN_WITH_CONTENT.delete("title");

type Namespace = "html" | "svg" | "math";

/** HTML §13.2.6.5: these start tags in SVG/MathML content close the foreign elements (breakout). */
const FOREIGN_BREAKOUT = new Set([
  "b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt", "em", "embed",
  "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i", "img", "li", "listing", "menu", "meta",
  "nobr", "ol", "p", "pre", "ruby", "s", "small", "span", "strong", "strike", "sub", "sup", "table",
  "tt", "u", "ul", "var",
]);

/** HTML §13.2.6.5: MathML text integration points (their children are parsed as HTML, but mglyph/malignmark). */
const MATHML_TEXT_INTEGRATION = new Set(["mi", "mo", "mn", "ms", "mtext"]);
/** HTML §13.2.6.5: SVG HTML integration points. */
const SVG_HTML_INTEGRATION = new Set(["foreignobject", "desc", "title"]);

/**
 * HTML §13.1.2 void elements (plus obsolete ones parsers still treat as void): never have
 * children or an end tag. The forbidden ones among them (input, link, meta, base, embed, ...)
 * are simply not in ALLOWED_ELEMENTS, so they vanish.
 */
const VOID_ELEMENTS = new Set([
  "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input",
  "isindex", "keygen", "link", "meta", "param", "source", "track", "wbr",
]);

const GLOBAL_ATTRIBUTES = ["title", "lang", "dir", "style"] as const;

/** Presentational `align` (HTML §16.3, obsolete but read by every reader) on these. */
const ALIGNED = ["p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "col", "colgroup", "img", "hr", "figure"];

/** Per element, in output order (the order is fixed, not the input's: output is deterministic). */
const HTML_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
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

/**
 * Inline SVG without scripting or references out of the fragment: shapes, paths, groups, text,
 * gradients, and `use` of an element of the same fragment. No script, style, foreignObject,
 * image, a, animate/set (they can rewrite href), filter, mask, pattern or marker. Names are
 * written in SVG's own case (HTML §13.2.6.5 adjusts them back the same way).
 */
const SVG_ELEMENTS: ReadonlyMap<string, string> = new Map(
  ["svg", "g", "defs", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "tspan", "linearGradient", "radialGradient", "stop", "use", "title", "desc"].map((n) => [n.toLowerCase(), n]),
);
/** Presentation attributes every kept SVG element may carry (SVG 2 §6.2 / §13, attribute forms). */
const SVG_PRESENTATION = [
  "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity", "stroke-linecap", "stroke-linejoin",
  "stroke-dasharray", "stroke-dashoffset", "stroke-miterlimit", "opacity", "transform", "font-size", "font-family",
  "font-weight", "font-style", "text-anchor", "dominant-baseline", "color", "clip-rule", "style",
];
const SVG_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  svg: ["width", "height", "viewBox", "preserveAspectRatio"],
  g: [],
  defs: [],
  path: ["d", "pathLength"],
  rect: ["x", "y", "width", "height", "rx", "ry"],
  circle: ["cx", "cy", "r"],
  ellipse: ["cx", "cy", "rx", "ry"],
  line: ["x1", "y1", "x2", "y2"],
  polyline: ["points"],
  polygon: ["points"],
  text: ["x", "y", "dx", "dy", "rotate", "textLength", "lengthAdjust"],
  tspan: ["x", "y", "dx", "dy", "rotate", "textLength", "lengthAdjust"],
  linearGradient: ["id", "href", "x1", "y1", "x2", "y2", "gradientUnits", "gradientTransform", "spreadMethod"],
  radialGradient: ["id", "href", "cx", "cy", "r", "fx", "fy", "fr", "gradientUnits", "gradientTransform", "spreadMethod"],
  stop: ["offset", "stop-color", "stop-opacity"],
  use: ["href", "x", "y", "width", "height"],
  title: [],
  desc: [],
};

/** Presentational MathML (MathML Core): no maction, no mglyph (an image), no annotation-xml (HTML inside). */
const MATHML_ELEMENTS = new Set([
  "math", "mi", "mn", "mo", "ms", "mtext", "mspace", "mrow", "mfrac", "msqrt", "mroot", "msup", "msub",
  "msubsup", "munder", "mover", "munderover", "mmultiscripts", "mprescripts", "none", "mtable", "mtr",
  "mtd", "mstyle", "mpadded", "mphantom", "menclose", "semantics", "annotation",
]);
const MATHML_COMMON = ["mathvariant", "mathcolor", "mathbackground", "mathsize", "dir", "displaystyle", "scriptlevel", "style"];
const MATHML_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  math: ["display"],
  mo: ["form", "fence", "separator", "stretchy", "symmetric", "largeop", "movablelimits", "accent", "lspace", "rspace", "minsize", "maxsize"],
  mfrac: ["linethickness"],
  munder: ["accentunder"],
  mover: ["accent"],
  munderover: ["accent", "accentunder"],
  mspace: ["width", "height", "depth"],
  mpadded: ["width", "height", "depth", "lspace", "voffset"],
  mtable: ["columnalign", "rowalign"],
  mtr: ["columnalign", "rowalign"],
  mtd: ["columnalign", "rowalign", "columnspan", "rowspan"],
  menclose: ["notation"],
  annotation: ["encoding"],
};
/** Foreign elements whose content is kept as text only (their child elements are unwrapped). */
const FOREIGN_TEXT_ONLY = new Set(["title", "desc", "mi", "mn", "mo", "ms", "mtext", "annotation"]);

/** Set on every link whatever it said: the content is third-party, and no window.opener for it. */
const LINK_REL = "nofollow noopener noreferrer";

/** Lazy-loading scripts keep the real image URL here and put a placeholder (often data:) in src. */
const LAZY_SRC_ATTRIBUTES = ["data-src", "data-original", "data-lazy-src"] as const;

/** Per HTML element, its own attributes in output order (`align` last). */
const ELEMENT_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  [...ALLOWED_ELEMENTS].map((element) => [
    element,
    [...(HTML_ATTRIBUTES[element] ?? []), ...(ALIGNED.includes(element) ? ["align"] : []), ...(["td", "th", "tr"].includes(element) ? ["valign"] : [])],
  ]),
);

/** Per foreign element (lowercase, as the tokenizer gives it), its attributes in output order, as written. */
const FOREIGN_ATTRIBUTES: ReadonlyMap<string, readonly string[]> = new Map([
  ...Object.entries(SVG_ATTRIBUTES).map(([element, own]) => [`svg:${element.toLowerCase()}`, [...own, ...SVG_PRESENTATION]] as const),
  ...[...MATHML_ELEMENTS].map((element) => [`math:${element}`, [...(MATHML_ATTRIBUTES[element] ?? []), ...MATHML_COMMON]] as const),
]);

/** Every attribute read from each allowed element (the rest are skipped while tokenizing), lowercase. */
const WANTED_ATTRIBUTES = new Map<string, ReadonlySet<string>>([
  ...[...ALLOWED_ELEMENTS].map(
    (element) => [element, new Set([...GLOBAL_ATTRIBUTES, ...(ELEMENT_ATTRIBUTES[element] ?? []), ...(element === "img" ? LAZY_SRC_ATTRIBUTES : [])])] as const,
  ),
  ...[...FOREIGN_ATTRIBUTES].map(
    ([key, names]) => [key, new Set([...names.map((n) => n.toLowerCase()), ...(names.includes("href") ? ["xlink:href"] : [])])] as const,
  ),
]);

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
  attributesOf(element: string, ns: Namespace): ReadonlySet<string> | undefined;
  /** Returns whether the element was written; only those get `close`. Void elements never do. */
  open(name: string, attributes: ReadonlyMap<string, string>, isVoid: boolean, ns: Namespace): boolean;
  close(name: string): void;
  text(data: string): void;
  /** The raw text of a dropped iframe (fallback markup for frameless readers), if wanted. */
  fallbackText?(raw: string): void;
}

const NO_ATTRIBUTES: ReadonlyMap<string, string> = new Map();

/**
 * Drives `handler` over `html`: drops DROP_WITH_CONTENT subtrees, comments, doctypes,
 * processing instructions and CDATA; applies implied end tags; tracks the namespace of every
 * element as the HTML tree builder does (HTML §13.2.6: `<svg>` and `<math>` open foreign
 * content, integration points return to HTML, breakout tags close foreign content), so the
 * tokenizer reads raw text, CDATA and self-closing tags where a browser would; matches end tags
 * against the open-element stack (stray ones are ignored) and closes whatever is still open at
 * the end. Each element is pushed and popped once: O(n) even for 200k nested elements, no recursion.
 */
function walkHtml(input: string, handler: TreeHandler, dropSvg = false): void {
  // HTML §13.2.3.5: the input stream normalizes CRLF and CR to LF.
  const html = input.includes("\r") ? input.replace(/\r\n?/g, "\n") : input;
  const stack: string[] = [];
  const namespaces: Namespace[] = [];
  const written: boolean[] = [];
  /** Per stack index: the index of the topmost written element at or below it, or -1 (O(1) look-through). */
  const lastWritten: number[] = [];
  const openCount = new Map<string, number>();
  /** Index in `stack` of the element whose content is being dropped, or -1. */
  let dropRoot = -1;
  /** The raw text of a dropped iframe, while one is the drop root. */
  let iframeText: string | undefined;

  let tagName = "";
  let tagNamespace: Namespace = "html";
  let wantedAttributes: ReadonlySet<string> | undefined;
  /** The current tag's wanted attributes; handlers read it synchronously, so one map is reused. */
  const attributes = new Map<string, string>();
  let attributeName = "";
  let attributeValue = "";
  /** Whether the attribute being read is one `wantedAttributes` names. */
  let collecting = false;

  /** Whether a start tag here is processed by the HTML rules (HTML §13.2.6, the tree construction dispatcher). */
  const htmlRulesFor = (name: string): boolean => {
    const top = stack.length - 1;
    if (top < 0) return true;
    const ns = namespaces[top];
    if (ns === "html") return true;
    const current = stack[top] ?? "";
    if (ns === "svg") return SVG_HTML_INTEGRATION.has(current);
    return MATHML_TEXT_INTEGRATION.has(current) && name !== "mglyph" && name !== "malignmark";
  };
  /** The namespace a start tag's element gets, once any breakout has been applied. */
  const namespaceFor = (name: string): Namespace => {
    if (htmlRulesFor(name)) return name === "svg" ? "svg" : name === "math" ? "math" : "html";
    return namespaces[namespaces.length - 1] ?? "html";
  };

  const push = (name: string, ns: Namespace, isWritten: boolean): void => {
    stack.push(name);
    namespaces.push(ns);
    written.push(isWritten);
    lastWritten.push(isWritten ? stack.length - 1 : (lastWritten[lastWritten.length - 1] ?? -1));
    openCount.set(name, (openCount.get(name) ?? 0) + 1);
  };
  const pop = (): void => {
    const name = stack.pop();
    if (name === undefined) return;
    namespaces.pop();
    const wasWritten = written.pop() === true;
    lastWritten.pop();
    openCount.set(name, (openCount.get(name) ?? 1) - 1);
    if (stack.length <= dropRoot) {
      dropRoot = -1;
      if (iframeText !== undefined) {
        const raw = iframeText;
        iframeText = undefined;
        if (raw !== "") handler.fallbackText?.(raw);
      }
    }
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
    // HTML §13.2.6.5: a breakout tag in foreign content pops the foreign elements first.
    if (!htmlRulesFor(name) && FOREIGN_BREAKOUT.has(name)) {
      while (stack.length > 0 && !htmlRulesFor(name)) pop();
    }
    const ns = namespaceFor(name);
    // Foreign elements honour the self-closing flag (`<path/>`, `<svg/>`); HTML ones do not.
    const isVoid = ns === "html" && VOID_ELEMENTS.has(name);
    const complete = isVoid || (selfClosing && ns !== "html");
    if (dropRoot >= 0) {
      // Inside dropped content: only keep the stack right so the drop ends where it should.
      if (!complete) push(name, ns, false);
      return;
    }
    if (ns === "html") {
      const closes = IMPLIED_CLOSE.get(name);
      if (closes) {
        for (;;) {
          const top = stack.length - 1;
          if (top < 0 || namespaces[top] !== "html") break;
          if (closes.has(stack[top] ?? "")) {
            pop();
            continue;
          }
          // Unwrapped elements leave nothing in the output, so they must not shield a written one
          // under them (`<p><a href="javascript:x"><p>`): sanitizing the output again would close
          // it, and sanitizing must be idempotent (src/ingest/submission.property.test.ts).
          const below = lastWritten[top] ?? -1;
          if (below < 0 || below === top || namespaces[below] !== "html" || !closes.has(stack[below] ?? "")) break;
          while (stack.length > below + 1) pop();
        }
      }
      // A link inside a link is not HTML: the parser closes the outer one (adoption agency).
      if (name === "a") popThrough("a");
    }
    const drops = ns === "html" ? DROP_WITH_CONTENT.has(name) : DROP_FOREIGN_WITH_CONTENT.has(name);
    if (drops || (dropSvg && name === "svg")) {
      if (complete) return;
      push(name, ns, false);
      dropRoot = stack.length - 1;
      if (name === "iframe" && ns === "html") iframeText = "";
      return;
    }
    if (isVoid) {
      handler.open(name, attrs, true, ns);
      return;
    }
    push(name, ns, handler.open(name, attrs, false, ns));
    if (complete) pop();
  };

  const slice = (start: number, end: number): string => html.slice(start, end);
  const callbacks: TokenizerCallbacks = {
    onopentagname(start, end) {
      tagName = slice(start, end).toLowerCase();
      // HTML §13.2.6.4.7: "image" is read as "img" (outside foreign content).
      if (tagName === "image" && htmlRulesFor(tagName)) tagName = "img";
      tagNamespace = FOREIGN_BREAKOUT.has(tagName) ? "html" : namespaceFor(tagName);
      wantedAttributes = dropRoot < 0 ? handler.attributesOf(tagName, tagNamespace) : undefined;
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
        if (name === "br" && dropRoot < 0) openWith("br", false, NO_ATTRIBUTES);
        return;
      }
      popThrough(name);
    },
    ontext(start, end) {
      if (dropRoot < 0) handler.text(slice(start, end));
      else if (iframeText !== undefined) iframeText += slice(start, end);
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
    // The tokenizer reads raw-text elements and CDATA sections only where the HTML rules apply.
    isInForeignContext() {
      return !htmlRulesFor("");
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
  // RFC 3986 §4.2: a relative reference's first segment has no colon. One that does is a
  // scheme in disguise (`` `javascript:x` ``, `\u00A0javascript:x`), never a real link.
  if (/^[^/?#]*:/.test(value)) return undefined;
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
  if (!ok) return undefined;
  // RFC 3986 §3.2.1: a `user:password@` sent by mistake is not republished in content links either.
  url.username = "";
  url.password = "";
  return url.href;
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
    case "style":
      return sanitizeStyle(raw);
    case "align":
      return element === "img" ? oneOf(raw, ["left", "right", "top", "middle", "bottom"]) : oneOf(raw, ["left", "right", "center", "justify"]);
    case "valign":
      return oneOf(raw, ["top", "middle", "bottom", "baseline"]);
    default:
      return undefined;
  }
}

/** An SVG number or length (`10`, `-2.5e1`, `50%`, `1em`): SVG 2 §4.6, `<length-percentage>`. */
const SVG_LENGTH = /^[+-]?(?:\d{1,9}(?:\.\d{0,9})?|\.\d{1,9})(?:e[+-]?\d{1,3})?(?:px|em|ex|rem|%|pt|pc|cm|mm|in)?$/i;
/** Lists of numbers (`points`, `viewBox`, `stroke-dasharray`, text `x`/`dx`). */
const SVG_NUMBER_LIST = /^[\d\s,.eE+%-]{1,4096}$/;
/** SVG path data (SVG 2 §9.3.9): commands and numbers only. */
const SVG_PATH = /^[MmZzLlHhVvCcSsQqTtAa\d\s,.eE+-]{1,65536}$/;
const SVG_TRANSFORM = /^(?:[\s,]*(?:matrix|translate|scale|rotate|skewX|skewY)\s*\([\d\s,.eE+-]{0,200}\))+[\s,]*$/;
const FRAGMENT_ID = /^[A-Za-z][\w-]{0,63}$/;
/** A paint (SVG 2 §13.2): a colour, `none`, or a gradient of this fragment (`url(#g)`), with an optional fallback. */
const SVG_PAINT_URL = /^url\(\s*#([A-Za-z][\w-]{0,63})\s*\)(?:\s+(.+))?$/;
/** MathML Core §2.1.4: a length, or a named space (`thinmathspace`). */
const MATHML_LENGTH = /^(?:[+-]?(?:\d{1,9}(?:\.\d{0,9})?|\.\d{1,9})(?:px|em|ex|rem|%|pt|pc|cm|mm|in)?|[a-z]{1,30})$/i;

const paint = (raw: string): string | undefined => {
  const v = raw.trim();
  if (v === "none" || isCssColor(v)) return v;
  const m = SVG_PAINT_URL.exec(v);
  if (!m) return undefined;
  const fallback = m[2];
  if (fallback !== undefined && fallback !== "none" && !isCssColor(fallback)) return undefined;
  return fallback === undefined ? `url(#${m[1]})` : `url(#${m[1]}) ${fallback}`;
};
const matching = (pattern: RegExp, raw: string): string | undefined => {
  const v = raw.trim();
  return pattern.test(v) ? v : undefined;
};
const tokenList = (raw: string, allowed: readonly string[], max: number): string | undefined => {
  const list = raw.trim().toLowerCase().split(/\s+/);
  return list.length <= max && list.every((t) => allowed.includes(t)) ? list.join(" ") : undefined;
};
const BOOLEAN_WORDS = ["true", "false"];
const FONT_WEIGHTS = ["normal", "bold", "bolder", "lighter", "100", "200", "300", "400", "500", "600", "700", "800", "900"];
const MATHVARIANTS = [
  "normal", "bold", "italic", "bold-italic", "double-struck", "bold-fraktur", "script", "bold-script", "fraktur",
  "sans-serif", "bold-sans-serif", "sans-serif-italic", "sans-serif-bold-italic", "monospace", "initial", "tailed",
  "looped", "stretched",
];
const MENCLOSE_NOTATIONS = [
  "longdiv", "actuarial", "phasorangle", "radical", "box", "roundedbox", "circle", "left", "right", "top", "bottom",
  "updiagonalstrike", "downdiagonalstrike", "verticalstrike", "horizontalstrike", "northeastarrow", "madruwb",
];

/**
 * The value to write for one attribute of a kept SVG or MathML element (`name` as written,
 * `raw` its value), or undefined to drop it. No value can reach outside the fragment or run
 * anything: references are `#id` of this fragment only, everything else numbers and keywords.
 */
function foreignAttributeValue(name: string, raw: string): string | undefined {
  switch (name) {
    case "href":
      return raw.trim().startsWith("#") && FRAGMENT_ID.test(raw.trim().slice(1)) ? raw.trim() : undefined;
    case "id":
      return matching(FRAGMENT_ID, raw);
    case "style":
      return sanitizeStyle(raw);
    case "d":
      return matching(SVG_PATH, raw);
    case "points":
    case "viewBox":
    case "stroke-dasharray":
    case "rotate":
    case "x":
    case "y":
    case "dx":
    case "dy":
      return matching(SVG_NUMBER_LIST, raw);
    case "transform":
    case "gradientTransform":
      return raw.length <= 2048 ? matching(SVG_TRANSFORM, raw) : undefined;
    case "fill":
    case "stroke":
      return paint(raw);
    case "color":
    case "stop-color":
    case "mathcolor":
    case "mathbackground":
      return isCssColor(raw.trim()) ? raw.trim() : undefined;
    case "fill-rule":
    case "clip-rule":
      return oneOf(raw, ["nonzero", "evenodd"]);
    case "stroke-linecap":
      return oneOf(raw, ["butt", "round", "square"]);
    case "stroke-linejoin":
      return oneOf(raw, ["miter", "round", "bevel", "arcs", "miter-clip"]);
    case "text-anchor":
      return oneOf(raw, ["start", "middle", "end"]);
    case "dominant-baseline":
      return oneOf(raw, ["auto", "middle", "central", "hanging", "alphabetic", "ideographic", "mathematical", "text-top", "text-bottom"]);
    case "font-weight":
      return oneOf(raw, FONT_WEIGHTS);
    case "font-style":
      return oneOf(raw, ["normal", "italic", "oblique"]);
    case "font-family":
      return matching(/^[A-Za-z0-9 ,-]{1,100}$/, raw);
    case "gradientUnits":
      return oneOf(raw, ["userSpaceOnUse", "objectBoundingBox"], true);
    case "spreadMethod":
      return oneOf(raw, ["pad", "reflect", "repeat"]);
    case "lengthAdjust":
      return oneOf(raw, ["spacing", "spacingAndGlyphs"], true);
    case "preserveAspectRatio":
      return matching(/^(?:none|x(?:Min|Mid|Max)Y(?:Min|Mid|Max))(?:\s+(?:meet|slice))?$/, raw);
    // MathML Core §2-3.
    case "display":
      return oneOf(raw, ["block", "inline"]);
    case "mathvariant":
      return oneOf(raw, MATHVARIANTS);
    case "dir":
      return oneOf(raw, ["ltr", "rtl"]);
    case "displaystyle":
    case "fence":
    case "separator":
    case "stretchy":
    case "symmetric":
    case "largeop":
    case "movablelimits":
    case "accent":
    case "accentunder":
      return oneOf(raw, BOOLEAN_WORDS);
    case "scriptlevel":
      return matching(/^[+-]?\d{1,2}$/, raw);
    case "form":
      return oneOf(raw, ["prefix", "infix", "postfix"]);
    case "mathsize":
    case "lspace":
    case "rspace":
    case "minsize":
    case "maxsize":
    case "linethickness":
    case "depth":
    case "voffset":
      return matching(MATHML_LENGTH, raw);
    case "columnalign":
    case "rowalign":
      return tokenList(raw, ["left", "center", "right", "top", "bottom", "baseline", "axis"], 64);
    case "columnspan":
    case "rowspan":
      return integerValue(raw, 1, 1000);
    case "notation":
      return tokenList(raw, MENCLOSE_NOTATIONS, 8);
    case "encoding":
      return matching(/^[\w.+/-]{1,64}$/, raw);
    default: {
      // Numbers and lengths: width, height, x1, cx, r, offset, opacity, stroke-width ...
      const v = raw.trim();
      return SVG_LENGTH.test(v) || v === "auto" ? v : undefined;
    }
  }
}

/**
 * The serialized attributes of a kept SVG or MathML element (`key` is `svg:name` or
 * `math:name`), or undefined when it is pointless without the one it lacks (`use` without an
 * in-fragment href).
 */
function serializeForeignAttributes(key: string, attributes: ReadonlyMap<string, string>): string | undefined {
  let out = "";
  for (const name of FOREIGN_ATTRIBUTES.get(key) ?? []) {
    // SVG 2 reads `href`; `xlink:href` is its SVG 1.1 spelling.
    const raw = attributes.get(name.toLowerCase()) ?? (name === "href" ? attributes.get("xlink:href") : undefined);
    const value = raw === undefined ? undefined : foreignAttributeValue(name, raw);
    if (value === undefined) {
      if (name === "href" && key === "svg:use") return undefined;
      continue;
    }
    out += ` ${name}="${escapeAttribute(value)}"`;
  }
  return out;
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
 * XML-illegal characters, NFC. Unknown elements are unwrapped (their text kept), so the fallback
 * content of `<object>` stays, and an `<iframe>`'s fallback is kept as its text; scripts, styles,
 * templates and the like are dropped with their content. `style` attributes keep only plain
 * presentation (sanitize-style.ts); SVG and MathML are kept as islands of presentational
 * elements (shapes, paths, text, gradients; formulas) with checked attributes, their text-only
 * elements (`title`, `mi`, `mtext`...) holding text only.
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
  /** The written elements still open, innermost last, as `name` / `svg:name` / `math:name`. */
  const open: string[] = [];
  /** Per open written element, the index of its start tag in `out`. */
  const openedAt: number[] = [];
  walkHtml(html, {
    attributesOf(element, ns) {
      return WANTED_ATTRIBUTES.get(ns === "html" ? element : `${ns}:${element}`);
    },
    open(name, attributes, isVoid, ns) {
      if (!isVoid && depth >= MAX_DEPTH) return false;
      const parent = open[open.length - 1] ?? "";
      const parentNs = parent.startsWith("svg:") ? "svg" : parent.startsWith("math:") ? "math" : "html";
      let tag: string;
      let serialized: string | undefined;
      if (ns === "html") {
        // HTML inside SVG/MathML only comes from integration points (text only here).
        if (parentNs !== "html" || !ALLOWED_ELEMENTS.has(name)) return false;
        tag = name;
        serialized = serializeAttributes(name, attributes, base);
      } else {
        // A foreign element only as the root of its own island, or inside one of its kind that is not text-only.
        const key = `${ns}:${name}`;
        const isRoot = name === ns && parentNs === "html";
        if (!isRoot && (parentNs !== ns || FOREIGN_TEXT_ONLY.has(parent.slice(ns.length + 1)))) return false;
        const known = ns === "svg" ? SVG_ELEMENTS.get(name) : MATHML_ELEMENTS.has(name) ? name : undefined;
        if (known === undefined) return false;
        tag = known;
        serialized = serializeForeignAttributes(key, attributes);
      }
      if (serialized === undefined) return false;
      flush();
      out.push(`<${tag}${serialized}>`);
      if (!isVoid) {
        depth++;
        open.push(ns === "html" ? tag : `${ns}:${name}`);
        openedAt.push(out.length - 1);
      }
      return true;
    },
    close() {
      const closing = open.pop() ?? "";
      const start = openedAt.pop() ?? -1;
      // An empty SVG or MathML island (all of it was unsafe) is left out altogether.
      if ((closing === "svg:svg" || closing === "math:math") && pendingText === "" && start === out.length - 1) {
        out.pop();
        depth--;
        return;
      }
      flush();
      const name = closing.slice(closing.indexOf(":") + 1);
      out.push(`</${closing.startsWith("svg:") ? (SVG_ELEMENTS.get(name) ?? name) : name}>`);
      depth--;
    },
    text(data) {
      pendingText += data;
    },
    fallbackText(raw) {
      // What a reader without frames shows: the iframe's content read as HTML, as plain text.
      const text = htmlToText(raw);
      if (text !== "") pendingText += text;
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
/** Whitespace that collapsing changes: without any, every HTML_WHITESPACE run is one space, left as it is. */
const HTML_WHITESPACE_TO_COLLAPSE = /[\t\n\f\r]| {2}/;
/** What makes a string more than one text to the tokenizer: a tag, a character reference, a CR. */
const NOT_PLAIN = /[<&\r]/;

/** Runs of HTML whitespace as one space (a text's leading and trailing space included). */
function collapseHtmlWhitespace(text: string): string {
  return HTML_WHITESPACE_TO_COLLAPSE.test(text) ? text.replace(HTML_WHITESPACE, " ") : text;
}

/**
 * The plain text of an HTML fragment, for summaries and search: entities decoded, scripts,
 * styles and the other dropped elements' content left out, whitespace collapsed as a browser
 * renders it (kept inside <pre>), paragraphs apart by a blank line, list items and <br> on their
 * own lines, table cells apart by a space; then `cleanBlock`-style cleanup.
 */
export function htmlToText(html: string): string {
  // Without markup, references or CRs (a summary the feed parser already reduced to text) the
  // walk sees one text: the same result without tokenizing.
  if (!NOT_PLAIN.test(html)) return cleanBlock(collapseHtmlWhitespace(html));
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
  // SVG drawings are not text (their labels and titles would read as noise in a summary).
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
      let s = collapseHtmlWhitespace(data);
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
  }, true);
  return cleanBlock(parts.join(""));
}
