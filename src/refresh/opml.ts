/**
 * OPML subscription lists (OPML 2.0, "subscriptionList"; 1.0 files read the same way) → the feeds
 * they name. Pure. No I/O. Returns a Result: a document that is not OPML is a value.
 *
 * Every `<outline>` with an `xmlUrl` attribute, at any depth (folders are outlines that hold
 * outlines), is one feed: `{url: xmlUrl, title: title ?? text, path}`, where `path` locates it in
 * the document (`body.outline[2].outline[0]`) for error messages. Outlines without `xmlUrl`
 * (folders, links) are walked, not reported. Parsed with fast-xml-parser; DOCTYPE entity expansion
 * is bounded by its limits (billion laughs), nesting by `maxNestedTags`.
 */
import { XMLParser } from "fast-xml-parser";
import { type Result, err, ok } from "../domain/result";

export interface OpmlFeed {
  url: string;
  title?: string;
  path: string;
}

export interface OpmlFailure {
  message: string;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => name === "outline",
  processEntities: { enabled: true, maxEntityCount: 20, maxTotalExpansions: 1000, maxExpandedLength: 100_000 },
  htmlEntities: true,
  maxNestedTags: 64,
});

export function parseOpml(text: string): Result<OpmlFeed[], OpmlFailure> {
  let document: unknown;
  try {
    // Junk before the root (a BOM, blank lines) is common; the parser wants the declaration first.
    document = parser.parse(text.replace(/^[\uFEFF\s]+/, ""));
  } catch (error) {
    return err({ message: `not well-formed XML: ${error instanceof Error ? error.message.slice(0, 200) : "unparseable"}` });
  }
  const root = record(record(document)?.opml);
  if (!root) return err({ message: "not an OPML document: the root element must be <opml>" });
  if (!("body" in root)) return err({ message: "not an OPML document: <opml> has no <body>" });
  const feeds: OpmlFeed[] = [];
  walk(record(root.body)?.outline, "body", feeds); // an empty <body/> parses as ""
  return ok(feeds);
}

function walk(outlines: unknown, parentPath: string, feeds: OpmlFeed[]): void {
  if (!Array.isArray(outlines)) return;
  outlines.forEach((node, i) => {
    const outline = record(node);
    if (!outline) return;
    const path = `${parentPath}.outline[${i}]`;
    const url = attribute(outline, "xmlUrl") ?? attribute(outline, "xmlurl");
    if (url !== undefined) {
      const title = attribute(outline, "title") ?? attribute(outline, "text");
      feeds.push({ url, ...(title !== undefined && { title }), path });
    }
    walk(outline.outline, path, feeds);
  });
}

function attribute(outline: Record<string, unknown>, name: string): string | undefined {
  const value = outline[`@${name}`];
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
