import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { FEED_XSL } from "./feed-xsl";

describe("FEED_XSL", () => {
  it("is well-formed XML", () => {
    expect(XMLValidator.validate(FEED_XSL)).toBe(true);
  });

  it("is an XSLT 1.0 stylesheet with templates for RSS items and Atom entries", () => {
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@" }).parse(FEED_XSL);
    const sheet = parsed["xsl:stylesheet"];
    expect(sheet["@version"]).toBe("1.0");
    expect(sheet["@xmlns:xsl"]).toBe("http://www.w3.org/1999/XSL/Transform");
    expect(sheet["@xmlns:atom"]).toBe("http://www.w3.org/2005/Atom");
    const matches = (sheet["xsl:template"] as { "@match"?: string }[]).map((t) => t["@match"]).filter(Boolean);
    expect(matches).toEqual(["/", "item", "atom:entry"]);
  });

  it("has no script and no disable-output-escaping (Firefox ignores it; feed text stays text)", () => {
    expect(FEED_XSL).not.toMatch(/<script|disable-output-escaping|javascript:/i);
  });
});
