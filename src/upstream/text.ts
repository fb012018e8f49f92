/**
 * Text helpers for the upstream parser. Pure. No I/O.
 *
 * - `xmlText`: the text value of an element read raw (a fast-xml-parser stop node): CDATA
 *   sections (XML 1.0 §2.7) unwrapped verbatim, character and entity references outside them
 *   decoded, literal markup (`<br>` in an un-CDATA'd description) kept as written.
 * - `decodeRefs`: XML's five entities, numeric references and every HTML5 named reference that
 *   ends in `;` (feeds use `&nbsp;` `&mdash;` `&laquo;` without declaring them). Strict about
 *   the `;` so an unescaped `&` in a URL query (`?a=1&copy=2`) survives.
 * - `htmlToText`: tags out, entities decoded, whitespace collapsed: titles and derived summaries.
 *   A linear scan (every `indexOf` moves forward), so hostile input cannot make it quadratic.
 */
import { decodeHTML, decodeHTMLStrict } from "entities/decode";

const CDATA_OPEN = "<![CDATA[";
const CDATA_CLOSE = "]]>";

/** Decodes character references; see the module header. */
export function decodeRefs(s: string): string {
  return s.includes("&") ? decodeHTMLStrict(s) : s;
}

/** The element's text as XML defines it, keeping literal markup; see the module header. */
export function xmlText(raw: string): string {
  let cd = raw.indexOf(CDATA_OPEN);
  if (cd === -1) return decodeRefs(raw);
  // The common case: one CDATA section, only whitespace around it: a slice, no copy.
  const end = raw.indexOf(CDATA_CLOSE, cd + 9);
  if (end !== -1 && raw.indexOf(CDATA_OPEN, end) === -1 && raw.slice(0, cd).trim() === "" && raw.slice(end + 3).trim() === "") {
    return raw.slice(cd + 9, end);
  }
  let out = "";
  let i = 0;
  while (cd !== -1) {
    out += decodeRefs(raw.slice(i, cd));
    const close = raw.indexOf(CDATA_CLOSE, cd + 9);
    if (close === -1) return out + raw.slice(cd + 9); // unterminated: the rest is the section
    out += raw.slice(cd + 9, close);
    i = close + 3;
    cd = raw.indexOf(CDATA_OPEN, i);
  }
  return out + decodeRefs(raw.slice(i));
}

/** Markup as HTML text: CDATA sections become escaped text (HTML has no CDATA in its body). */
export function cdataToHtml(markup: string): string {
  if (!markup.includes(CDATA_OPEN)) return markup;
  let out = "";
  let i = 0;
  let cd = markup.indexOf(CDATA_OPEN);
  while (cd !== -1) {
    out += markup.slice(i, cd);
    const close = markup.indexOf(CDATA_CLOSE, cd + 9);
    const inner = markup.slice(cd + 9, close === -1 ? markup.length : close);
    out += inner.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
    if (close === -1) return out;
    i = close + 3;
    cd = markup.indexOf(CDATA_OPEN, i);
  }
  return out + markup.slice(i);
}

const ODD_WHITESPACE = /\s\s|[^\S ]/;

/** Every run of whitespace (JS `\s`, NBSP included) to one space, trimmed. */
export function collapse(s: string): string {
  // Most strings have no run and no other whitespace than single spaces: trim only.
  return ODD_WHITESPACE.test(s) ? s.replace(/\s+/g, " ").trim() : s.trim();
}

/**
 * A tag of a known HTML element, a comment, or a character reference: worth treating the string
 * as HTML. Unknown names do not count, so a title such as `Reply to <editor>` stays text.
 */
const HTML_HINT =
  /<\/?(?:a|abbr|address|article|aside|audio|b|bdi|bdo|big|blockquote|br|caption|center|cite|code|dd|del|details|dfn|div|dl|dt|em|figcaption|figure|font|footer|h[1-6]|header|hr|i|iframe|img|ins|kbd|li|main|mark|nav|ol|p|picture|pre|q|s|samp|script|section|small|source|span|strike|strong|style|sub|summary|sup|table|tbody|td|tfoot|th|thead|time|tr|tt|u|ul|var|video|wbr)(?=[\s/>])[^<>]*>|<!--|&(?:#\d{1,7}|#[xX][\dA-Fa-f]{1,6}|[A-Za-z][A-Za-z\d]{1,31});/i;

export function looksLikeHtml(s: string): boolean {
  return (s.includes("<") || s.includes("&")) && HTML_HINT.test(s);
}

/** Block-level and line-breaking elements: their boundaries become spaces in text. */
const BREAKING = new Set([
  "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure", "footer",
  "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
  "td", "th", "tr", "ul", "img", "iframe", "video", "audio",
]);
/** Elements whose content is never text, with a case-insensitive search for their end tag. */
const OPAQUE = new Map(
  ["script", "style", "template", "noscript", "svg", "math", "head", "object"].map((name) => [name, new RegExp(`</${name}`, "gi")]),
);

function isNameStart(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
}

/**
 * Plain text of an HTML fragment: tags removed (block boundaries become spaces), comments,
 * scripts and styles dropped, entities decoded as a browser would (HTML §13.2.5.72), whitespace
 * collapsed. A `<` that does not start a tag stays text.
 */
export function htmlToText(html: string): string {
  if (!html.includes("<")) return collapse(html.includes("&") ? decodeHTML(html) : html);
  const n = html.length;
  let out = "";
  let i = 0;
  let nextGt = -1; // cached position of the next ">" (monotone: keeps the scan linear)
  while (i < n) {
    const lt = html.indexOf("<", i);
    if (lt === -1) {
      out += html.slice(i);
      break;
    }
    out += html.slice(i, lt);
    const c1 = html.charCodeAt(lt + 1);
    if (c1 === 33 /* ! */) {
      const endComment = html.startsWith("<!--", lt) ? html.indexOf("-->", lt + 4) : -1;
      if (endComment !== -1) {
        i = endComment + 3;
        continue;
      }
      if (nextGt < lt) nextGt = html.indexOf(">", lt);
      if (nextGt === -1) break;
      i = nextGt + 1;
      continue;
    }
    const closing = c1 === 47; /* / */
    if (!isNameStart(closing ? html.charCodeAt(lt + 2) : c1)) {
      out += "<";
      i = lt + 1;
      continue;
    }
    if (nextGt < lt) nextGt = html.indexOf(">", lt);
    if (nextGt === -1) break; // an unterminated tag at the end: drop it
    const nameStart = lt + (closing ? 2 : 1);
    let nameEnd = nameStart;
    while (nameEnd < nextGt) {
      const c = html.charCodeAt(nameEnd);
      if (isNameStart(c) || (c >= 48 && c <= 57) || c === 45 || c === 58) nameEnd++;
      else break;
    }
    const name = html.slice(nameStart, nameEnd).toLowerCase();
    i = nextGt + 1;
    if (BREAKING.has(name)) out += " ";
    const endTag = closing || html.charCodeAt(nextGt - 1) === 47 ? undefined : OPAQUE.get(name);
    if (endTag) {
      endTag.lastIndex = i;
      const end = endTag.exec(html);
      if (!end) break;
      i = end.index;
    }
  }
  return collapse(out.includes("&") ? decodeHTML(out) : out);
}

/**
 * Cuts plain text to about `max` characters at a word boundary, with an ellipsis. Summaries
 * derived from a full article body stay summaries.
 */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.lastIndexOf(" ", max);
  return `${text.slice(0, cut > max * 0.6 ? cut : max).trimEnd()}…`;
}
