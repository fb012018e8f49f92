/**
 * A small namespace-aware DOM over saxes, a strict XML 1.0 parser: any well-formedness error
 * (an illegal character, a stray `]]>`, an unbound prefix) throws. The validators walk it.
 */
import { SaxesParser } from "saxes";

export interface XmlElement {
  /** Namespace URI ("" for none). */
  uri: string;
  local: string;
  /** The qualified name as written. */
  name: string;
  /** Attributes by qualified name as written. */
  attrs: Record<string, string>;
  /** Attributes by "{uri}local" ("local" when unqualified). */
  attrsNs: Record<string, string>;
  children: XmlElement[];
  /** Character data directly inside (text and CDATA), concatenated. */
  text: string;
  parent?: XmlElement;
  line: number;
}

export interface XmlDocument {
  root: XmlElement;
  processingInstructions: { target: string; body: string }[];
  declaration: { version?: string; encoding?: string } | undefined;
}

export function parseXml(xml: string): XmlDocument {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const pis: { target: string; body: string }[] = [];
  let declaration: XmlDocument["declaration"];
  let error: Error | undefined;
  parser.on("error", (e) => {
    error ??= e;
  });
  parser.on("xmldecl", (d) => (declaration = { version: d.version, encoding: d.encoding }));
  parser.on("processinginstruction", (pi) => pis.push({ target: pi.target, body: pi.body }));
  parser.on("opentag", (node) => {
    const attrs: Record<string, string> = {};
    const attrsNs: Record<string, string> = {};
    for (const [qname, a] of Object.entries(node.attributes)) {
      if (typeof a === "string") continue;
      attrs[qname] = a.value;
      attrsNs[a.uri ? `{${a.uri}}${a.local}` : a.local] = a.value;
    }
    const parent = stack[stack.length - 1];
    const element: XmlElement = {
      uri: node.uri ?? "",
      local: node.local ?? node.name,
      name: node.name,
      attrs,
      attrsNs,
      children: [],
      text: "",
      line: parser.line,
      ...(parent && { parent }),
    };
    if (parent) parent.children.push(element);
    else root = element;
    stack.push(element);
  });
  parser.on("closetag", () => void stack.pop());
  const onText = (t: string): void => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  };
  parser.on("text", onText);
  parser.on("cdata", onText);
  parser.write(xml).close();
  if (error) throw error;
  if (!root) throw new Error("no root element");
  return { root, processingInstructions: pis, declaration };
}

/** Children of `el` with that namespace URI and local name. */
export const childrenNamed = (el: XmlElement, uri: string, local: string): XmlElement[] =>
  el.children.filter((c) => c.uri === uri && c.local === local);

export const childNamed = (el: XmlElement, uri: string, local: string): XmlElement | undefined =>
  el.children.find((c) => c.uri === uri && c.local === local);

export const NS = {
  atom: "http://www.w3.org/2005/Atom",
  content: "http://purl.org/rss/1.0/modules/content/",
  dc: "http://purl.org/dc/elements/1.1/",
  media: "http://search.yahoo.com/mrss/",
} as const;
