/** stripXmlIllegal, cleanLine, cleanBlock, decodeEntities. */
import { describe, expect, it } from "vitest";
import { cleanBlock, cleanLine, decodeEntities, stripXmlIllegal } from "./text";

const HIGH = "\uD83D"; // first half of 😀 (U+1F600)
const LOW = "\uDE00"; // second half

describe("stripXmlIllegal", () => {
  it("removes C0 controls but keeps tab, LF and CR", () => {
    let all = "";
    for (let c = 0; c < 0x20; c++) all += String.fromCharCode(c);
    expect(stripXmlIllegal(`a${all}b`)).toBe("a\t\n\rb");
    expect(stripXmlIllegal("\u0000x\u001f")).toBe("x");
  });

  it("removes U+FFFE, U+FFFF, DEL and unassigned C1, maps other C1 through windows-1252, keeps U+FFFD", () => {
    expect(stripXmlIllegal("a\uFFFEb\uFFFFc\uFFFDd\u007F\u0081\u009De\u00A0")).toBe("abc\uFFFDde\u00A0");
    expect(stripXmlIllegal("don\u0092t \u0085 \u0080\u0096\u009F")).toBe("don\u2019t \u2026 \u20AC\u2013\u0178");
  });

  it("keeps paired surrogates: emoji and other astral characters", () => {
    const s = "😀 👨‍👩‍👧 𝔘 🇰🇿";
    expect(stripXmlIllegal(s)).toBe(s);
    expect(stripXmlIllegal(HIGH + LOW)).toBe("😀");
  });

  it("removes lone high and low surrogates wherever they are", () => {
    expect(stripXmlIllegal(`${HIGH}abc`)).toBe("abc");
    expect(stripXmlIllegal(`abc${HIGH}`)).toBe("abc");
    expect(stripXmlIllegal(`${LOW}abc`)).toBe("abc");
    expect(stripXmlIllegal(`abc${LOW}`)).toBe("abc");
    expect(stripXmlIllegal(`a${HIGH}b${LOW}c`)).toBe("abc");
    expect(stripXmlIllegal(HIGH)).toBe("");
    expect(stripXmlIllegal(LOW)).toBe("");
    // Reversed pair: both lone.
    expect(stripXmlIllegal(LOW + HIGH)).toBe("");
    // Two highs then a low: the first is lone, the second pairs.
    expect(stripXmlIllegal(HIGH + HIGH + LOW)).toBe("😀");
    // A pair followed by a lone low.
    expect(stripXmlIllegal(HIGH + LOW + LOW)).toBe("😀");
  });

  it("keeps RTL text, Cyrillic and Kazakh letters, and the same string when nothing is illegal", () => {
    const s = "مرحبا שלום Алматы Қазақстан Әә Өө Ұұ Үү Ғғ Ңң Һһ Іі";
    expect(stripXmlIllegal(s)).toBe(s);
  });
});

describe("cleanLine", () => {
  it("collapses all Unicode whitespace (NBSP too) to single spaces and trims", () => {
    expect(cleanLine("  Эксперты\u00A0\u00A0внесли\tпредложения\n\r\n к\u2003проекту\u3000 ")).toBe(
      "Эксперты внесли предложения к проекту",
    );
  });

  it("applies NFC and strips illegal characters", () => {
    expect(cleanLine("Cafe\u0301\u0000 и\u0306\uFFFF")).toBe("Caf\u00e9 \u0439");
    expect(cleanLine(`${HIGH}AMANAT${LOW}`)).toBe("AMANAT");
  });

  it("gives an empty string for whitespace only", () => {
    expect(cleanLine(" \n\t\u00A0 ")).toBe("");
  });
});

describe("cleanBlock", () => {
  it("normalizes newlines, trims line ends, keeps at most one blank line", () => {
    expect(cleanBlock("\r\n  First line  \r\nsecond\t\r\r\r\n\n\nthird \u00A0\n")).toBe("First line\nsecond\n\nthird");
  });

  it("keeps indentation and single blank lines", () => {
    expect(cleanBlock("a\n\n  b\n    c")).toBe("a\n\n  b\n    c");
  });

  it("turns Unicode line and paragraph separators into newlines", () => {
    expect(cleanBlock("a\u2028b\u2029c")).toBe("a\nb\n\nc");
  });

  it("applies NFC and strips illegal characters", () => {
    expect(cleanBlock("e\u0301\u0007\n\u000Bx")).toBe("\u00e9\nx");
  });
});

describe("decodeEntities", () => {
  it("decodes the common named references", () => {
    expect(decodeEntities("&amp; &lt; &gt; &quot; &apos; &nbsp; &laquo;&raquo; &mdash; &ndash; &hellip; &copy; &reg; &trade; &euro;")).toBe(
      "& < > \" ' \u00A0 \u00AB\u00BB \u2014 \u2013 \u2026 \u00A9 \u00AE \u2122 \u20AC",
    );
    expect(decodeEntities("&lsquo;&rsquo;&ldquo;&rdquo;&sbquo;&bdquo; &bull; &middot; &deg; &plusmn; &times; &divide;")).toBe(
      "\u2018\u2019\u201C\u201D\u201A\u201E \u2022 \u00B7 \u00B0 \u00B1 \u00D7 \u00F7",
    );
  });

  it("decodes Latin-1 and Greek names", () => {
    expect(decodeEntities("&eacute;&Eacute;&ouml;&szlig;&ccedil;&ntilde;&aring;&AElig;&thorn;&yuml;")).toBe("éÉößçñåÆþÿ");
    expect(decodeEntities("&Alpha;&beta;&gamma;&Delta;&pi;&Omega;&sigmaf;")).toBe("ΑβγΔπΩς");
  });

  it("decodes decimal and hex references, astral ones included", () => {
    expect(decodeEntities("&#123;&#x7D;&#X41;&#1040;&#x1F600;&#128512;")).toBe("{}AА😀😀");
  });

  it("maps invalid code points to U+FFFD and 0x80-0x9F through windows-1252", () => {
    expect(decodeEntities("&#0;&#xD800;&#xDFFF;&#x110000;&#99999999999;")).toBe("\uFFFD".repeat(5));
    expect(decodeEntities("&#150;&#151;&#128;&#x93;")).toBe("\u2013\u2014\u20AC\u201C");
  });

  it("decodes legacy references without a semicolon, leaves unknown names alone", () => {
    expect(decodeEntities("&copy 2022 &amp co")).toBe("© 2022 & co");
    expect(decodeEntities("&nosuchentity; & &;")).toBe("&nosuchentity; & &;");
  });

  it("decodes once only", () => {
    expect(decodeEntities("&amp;lt;")).toBe("&lt;");
    expect(decodeEntities("plain")).toBe("plain");
  });
});
