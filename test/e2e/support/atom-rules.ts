/**
 * The Atom rules RFC 4287's RELAX NG schema cannot say (schemas/atom.rng checks the rest, with
 * xmllint): the two Schematron assertions of Appendix B and the prose MUSTs/SHOULDs of §3.3,
 * §4.1.1, §4.1.2 and §4.2.7. Pure; returns every problem found.
 */
import { childNamed, childrenNamed, NS, parseXml, type XmlElement } from "./xml-dom";
import { isAbsoluteHttpUrl } from "./rss-profile";

/** RFC 3339 date-time as RFC 4287 §3.3 restricts it: uppercase T and Z, a zone always given. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function checkAtomRules(xml: string, options: { feedUrl: string }): string[] {
  const problems: string[] = [];
  const fail = (where: string, rule: string): void => void problems.push(`${where}: ${rule}`);
  let feed: XmlElement;
  try {
    feed = parseXml(xml).root;
  } catch (error) {
    return [`document: not well-formed XML 1.0 (${(error as Error).message})`];
  }
  if (feed.uri !== NS.atom || feed.local !== "feed") return ["document: the root must be atom:feed"];
  const entries = childrenNamed(feed, NS.atom, "entry");

  // Appendix B, Schematron: "An atom:feed must have an atom:author unless all of its atom:entry
  // children have an atom:author." (§4.1.1)
  const feedHasAuthor = childrenNamed(feed, NS.atom, "author").length > 0;
  entries.forEach((entry, i) => {
    const where = `entry[${i + 1}]`;
    const hasAuthor = childrenNamed(entry, NS.atom, "author").length > 0;
    const source = childNamed(entry, NS.atom, "source");
    if (!feedHasAuthor && !hasAuthor && !(source && childrenNamed(source, NS.atom, "author").length > 0)) {
      fail(where, "must have an atom:author if its feed does not (§4.1.2)");
    }
    // Appendix B, Schematron, §4.1.2: an alternate link or content.
    const links = childrenNamed(entry, NS.atom, "link");
    const alternate = links.filter((l) => (l.attrs.rel ?? "alternate") === "alternate");
    if (alternate.length === 0 && !childNamed(entry, NS.atom, "content")) fail(where, "needs a rel=alternate link or content (§4.1.2)");
    checkLinks(links, where, fail);
    checkDates(entry, where, fail);
    const content = childNamed(entry, NS.atom, "content");
    if (content?.attrs.src !== undefined && !childNamed(entry, NS.atom, "summary")) fail(where, "out-of-line content needs a summary (§4.1.2)");
  });

  const ids = entries.map((e) => childNamed(e, NS.atom, "id")?.text.trim() ?? "");
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) fail("feed", `entry ids must be unique ("${id}" repeats; §4.1.1)`);
    seen.add(id);
    if (!/^[a-z][a-z0-9+.-]*:\S+$/i.test(id)) fail("entry/id", `must be an absolute IRI (§4.2.6), got "${id}"`);
  }
  const feedId = childNamed(feed, NS.atom, "id")?.text.trim() ?? "";
  if (!/^[a-z][a-z0-9+.-]*:\S+$/i.test(feedId)) fail("feed/id", `must be an absolute IRI (§4.2.6), got "${feedId}"`);

  const links = childrenNamed(feed, NS.atom, "link");
  checkLinks(links, "feed", fail);
  // §4.1.1: "atom:feed elements SHOULD contain one atom:link element with a rel attribute value of 'self'".
  const self = links.filter((l) => l.attrs.rel === "self");
  if (self.length !== 1) fail("feed", `should have exactly one rel=self link (found ${self.length}; §4.1.1)`);
  else if (self[0]!.attrs.href !== options.feedUrl) fail("feed/link[@rel=self]", `must be the feed's URL ${options.feedUrl}, got ${self[0]!.attrs.href}`);
  checkDates(feed, "feed", fail);
  return problems;
}

function checkLinks(links: XmlElement[], where: string, fail: (where: string, rule: string) => void): void {
  const alternates = new Set<string>();
  for (const link of links) {
    const rel = link.attrs.rel ?? "alternate";
    const href = link.attrs.href ?? "";
    // There is no xml:base in these feeds, so a relative href would resolve against whatever URL
    // the reader fetched; every link must be absolute.
    if (!isAbsoluteHttpUrl(href)) fail(`${where}/link[@rel=${rel}]`, `href must be an absolute URL, got "${href}"`);
    if (rel === "alternate") {
      // §4.1.1: no two alternate links with the same type and hreflang.
      const key = `${link.attrs.type ?? ""}|${link.attrs.hreflang ?? ""}`;
      if (alternates.has(key)) fail(where, "two rel=alternate links with the same type and hreflang (§4.1.1)");
      alternates.add(key);
    }
  }
}

function checkDates(el: XmlElement, where: string, fail: (where: string, rule: string) => void): void {
  for (const name of ["updated", "published"]) {
    const date = childNamed(el, NS.atom, name);
    if (date && !RFC3339.test(date.text.trim())) fail(`${where}/${name}`, `must be an RFC 3339 date-time with a zone (§3.3), got "${date.text}"`);
  }
}
