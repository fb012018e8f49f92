/**
 * The sanitizer inside workerd (no nodejs_compat): proves htmlparser2's Tokenizer and entities
 * load and behave in the real runtime exactly as in the Node unit tests.
 */
import { describe, expect, it } from "vitest";
import { htmlToText, sanitizeHtml } from "../src/ingest/sanitize";
import { cleanLine, decodeEntities, stripXmlIllegal } from "../src/ingest/text";
import seedArticle from "./fixtures/seed-article.json";

describe("sanitizer in workerd", () => {
  it("neutralizes hostile markup", () => {
    const hostile =
      '<p onclick="alert(1)">Hi <a href="jav&#x09;ascript:alert(1)">x</a><img src=x onerror=alert(1)>' +
      '<svg><script>alert(1)</script></svg><math><mtext><table><mglyph><style><img src=x onerror=alert(1)>';
    expect(sanitizeHtml(hostile)).toBe('<p>Hi x<img src="x"><math><mtext></mtext></math></p>');
  });

  it("keeps the vetted presentation: plain styles, SVG shapes, MathML", () => {
    expect(sanitizeHtml('<p style="color:red;background:url(javascript:x)">x</p><svg viewbox="0 0 2 2"><circle r="1"/></svg><math><mi>x</mi></math>')).toBe(
      '<p style="color: red">x</p><svg viewBox="0 0 2 2"><circle r="1"></circle></svg><math><mi>x</mi></math>',
    );
  });

  it("resolves links against the article URL", () => {
    expect(sanitizeHtml('<a href="../b">b</a>', { baseUrl: "https://news.example/a/c" })).toBe(
      '<a href="https://news.example/b" rel="nofollow noopener noreferrer">b</a>',
    );
  });

  it("keeps the seed article intact", () => {
    const html = seedArticle.content_html;
    expect(sanitizeHtml(html)).toBe(html.replaceAll('"', "&quot;"));
    expect(htmlToText(html).split("\n\n")).toHaveLength(15);
  });

  it("cleans text the same way as in Node", () => {
    expect(decodeEntities("&laquo;Amanat&raquo; &#x1F600; &#0;")).toBe("\u00abAmanat\u00bb 😀 \uFFFD");
    expect(stripXmlIllegal("a\u0000\uD800b")).toBe("ab");
    expect(cleanLine(" Алматы\u00A0 ")).toBe("Алматы");
  });
});
