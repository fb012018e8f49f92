/**
 * Differential fuzz test of sanitizeHtml against parse5, a spec-exact HTML parser (the tree
 * construction of HTML §13.2.6, as browsers do it). fast-check generates mutation-XSS shapes:
 * nested SVG/MathML, integration points and breakout tags, raw-text and RCDATA elements
 * (style, noscript, template, textarea, title, xmp, iframe), comments in their odd forms
 * (`<!-->`, `--!>`), CDATA, malformed and repeated attributes, quotes and backticks, encoded
 * `javascript:` URLs. Each output is then parsed by parse5 as a browser would read it, and the
 * tree must hold nothing that runs or loads: no script, event handler, `javascript:`/`data:`
 * URL, dangerous or unlisted element, unchecked style; every SVG/MathML element must be in the
 * namespace the sanitizer meant (no namespace confusion); and sanitizing again changes nothing.
 * Seeded and bounded: PROPERTY_RUNS and PROPERTY_SEED override the run count and the seed; a failure prints the seed and the
 * shrunk counterexample.
 */
import fc from "fast-check";
import { parseFragment } from "parse5";
import type { DefaultTreeAdapterMap } from "parse5";
import { describe, expect, it } from "vitest";
import { sanitizeHtml } from "./sanitize";

type Node = DefaultTreeAdapterMap["node"];
type Element = DefaultTreeAdapterMap["element"];

const RUNS = { numRuns: Number(process.env.PROPERTY_RUNS ?? 3000), seed: Number(process.env.PROPERTY_SEED ?? 0x5a417e) };

const HTML_NS = "http://www.w3.org/1999/xhtml";
const SVG_NS = "http://www.w3.org/2000/svg";
const MATHML_NS = "http://www.w3.org/1998/Math/MathML";

/** What may be in the parsed output, per namespace (an independent statement of the allowlist). */
const ALLOWED: Readonly<Record<string, ReadonlySet<string>>> = {
  [HTML_NS]: new Set([
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "q", "cite", "pre", "code", "kbd", "samp",
    "var", "em", "strong", "b", "i", "u", "s", "sub", "sup", "small", "mark", "abbr", "dfn", "time", "del", "ins",
    "ul", "ol", "li", "dl", "dt", "dd", "a", "img", "figure", "figcaption", "table", "thead", "tbody", "tfoot",
    "tr", "th", "td", "caption", "colgroup", "col", "span", "div", "section", "article", "aside", "header",
    "footer", "details", "summary", "audio", "video", "source", "track",
  ]),
  [SVG_NS]: new Set([
    "svg", "g", "defs", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "tspan",
    "linearGradient", "radialGradient", "stop", "use", "title", "desc",
  ]),
  [MATHML_NS]: new Set([
    "math", "mi", "mn", "mo", "ms", "mtext", "mspace", "mrow", "mfrac", "msqrt", "mroot", "msup", "msub",
    "msubsup", "munder", "mover", "munderover", "mmultiscripts", "mprescripts", "none", "mtable", "mtr", "mtd",
    "mstyle", "mpadded", "mphantom", "menclose", "semantics", "annotation",
  ]),
};
const URL_ATTRIBUTES = new Set(["href", "src", "cite", "poster", "action", "formaction", "data", "background"]);
const STYLE = /^[a-z-]+: [A-Za-z0-9#%.,+\-/() ]+(?:; [a-z-]+: [A-Za-z0-9#%.,+\-/() ]+)*$/;

// ---------------------------------------------------------------------------------------------
// Generators

const NAMES = [
  // HTML, kept and not
  "p", "div", "b", "i", "a", "img", "table", "tr", "td", "ul", "li", "span", "pre", "br", "form", "select", "option",
  "input", "button", "object", "embed", "param", "video", "audio", "source", "font", "body", "html", "head",
  // raw text, RCDATA, scripting
  "script", "style", "noscript", "template", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "plaintext",
  // foreign content
  "svg", "math", "mi", "mo", "mn", "ms", "mtext", "mglyph", "malignmark", "annotation-xml", "annotation", "semantics",
  "mrow", "msup", "mfrac", "maction", "foreignObject", "desc", "text", "tspan", "g", "path", "circle", "use", "image",
  "animate", "set", "linearGradient", "stop", "defs", "filter", "feImage",
];

const ATTRIBUTES = [
  "onerror=alert(1)", "onload=alert(1)", 'onclick="alert(1)"', "src=x", 'src="javascript:alert(1)"',
  'href="javascript:alert(1)"', "href=&#106;avascript:alert(1)", 'href="jav&#x09;ascript:alert(1)"',
  'href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)"', 'href="data:text/html,<script>alert(1)</script>"',
  'xlink:href="javascript:alert(1)"', 'xlink:href="#g"', 'href="#g"', 'href="https://e.example/"', "href=`javascript:alert(1)`",
  'encoding="text/html"', 'encoding="application/xhtml+xml"', "attributeName=href", "values=javascript:alert(1)",
  'to="javascript:alert(1)"', 'style="color:red"', 'style="background:url(javascript:alert(1))"', 'style="x:expression(alert(1))"',
  'style="background:\\75rl(javascript:alert(1))"', 'style="-moz-binding:url(x)"', 'style="color:red;}</style><img src=x onerror=alert(1)>"',
  'title="</noscript><img src=x onerror=alert(1)>"', 'title="</style><img src=x onerror=alert(1)>"', "title='</title><img src=x onerror=alert(1)>'",
  'id="</textarea><img src=x onerror=alert(1)>"', 'fill="url(javascript:alert(1))"', 'fill="url(#g)"', 'id="g"', "color=red", "face=x",
  "align=center", 'data="javascript:alert(1)"', 'action="javascript:alert(1)"', 'formaction="javascript:alert(1)"',
  "a=b/c", "/", "//", '"', "'", "`", "=", 'x="y', "x='", "src\u0000=x", "on\u0000error=alert(1)",
];

const TEXTS = [
  "x", " ", "\n", "&lt;img src=x onerror=alert(1)&gt;", "<img src=x onerror=alert(1)>", "javascript:alert(1)",
  "&#x6A;avascript:", "<", ">", "&", '"', "'", "`", "</", "<!", "<?", "]]>", "-->", "--!>", "&amp;lt;script&amp;gt;",
  "<script>alert(1)</script>", "</style>", "</noscript>", "</title>", "</textarea>", "</svg>", "</math>", "</p>",
];

const COMMENTS = [
  "<!--x-->", "<!-->", "<!--->", "<!--!>", "<!-- --!><img src=x onerror=alert(1)>-->", "<!--<img src=x onerror=alert(1)>-->",
  "<!x>", "<?x>", "<![CDATA[x]]>", "<![CDATA[<img src=x onerror=alert(1)>]]>", "<![CDATA[", "<!DOCTYPE html>", "<!-- <!-- -->",
];

const name = fc.constantFrom(...NAMES).chain((n) => fc.constantFrom(n, n.toUpperCase(), n.toLowerCase()));
const startTag = fc
  .tuple(name, fc.array(fc.constantFrom(...ATTRIBUTES), { maxLength: 3 }), fc.constantFrom(">", "/>", " >", "\n>", "/ >"))
  .map(([n, attrs, end]) => `<${n}${attrs.map((a) => ` ${a}`).join("")}${end}`);
const endTag = fc.tuple(name, fc.constantFrom(">", " >", "/>", " x>")).map(([n, end]) => `</${n}${end}`);
const token = fc.oneof(
  { weight: 5, arbitrary: startTag },
  { weight: 3, arbitrary: endTag },
  { weight: 3, arbitrary: fc.constantFrom(...TEXTS) },
  { weight: 1, arbitrary: fc.constantFrom(...COMMENTS) },
);
const hostileHtml = fc.array(token, { maxLength: 24 }).map((tokens) => tokens.join(""));

// ---------------------------------------------------------------------------------------------
// The browser's reading of an output

function* elements(node: Node): Generator<Element> {
  const children = "childNodes" in node ? node.childNodes : [];
  for (const child of children) {
    if ("tagName" in child) {
      yield child;
      if (child.tagName === "template" && "content" in child) yield* elements(child.content as Node);
    }
    yield* elements(child);
  }
}

/** Why a parsed element is unsafe or unexpected, or undefined. */
function problem(el: Element): string | undefined {
  const allowed = ALLOWED[el.namespaceURI];
  if (!allowed?.has(el.tagName)) return `element ${el.namespaceURI} ${el.tagName}`;
  for (const attr of el.attrs) {
    const n = attr.name.toLowerCase();
    const value = attr.value.replace(/[\u0000-\u0020]/g, "").toLowerCase();
    if (n.startsWith("on")) return `event handler ${attr.name}`;
    if (attr.prefix !== undefined || n.includes(":")) return `namespaced attribute ${attr.name}`;
    if (n === "style" && !STYLE.test(attr.value)) return `style ${attr.value}`;
    if (value.includes("javascript:") || value.includes("vbscript:") || value.includes("data:")) return `${attr.name}=${attr.value}`;
    if (/url\((?!#)/.test(value) || value.includes("expression(")) return `${attr.name}=${attr.value}`;
    if (el.namespaceURI !== HTML_NS && n === "href" && !/^#[A-Za-z][\w-]*$/.test(attr.value)) return `foreign href ${attr.value}`;
    if (el.namespaceURI === HTML_NS && URL_ATTRIBUTES.has(n)) {
      const scheme = /^([^:/?#]*):/.exec(attr.value)?.[1]?.toLowerCase();
      if (scheme !== undefined && !["http", "https", "mailto"].includes(scheme)) return `${attr.name}=${attr.value}`;
    }
  }
  return undefined;
}

/** The SVG/MathML elements the sanitizer meant to write, in order: each tag inside an `<svg>` or `<math>` island. */
function intendedForeign(out: string): string[] {
  const found: string[] = [];
  const stack: string[] = [];
  for (const m of out.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)/g)) {
    const [, slash, tag = ""] = m;
    if (slash) {
      stack.pop();
      continue;
    }
    const island = stack.find((t) => t === "svg" || t === "math") ?? (tag === "svg" || tag === "math" ? tag : undefined);
    if (island !== undefined) found.push(`${island === "svg" ? SVG_NS : MATHML_NS} ${tag}`);
    const isVoid = island === undefined && ["br", "hr", "img", "col", "source", "track"].includes(tag);
    if (!isVoid) stack.push(tag);
  }
  return found.sort();
}

function checkOutput(input: string): void {
  const out = sanitizeHtml(input);
  expect(sanitizeHtml(out), "re-sanitizing is stable").toBe(out);
  const tree = parseFragment(out, { scriptingEnabled: true });
  const parsed = [...elements(tree)];
  for (const el of parsed) {
    const why = problem(el);
    expect(why, `${why} in ${JSON.stringify(out)} from ${JSON.stringify(input)}`).toBeUndefined();
  }
  const foreign = parsed.filter((el) => el.namespaceURI !== HTML_NS).map((el) => `${el.namespaceURI} ${el.tagName}`).sort();
  expect(foreign, `namespaces as a browser reads ${JSON.stringify(out)}`).toEqual(intendedForeign(out));
}

describe("sanitizeHtml against parse5 (differential, mutation-XSS shapes)", () => {
  it("writes nothing a browser would run or load, in the namespaces it meant, and is stable", () => {
    fc.assert(fc.property(hostileHtml, checkOutput), RUNS);
  });

  it("holds for the classic mutation-XSS payloads", () => {
    for (const input of [
      '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
      "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
      '<math><mtext><table><mglyph><svg><mtext><style><path id="</style><img onerror=alert(1) src>">',
      "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
      '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
      "<svg><![CDATA[><img src=x onerror=alert(1)>]]></svg>",
      "<math><annotation-xml encoding=\"text/html\"><style><img src=x onerror=alert(1)></style></annotation-xml></math>",
      "<svg><desc><svg><style><img src=x onerror=alert(1)></style></svg></desc></svg>",
      "<svg><foreignObject><math><mi><style><img src=x onerror=alert(1)>",
      "<template><style></template><img src=x onerror=alert(1)></style>",
      "<!--><img src=x onerror=alert(1)>-->",
      "<svg><title><style><img src=x onerror=alert(1)></style></title></svg>",
      "<math><mi><svg><style><img src=x onerror=alert(1)></style></svg></mi></math>",
      "<table><svg><desc><td><style><img src=x onerror=alert(1)>",
    ]) {
      checkOutput(input);
    }
  });
});
