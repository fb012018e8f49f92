/**
 * `parseXml` on htmlparser2's Tokenizer (XML mode, no entity decoding): the same `ParsedXml`
 * trees as the fast-xml-parser engine in xml.ts, built in one pass without the intermediate
 * `preserveOrder` node arrays.
 *
 * It reproduces that engine's reading of well-formed (and mildly broken) feeds exactly: CRLF
 * normalized first; text runs trimmed and decoded (text.ts `decodeRefs`) per run, runs split by
 * tags, CDATA sections and PIs but not by comments, joined with a space; CDATA kept raw; stop
 * nodes (the same per-document set, `parserFor`) sliced raw by fast-xml-parser's own stop-node
 * scan (ported below), the tokenizer's read position then moved past them (a private field,
 * checked at start); HTML void tags (`VOID_TAGS`) as childless children; any end tag closing the
 * current element; attributes trimmed then decoded, a later duplicate winning, value-less ones
 * dropped; namespaces, xml:base and xml:lang as in xml.ts.
 *
 * Wherever the two could disagree (a declaration `<!x>`, an unquoted attribute, a tag or
 * attribute name with unusual characters, a tag or PI that fast-xml-parser's quote-aware scan
 * ends elsewhere, a mismatched or stray end tag, a second or text-element top-level element, an
 * element or markup left open at the end, deep nesting, ...) it does not guess: it returns
 * `undefined` and `parseXml` falls back to the fast-xml-parser engine (`parseXmlFxp`), which also owns the
 * truncation-recovery pass and its warnings. The repair pass (`prepareXml`) runs before either.
 * Checked against the fast-xml-parser engine tree for tree on the fixture corpus (and CRLF
 * copies) and ~70,000 mutated fixtures: no difference.
 */
import { Tokenizer, QuoteType } from "htmlparser2";
import type { TokenizerCallbacks } from "htmlparser2";
import type { Result } from "../domain/result";
import { err, ok } from "../domain/result";
import { decodeRefs } from "./text";
import type { ParseFailure } from "./types";
import type { ParsedXml, XmlElement } from "./xml";
import { VOID_TAGS, newElement, parseXmlFxp, parserFor } from "./xml";

/** Below fast-xml-parser's `maxNestedTags` (256) as configured in xml.ts: deeper goes to it. */
const MAX_DEPTH = 200;
let voidTags: Set<string> | undefined;

// Names both tokenizers split the same way.
const SAFE_TAG_NAME = /^[^\s<>"'/=!?&]+$/;
const SAFE_ATTR_NAME = /^[A-Za-z_][\w.:-]*$/;

class Bail extends Error {}

/**
 * fast-xml-parser's `readStopNodeData`, ported as is: the stop node `tagName`'s raw content from
 * `i` and the index of its end tag's `>`, counting nested same-name start tags and skipping
 * comments, CDATA sections, PIs and quoted runs in tags. Undefined where it throws or fails.
 */
function readStopNodeData(xml: string, tagName: string, i: number): { content: string; gt: number } | undefined {
  const start = i;
  let open = 1;
  let lenient = false;
  let nextGt = -1;
  for (i = xml.indexOf("<", i); i !== -1; i = xml.indexOf("<", i + 1)) {
    const c1 = xml.charCodeAt(i + 1);
    if (c1 === 47 /* / */) {
      const gt = xml.indexOf(">", i);
      if (gt === -1) return undefined;
      if (xml.slice(i + 2, gt).trim() === tagName && --open === 0) return { content: xml.slice(start, i), gt };
      i = gt;
    } else if (c1 === 63 /* ? */) {
      const end = xml.indexOf("?>", i + 1);
      if (end === -1) return undefined;
      i = end + 1;
    } else if (c1 === 33 && xml.charCodeAt(i + 2) === 45 && xml.charCodeAt(i + 3) === 45) {
      const end = xml.indexOf("-->", i + 3);
      if (end === -1) return undefined;
      i = end + 2;
    } else if (c1 === 33 && xml.charCodeAt(i + 2) === 91) {
      const end = xml.indexOf("]]>", i);
      if (end === -1) return undefined;
      i = end;
    } else {
      const gt = lenient ? -1 : fxpTagEnd(xml, i + 1, false);
      if (gt !== -1) {
        const exp = xml.slice(i + 1, gt);
        const sep = exp.search(/\s/);
        const name = sep === -1 ? exp : exp.slice(0, sep);
        const rest = sep === -1 ? exp : exp.slice(sep + 1).trimStart();
        if (name === tagName && rest[rest.length - 1] !== "/") open++;
        i = gt;
      } else {
        lenient = true;
        if (nextGt < i) {
          nextGt = xml.indexOf(">", i);
          if (nextGt === -1) return undefined;
        }
        const nextLt = xml.indexOf("<", i + 1);
        if (nextLt === -1 || nextLt > nextGt) {
          const exp = xml.slice(i + 1, nextGt);
          const sep = exp.search(/\s/);
          const name = sep === -1 ? exp : exp.slice(0, sep);
          if (name === tagName && exp[exp.length - 1] !== "/") open++;
          i = nextGt;
        }
      }
    }
  }
  return undefined;
}

/**
 * Where fast-xml-parser's tag scan (`tagExpWithClosingIndex`) ends a tag or PI starting at `i`:
 * quoted runs anywhere in it are skipped whole. -1 when it does not end.
 */
function fxpTagEnd(xml: string, i: number, pi: boolean): number {
  for (let index = i; index < xml.length; index++) {
    const code = xml.charCodeAt(index);
    if (code === 34 || code === 39) {
      index = xml.indexOf(xml[index]!, index + 1);
      if (index === -1) return -1;
    } else if (code === 62 && !pi) {
      return index;
    } else if (code === 63 && pi && xml.charCodeAt(index + 1) === 62) {
      return index + 1;
    }
  }
  return -1;
}

/** The tree, or undefined where the fast-xml-parser engine must decide. */
export function parseTreeHtmlparser2(input: string, baseUrl: string | undefined, stop: Set<string>): XmlElement | null | undefined {
  const xml = input.includes("\r") ? input.replace(/\r\n?/g, "\n") : input;
  const voids = (voidTags ??= new Set(VOID_TAGS));
  const stack: XmlElement[] = [];
  let first: XmlElement | undefined;
  let current: XmlElement | undefined;
  let text = "";
  let tagName = "";
  let tagStart = 0;
  let attrs: Record<string, string> | undefined;
  let attrName = "";
  let attrValue = "";
  // Where the open tag being read ends (its `>`).
  let tagEnd = 0;
  let finishing = false;
  let tokenizer: { index: number } | undefined;

  const bail = (): never => {
    throw new Bail();
  };

  const flush = (): void => {
    if (text === "") return;
    const t = text.trim();
    text = "";
    if (t === "" || current === undefined) return;
    const d = decodeRefs(t);
    current.text = current.text === "" ? d : `${current.text} ${d}`;
  };

  const open = (selfClosing: boolean): void => {
    if (current !== undefined) flush();
    else text = "";
    const parent = current;
    const tag = tagName;
    const el = newElement(tag, attrs, parent, baseUrl);
    attrs = undefined;
    if (parent) parent.children.push(el);
    else if (first === undefined && !stop.has(tag)) first = el;
    else bail(); // a second top-level element, or a top-level text element (not a stop node there)
    if (stop.has(tag)) {
      el.raw = "";
      if (!selfClosing && !voids.has(tag)) {
        // Sliced raw, as fast-xml-parser does, and the tokenizer moved on to the end tag's `>`.
        const found = readStopNodeData(xml, tag, tagEnd + 1);
        if (found === undefined) bail();
        el.raw = found!.content;
        tokenizer!.index = found!.gt;
      }
      return;
    }
    if (selfClosing || voids.has(tag)) return;
    if (stack.length >= MAX_DEPTH) bail();
    if (parent) stack.push(parent);
    current = el;
  };

  const callbacks: TokenizerCallbacks = {
    onopentagname(start, end) {
      if (finishing) bail();
      tagStart = start - 1;
      tagName = xml.slice(start, end);
      if (xml.charCodeAt(end) === 47 /* / */ && xml.charCodeAt(end + 1) !== 62) bail();
      if (!SAFE_TAG_NAME.test(tagName) || xml.charCodeAt(tagStart) !== 60) bail();
      attrs = undefined;
    },
    onattribname(start, end) {
      attrName = xml.slice(start, end);
      attrValue = "";
      if (!SAFE_ATTR_NAME.test(attrName) || attrName === "__proto__") bail();
    },
    onattribdata(start, end) {
      attrValue += xml.slice(start, end);
    },
    onattribentity() {
      bail();
    },
    onattribend(quote) {
      if (quote === QuoteType.Unquoted) bail();
      if (quote === QuoteType.NoValue) return;
      (attrs ??= {})[attrName] = attrValue.trim();
    },
    onopentagend(end) {
      // fast-xml-parser reads a tag as self-closing by its last character before `>`.
      if (fxpTagEnd(xml, tagStart + 1, false) !== end || xml.charCodeAt(end - 1) === 47) bail();
      tagEnd = end;
      open(false);
    },
    onselfclosingtag(end) {
      if (fxpTagEnd(xml, tagStart + 1, false) !== end || xml.charCodeAt(end - 1) !== 47) bail();
      open(true);
    },
    onclosetag(start, end) {
      if (finishing) bail();
      const gt = xml.indexOf(">", end);
      const lt = xml.lastIndexOf("</", start);
      if (gt === -1) bail();
      if (xml.slice(start, end) !== xml.slice(lt + 2, gt).trim()) bail();
      if (current === undefined) bail();
      flush();
      text = "";
      current = stack.pop();
    },
    ontext(start, end) {
      if (finishing && xml.indexOf("<", start) !== -1 && xml.indexOf("<", start) < end) bail();
      text += xml.slice(start, end);
    },
    ontextentity() {
      bail();
    },
    oncomment(start, end, offset) {
      if (finishing || offset !== 3 || xml.charCodeAt(start - 1) !== 45) bail();
      if (xml.indexOf("-->", start) !== end - 2) bail();
    },
    oncdata(start, end, offset) {
      if (finishing || offset !== 2) bail();
      if (current === undefined) {
        text = "";
        return;
      }
      flush();
      const inner = xml.slice(start, end - 2); // `end` is at the `>` of `]]>`
      if (inner !== "") current.text = current.text === "" ? inner : `${current.text} ${inner}`;
    },
    ondeclaration() {
      bail();
    },
    onprocessinginstruction(start, end) {
      if (finishing) bail();
      if (fxpTagEnd(xml, start - 1, true) !== end + 1) bail();
      if (current !== undefined) flush();
    },
    onend() {},
  };
  try {
    const tok = new Tokenizer({ xmlMode: true, decodeEntities: false }, callbacks);
    // Its private read position, moved past stop nodes' content (one `write`, so no offset), and
    // its private state (1: text). Checked, so another htmlparser2 version falls back, not misreads.
    const internals = tok as unknown as { index: unknown; offset: unknown; state: unknown };
    if (internals.index !== 0 || internals.offset !== 0 || internals.state !== 1) return undefined;
    tokenizer = tok as unknown as { index: number };
    tok.write(xml);
    finishing = true;
    tok.end();
    if ((tok as unknown as { state: number }).state !== 1) return undefined;
  } catch (error) {
    if (error instanceof Bail) return undefined;
    throw error;
  }
  if (current !== undefined) return undefined;
  return first ?? null;
}

/** Parses prepared XML to the root element: this engine, else the fast-xml-parser one (xml.ts). */
export function parseXml(xml: string, baseUrl: string | undefined): Result<ParsedXml, ParseFailure> {
  const root = parseTreeHtmlparser2(xml, baseUrl, parserFor(xml).stop);
  if (root === undefined) return parseXmlFxp(xml, baseUrl);
  if (root === null) return err({ reason: "not_a_feed", message: "not a feed: no XML element found" });
  return ok({ root, warnings: [] });
}
