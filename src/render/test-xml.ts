/**
 * Test-only XML helpers: a strict XML 1.0 + Namespaces well-formedness check (saxes, which,
 * unlike fast-xml-parser's validator, rejects illegal characters, `]]>` in text, `<` in
 * attributes and undeclared prefixes), and a parser setup that keeps every value as a string.
 */

import { XMLParser, XMLValidator } from "fast-xml-parser";
import { SaxesParser } from "saxes";

/** Every well-formedness error a conforming XML 1.0 + Namespaces parser reports; [] when none. */
export function xmlErrors(xml: string): string[] {
  const errors: string[] = [];
  const parser = new SaxesParser({ xmlns: true });
  parser.on("error", (e) => errors.push(e.message));
  parser.write(xml).close();
  const fxp = XMLValidator.validate(xml);
  if (fxp !== true) errors.push(`fast-xml-parser: ${fxp.err.msg} at ${fxp.err.line}:${fxp.err.col}`);
  return errors;
}

/** Elements that may repeat are always arrays, so tests index them the same way whatever the count. */
const REPEATABLE = new Set([
  "item", "entry", "category", "link", "atom:link", "author", "dc:creator", "media:content", "enclosure",
  "id", "title", "updated", "published", "summary", "content", "source", "generator", "icon", "subtitle",
  "name", "uri", "guid", "pubDate", "description", "content:encoded", "dc:language",
]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Decodes character references such as &#13; (it decodes once: `&amp;lt;` gives `&lt;`).
  htmlEntities: true,
  alwaysCreateTextNode: true,
  isArray: (name) => REPEATABLE.has(name),
});

/** A parsed node: text in `#text`, attributes as `@_name`, children by name. */
export type XmlNode = { readonly [key: string]: (XmlNode | string)[] | XmlNode | string | undefined };

export function parseXml(xml: string): XmlNode {
  return parser.parse(xml) as XmlNode;
}

/** The child elements called `name` (an empty element parses as "", returned as a node without text). */
export function children(node: XmlNode, name: string): XmlNode[] {
  const value = node[name];
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((v: XmlNode | string) => (typeof v === "string" ? { "#text": v } : v));
}

/** The one child element called `name`; throws when there is none. */
export function child(node: XmlNode, name: string): XmlNode {
  const first = children(node, name)[0];
  if (first === undefined) throw new Error(`no element ${name}`);
  return first;
}

/** Text content of a node ("" when empty). */
export function textOf(node: XmlNode): string {
  const value = node["#text"];
  return typeof value === "string" ? value : "";
}

export function attrOf(node: XmlNode, name: string): string | undefined {
  const value = node[`@_${name}`];
  return typeof value === "string" ? value : undefined;
}

/** Text of the single child `name`. */
export const textAt = (node: XmlNode, name: string): string => textOf(child(node, name));

/** XML 1.0 Char production violated, or a C1 control: none may appear in any output. */
export const FORBIDDEN_CHARS = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\uFFFE\uFFFF]|[\uD800-\uDFFF]/u;
