import { describe, expect, test } from "vitest";
import { attrOf, child, parseXml, textAt, xmlErrors } from "./test-xml";
import {
  cdata,
  escapeHtmlText,
  escapeXmlAttr,
  escapeXmlText,
  stripInvalidChars,
  toEpochMs,
  toRfc3339,
  toRfc822,
} from "./xml";

describe("stripInvalidChars (XML 1.0 §2.2 Char)", () => {
  test("drops C0 controls but keeps tab, LF, CR", () => {
    let c0 = "";
    for (let c = 0; c < 0x20; c++) c0 += String.fromCharCode(c);
    expect(stripInvalidChars(`a${c0}b`)).toBe("a\t\n\rb");
  });

  test("drops U+FFFE, U+FFFF and C1 controls", () => {
    expect(stripInvalidChars("a\uFFFEb\uFFFFc\u007Fd\u0085e\u009Ff")).toBe("abcdef");
  });

  test("drops lone surrogates, keeps pairs", () => {
    expect(stripInvalidChars("a\uD800b")).toBe("ab");
    expect(stripInvalidChars("a\uDC00b")).toBe("ab");
    expect(stripInvalidChars("\uDBFF")).toBe("");
    expect(stripInvalidChars("\uDFFF\uD83D\uDE00\uD83D")).toBe("😀");
    expect(stripInvalidChars("\uD83D\uD83D\uDE00")).toBe("😀");
    expect(stripInvalidChars("\uD83D\uDE00\uDE00")).toBe("😀");
  });

  test("keeps emoji, ZWJ sequences, bidi controls and any script", () => {
    const legit = "😀 👩‍👩‍👧‍👦 👍🏽 🇰🇿 مرحبا שלום \u202Eevil\u202C Привет Қазақстан ағылшын ұлт һ і \u00A0 \uFFFD \u{10FFFD}";
    expect(stripInvalidChars(legit)).toBe(legit);
  });

  test("returns the same string when there is nothing to drop", () => {
    const s = "plain text";
    expect(stripInvalidChars(s)).toBe(s);
  });
});

describe("escapeXmlText", () => {
  test("escapes & and <, > only in ]]>, CR as a character reference", () => {
    expect(escapeXmlText(`a<b & c>d "q" 'a'`)).toBe(`a&lt;b &amp; c>d "q" 'a'`);
    expect(escapeXmlText("x]]>y ]]]]> ]>")).toBe("x]]&gt;y ]]]]&gt; ]>");
    expect(escapeXmlText("a\r\nb")).toBe("a&#13;\nb");
    expect(escapeXmlText("&amp;")).toBe("&amp;amp;");
  });

  test("parses back to the input without invalid characters", () => {
    const input = `<p class="x">a & b ]]> ]]]]> &amp; &lt; \r\n\t end\u0001\uFFFF\uD800 😀</p>`;
    const xml = `<r>${escapeXmlText(input)}</r>`;
    expect(xmlErrors(xml)).toEqual([]);
    expect(textAt(parseXml(xml), "r")).toBe(stripInvalidChars(input));
  });
});

describe("escapeXmlAttr", () => {
  test("escapes markup, quotes and whitespace that attribute normalization would change", () => {
    expect(escapeXmlAttr(`a<b>&"c'\t\n\r`)).toBe(`a&lt;b&gt;&amp;&quot;c'&#9;&#10;&#13;`);
  });

  test("parses back to the input", () => {
    const input = `https://x.kz/?a=1&b="2"<>\u0000 'q'`;
    const xml = `<r a="${escapeXmlAttr(input)}"/>`;
    expect(xmlErrors(xml)).toEqual([]);
    expect(attrOf(child(parseXml(xml), "r"), "a")).toBe(stripInvalidChars(input));
  });
});

describe("cdata", () => {
  test("wraps text in one section when there is no ]]>", () => {
    expect(cdata("<p>a & b</p>")).toBe("<![CDATA[<p>a & b</p>]]>");
  });

  test("splits ]]> across sections", () => {
    expect(cdata("a]]>b")).toBe("<![CDATA[a]]]]><![CDATA[>b]]>");
    expect(cdata("]]>")).toBe("<![CDATA[]]]]><![CDATA[>]]>");
  });

  test.each([
    "a]]>b",
    "]]>",
    "]]]]>",
    "]]>]]>",
    "x]]]>y",
    "<![CDATA[inner]]>",
    "]",
    "]]",
    "",
    "line\r\nbreaks\rand\nmore",
    "<p>Алматы 😀</p>",
  ])("round-trips %j exactly", (input) => {
    const xml = `<r>${cdata(input)}</r>`;
    expect(xmlErrors(xml)).toEqual([]);
    expect(textAt(parseXml(xml), "r")).toBe(input);
  });

  test("drops invalid characters", () => {
    expect(cdata("a\u0000b\uFFFE\uDC00")).toBe("<![CDATA[ab]]>");
  });
});

describe("escapeHtmlText", () => {
  test("escapes text for HTML contexts", () => {
    expect(escapeHtmlText("a < b && c > d")).toBe("a &lt; b &amp;&amp; c &gt; d");
    expect(escapeHtmlText("plain")).toBe("plain");
  });
});

describe("toRfc822 (RSS 2.0, RFC 822 with four-digit years)", () => {
  test.each([
    ["2022-08-27T00:00:00.000Z", "Sat, 27 Aug 2022 00:00:00 GMT"],
    ["2022-08-26T21:00:00.000Z", "Fri, 26 Aug 2022 21:00:00 GMT"],
    ["2024-03-05T07:08:09Z", "Tue, 05 Mar 2024 07:08:09 GMT"],
    ["2023-12-31T23:59:59.999Z", "Sun, 31 Dec 2023 23:59:59 GMT"],
    ["2024-01-01T00:00:00Z", "Mon, 01 Jan 2024 00:00:00 GMT"],
    ["2024-02-29T12:00:00Z", "Thu, 29 Feb 2024 12:00:00 GMT"],
    // An offset is converted to GMT, across the year boundary.
    ["2023-01-01T02:30:00+03:00", "Sat, 31 Dec 2022 23:30:00 GMT"],
    ["2022-12-31T22:00:00-05:00", "Sun, 01 Jan 2023 03:00:00 GMT"],
    ["1999-12-31", "Fri, 31 Dec 1999 00:00:00 GMT"],
    ["1970-01-01T00:00:00Z", "Thu, 01 Jan 1970 00:00:00 GMT"],
  ])("%s → %s", (iso, expected) => {
    expect(toRfc822(iso)).toBe(expected);
  });

  test("accepts epoch milliseconds and agrees with toUTCString", () => {
    for (const ms of [0, 1_661_558_400_000, 1_704_067_199_000, 951_782_400_000]) {
      expect(toRfc822(ms)).toBe(new Date(ms).toUTCString());
    }
  });

  test("throws RangeError for non-dates", () => {
    expect(() => toRfc822("yesterday")).toThrow(RangeError);
    expect(() => toRfc822(Number.NaN)).toThrow(RangeError);
    expect(() => toRfc822(8.64e15)).toThrow(RangeError);
  });
});

describe("toRfc3339 (RFC 4287 §3.3, JSON Feed 1.1)", () => {
  test.each([
    ["2022-08-27T00:00:00.000Z", "2022-08-27T00:00:00Z"],
    ["2022-08-27T03:00:00+03:00", "2022-08-27T00:00:00Z"],
    ["2022-08-27T00:00:00.250Z", "2022-08-27T00:00:00.250Z"],
    ["2023-01-01T02:30:00+03:00", "2022-12-31T23:30:00Z"],
    ["2022-08-27", "2022-08-27T00:00:00Z"],
  ])("%s → %s", (iso, expected) => {
    expect(toRfc3339(iso)).toBe(expected);
  });

  test("keeps four-digit years at the edges and refuses beyond them", () => {
    expect(toRfc3339(toEpochMs("9999-12-31T23:59:59Z"))).toBe("9999-12-31T23:59:59Z");
    expect(() => toRfc3339(253_402_300_800_000)).toThrow(RangeError);
  });
});

describe("the well-formedness oracle used by these tests", () => {
  test.each([
    ["a C0 control", "<r>\u0001</r>"],
    ["U+FFFF", "<r>\uFFFF</r>"],
    ["a lone surrogate", "<r>\uD800</r>"],
    ["]]> in text", "<r>a]]>b</r>"],
    ["< in an attribute", '<r a="<"/>'],
    ["a bare &", "<r>a & b</r>"],
    ["an undeclared prefix", "<r><dc:creator>x</dc:creator></r>"],
  ])("rejects %s", (_what, xml) => {
    expect(xmlErrors(xml)).not.toEqual([]);
  });
});
