/**
 * sanitizeHtml / htmlToText over the hostile-HTML corpus in test/fixtures/hostile-html/.
 * Every case's output is checked against the invariants (assertSafe); cases with `expected`
 * must match it exactly, `mustNotContain` strings must be absent.
 */
import { describe, expect, it } from "vitest";
import { decodeEntities } from "./text";
import { htmlToText, sanitizeHtml } from "./sanitize";
import benign from "../../test/fixtures/hostile-html/benign.json";
import cssAndMeta from "../../test/fixtures/hostile-html/css-and-meta.json";
import eventHandlers from "../../test/fixtures/hostile-html/event-handlers.json";
import foreignContent from "../../test/fixtures/hostile-html/foreign-content.json";
import malformed from "../../test/fixtures/hostile-html/malformed.json";
import scripts from "../../test/fixtures/hostile-html/scripts.json";
import urls from "../../test/fixtures/hostile-html/urls.json";
import seedArticle from "../../test/fixtures/seed-article.json";

interface HostileCase {
  name: string;
  input: string;
  baseUrl?: string;
  expected?: string;
  mustNotContain?: string[];
  /** `{{HUGE}}` in the input is replaced by this many "a"s. */
  huge?: number;
}
interface HostileGroup {
  description: string;
  cases: HostileCase[];
}

const GROUPS: Record<string, HostileGroup> = {
  scripts,
  "event-handlers": eventHandlers,
  urls,
  "foreign-content": foreignContent,
  "css-and-meta": cssAndMeta,
  malformed,
  benign,
};

/** Expands the fixtures' placeholders: `{{HUGE}}`, and `{{U+D800}}` for lone surrogates (JSON tooling refuses them). */
const inputOf = (c: HostileCase): string =>
  c.input
    .replace("{{HUGE}}", "a".repeat(c.huge ?? 0))
    .replace(/\{\{U\+([0-9A-F]{4})\}\}/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));

const VOID = new Set(["br", "hr", "img", "col", "source", "track"]);
const ALLOWED_ATTRIBUTES = new Set([
  "title", "lang", "dir", "href", "rel", "src", "alt", "width", "height", "loading", "colspan",
  "rowspan", "headers", "scope", "abbr", "start", "reversed", "type", "value", "datetime", "cite",
  "poster", "controls", "kind", "srclang", "label", "default", "span", "open", "style", "align", "valign",
]);
/** Elements and attributes of the SVG and MathML islands (an independent statement of the allowlist). */
const SVG_ELEMENTS = new Set([
  "svg", "g", "defs", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "tspan",
  "linearGradient", "radialGradient", "stop", "use", "title", "desc",
]);
const MATHML_ELEMENTS = new Set([
  "math", "mi", "mn", "mo", "ms", "mtext", "mspace", "mrow", "mfrac", "msqrt", "mroot", "msup", "msub",
  "msubsup", "munder", "mover", "munderover", "mmultiscripts", "mprescripts", "none", "mtable", "mtr",
  "mtd", "mstyle", "mpadded", "mphantom", "menclose", "semantics", "annotation",
]);
const URL_ATTRIBUTES = new Set(["href", "src", "cite", "poster"]);
/** A tag as the sanitizer writes it: name, double-quoted values with no raw `<>"`. */
const TAG = /^(\/?)([a-zA-Z][a-zA-Z0-9]*)((?: [a-zA-Z][a-zA-Z0-9-]*="[^"<>]*")*)>/;
const ATTRIBUTE = / ([a-zA-Z][a-zA-Z0-9-]*)="([^"<>]*)"/g;
/** A kept style: canonical declarations of plain values (no escapes, quotes, comments, url(), at-rules). */
const STYLE = /^[a-z-]+: [A-Za-z0-9#%.,+\-/() ]+(?:; [a-z-]+: [A-Za-z0-9#%.,+\-/() ]+)*$/;

/** The invariants every output must satisfy, whatever the input. Returns the maximum depth. */
function assertSafe(out: string): number {
  expect(out).not.toMatch(/<script/i);
  expect(out).not.toMatch(/<!--|<!\[CDATA\[|<\?|<!doctype/i);
  const decoded = decodeEntities(out).toLowerCase().replace(/[\s\u0000-\u001f]/g, "");
  expect(decoded).not.toContain("javascript:");
  expect(decoded).not.toContain("vbscript:");
  expect(decoded).not.toMatch(/expression\(|-moz-binding|behavior:|@import|url\((?!#)/);
  // Every `&` starts one of the escapes the sanitizer writes.
  expect(out).not.toMatch(/&(?!(?:amp|lt|gt|quot|#x[0-9a-f]+);)/);
  // XML 1.0 legal and NFC.
  expect(out).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
  expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  expect(out).toBe(out.normalize("NFC"));

  const segments = out.split("<");
  // Text never holds a raw `>` or `"` (they are escaped); so every `<` starts a tag.
  expect(segments[0]).not.toMatch(/[>"]/);
  const stack: string[] = [];
  /** How many SVG / MathML islands enclose the current position. */
  let foreign: "svg" | "math" | undefined;
  let maxDepth = 0;
  for (const segment of segments.slice(1)) {
    const m = TAG.exec(segment);
    expect(m, `malformed tag in output: <${segment.slice(0, 80)}`).not.toBeNull();
    if (!m) continue;
    const [whole, slash, name = "", attributes = ""] = m;
    expect(segment.slice(whole.length)).not.toMatch(/[>"]/);
    if (slash) {
      expect(attributes).toBe("");
      expect(stack.pop(), `unbalanced </${name}>`).toBe(name);
      if (!stack.includes("svg") && !stack.includes("math")) foreign = undefined;
      continue;
    }
    if (name === "svg" || name === "math") foreign ??= name;
    const inForeign = foreign !== undefined;
    if (foreign === "svg") expect(SVG_ELEMENTS.has(name), `svg element ${name}`).toBe(true);
    if (foreign === "math") expect(MATHML_ELEMENTS.has(name), `mathml element ${name}`).toBe(true);
    for (const [, attribute = "", value = ""] of attributes.matchAll(ATTRIBUTE)) {
      expect(attribute.toLowerCase()).not.toMatch(/^on|^xlink|^xmlns|^attributename$/);
      if (!inForeign) expect(ALLOWED_ATTRIBUTES.has(attribute), `attribute ${attribute}`).toBe(true);
      if (attribute === "style") expect(decodeEntities(value)).toMatch(STYLE);
      if (inForeign && attribute === "href") expect(value).toMatch(/^#[A-Za-z][\w-]*$/);
      else if (URL_ATTRIBUTES.has(attribute)) {
        const url = decodeEntities(value);
        const scheme = /^([^:/?#]*):/.exec(url)?.[1]?.toLowerCase();
        expect(scheme === undefined || ["http", "https", "mailto"].includes(scheme), `${attribute}=${url}`).toBe(true);
      }
    }
    if (!VOID.has(name) || inForeign) {
      stack.push(name);
      maxDepth = Math.max(maxDepth, stack.length);
    }
  }
  expect(stack, "unclosed elements").toEqual([]);
  return maxDepth;
}

describe("sanitizeHtml over the hostile-HTML corpus", () => {
  for (const [group, { cases }] of Object.entries(GROUPS)) {
    describe(group, () => {
      it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
        const options = c.baseUrl === undefined ? undefined : { baseUrl: c.baseUrl };
        const out = sanitizeHtml(inputOf(c), options);
        assertSafe(out);
        if (c.expected !== undefined) expect(out).toBe(c.expected);
        for (const s of c.mustNotContain ?? []) expect(out).not.toContain(s);
        // Sanitizing is idempotent: the output is already what the sanitizer writes.
        expect(sanitizeHtml(out, options)).toBe(out);
      });
    });
  }
});

describe("sanitizeHtml structure and limits", () => {
  it("keeps the seed article's paragraphs and text (only quotes in text are escaped)", () => {
    const html = seedArticle.content_html;
    const out = sanitizeHtml(html);
    assertSafe(out);
    expect(out).toBe(html.replaceAll('"', "&quot;"));
    expect(out.match(/<p>/g)?.length).toBe(15);
    expect(htmlToText(out)).toBe(htmlToText(html));
  });

  it("survives 10k nested divs without recursion, keeping the text and capping the depth", () => {
    const n = 10_000;
    const out = sanitizeHtml(`${"<div>".repeat(n)}deep${"</div>".repeat(n)}`);
    expect(assertSafe(out)).toBe(100);
    expect(out).toContain("deep");
  });

  it("survives 200k unclosed inline elements and as many stray end tags", () => {
    const n = 200_000;
    const out = sanitizeHtml(`${"<b>".repeat(n)}x${"</i>".repeat(n)}`);
    expect(assertSafe(out)).toBe(100);
    expect(sanitizeHtml(`<div>${"</p></x>".repeat(n)}y</div>`)).toBe("<div>y</div>");
  });

  it("handles a huge attribute value and a huge text", () => {
    const big = "x".repeat(1_000_000);
    expect(sanitizeHtml(`<img src="https://e.example/${big}" alt="a"><p title="${big}">t</p>`)).toBe("<p>t</p>");
    expect(sanitizeHtml(`<p>${big}</p>`)).toBe(`<p>${big}</p>`);
  });

  it("is deterministic: attributes come out in a fixed order whatever the input order", () => {
    const a = sanitizeHtml('<img alt="A" height="2" src="https://e.example/i.png" width="1" title="T">');
    const b = sanitizeHtml('<img title="T" width="1" src="https://e.example/i.png" height="2" alt="A">');
    expect(a).toBe(b);
    expect(a).toBe('<img src="https://e.example/i.png" alt="A" width="1" height="2" title="T">');
  });

  it("resolves relative URLs and refuses a non-http base", () => {
    const base = { baseUrl: "https://news.example/2022/08/article.html" };
    expect(sanitizeHtml('<a href="#c">c</a>', base)).toBe(
      '<a href="https://news.example/2022/08/article.html#c" rel="nofollow noopener noreferrer">c</a>',
    );
    expect(sanitizeHtml('<img src="/i.png">', { baseUrl: "ftp://x.example/" })).toBe('<img src="/i.png">');
    expect(sanitizeHtml('<img src="/i.png">', { baseUrl: "not a url" })).toBe('<img src="/i.png">');
  });

  it("drops credentials from links and images (absolute, protocol-relative, or from the base)", () => {
    expect(sanitizeHtml('<a href="https://user:secret@news.example/a">a</a>')).toBe(
      '<a href="https://news.example/a" rel="nofollow noopener noreferrer">a</a>',
    );
    expect(sanitizeHtml('<img src="//user:secret@cdn.example/i.png">')).toBe('<img src="https://cdn.example/i.png">');
    expect(sanitizeHtml('<img src="i.png">', { baseUrl: "https://user:secret@news.example/2022/" })).toBe(
      '<img src="https://news.example/2022/i.png">',
    );
  });
});

describe("htmlToText", () => {
  it("puts blocks on their own lines and paragraphs apart", () => {
    expect(htmlToText("<h2>Title</h2><p>One <b>bold</b>\n  word.</p><p>Two<br>lines</p><ul><li>a</li><li>b</li></ul>")).toBe(
      "Title\n\nOne bold word.\n\nTwo\nlines\n\na\nb",
    );
  });

  it("decodes entities and drops scripts, styles and comments", () => {
    expect(htmlToText("<style>p{}</style><p>&laquo;A&raquo;&nbsp;&amp; B</p><script>x()</script><!-- c -->")).toBe(
      "\u00abA\u00bb\u00a0& B",
    );
  });

  it("keeps whitespace inside pre and separates table cells", () => {
    expect(htmlToText("<pre>a\n  b</pre><table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table>")).toBe(
      "a\n  b\n\n1 2\n3",
    );
  });

  it("gives the seed article as paragraphs", () => {
    const text = htmlToText(seedArticle.content_html);
    expect(text.split("\n\n")).toHaveLength(15);
    expect(text.startsWith("В Алматы состоялось экспертное обсуждение")).toBe(true);
    expect(text).toContain('фонда "Мир Евразии"');
  });

  it("returns text free of XML-illegal characters, NFC, trimmed", () => {
    expect(htmlToText("  <p>\u0000e\u0301\ud800</p>  ")).toBe("\u00e9");
    expect(htmlToText("")).toBe("");
  });
});
