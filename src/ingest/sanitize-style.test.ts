/** sanitizeStyle (sanitize-style.ts): what a style attribute keeps, canonical, and what it never can. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sanitizeStyle } from "./sanitize-style";

describe("sanitizeStyle", () => {
  it("keeps plain presentation, written back canonical", () => {
    expect(sanitizeStyle("COLOR:#FFF;Font-Weight : 700;;margin:0  auto")).toBe("color: #FFF; font-weight: 700; margin: 0 auto");
    expect(sanitizeStyle("background-color: rgba(0, 0, 0, .5); border: 1px solid #ccc")).toBe("background-color: rgba(0, 0, 0, .5); border: 1px solid #ccc");
  });

  it.each([
    "background: url(javascript:alert(1))",
    "background-color: url(x)",
    "width: expression(alert(1))",
    "color: \\72 ed",
    "-moz-binding: url(x.xml#x)",
    "behavior: url(x.htc)",
    "position: fixed",
    "margin-top: -100px",
    "color: red !important",
    "color: red/**/",
    "font-family: 'x'",
    "width: calc(100% - 1px)",
    "color: var(--x)",
  ])("drops %s", (style) => expect(sanitizeStyle(style)).toBeUndefined());

  it("is idempotent and only ever writes the value characters it allows", () => {
    const piece = fc.constantFrom("color", "width", "margin", "url(", "expression(", "\\", "'", '"', ":", ";", " ", "red", "1px", "(", ")", "/*", "*/", "#fff", "@import", "!important", "-", "0");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 20 }), (pieces) => {
        const out = sanitizeStyle(pieces.join(""));
        if (out === undefined) return;
        expect(sanitizeStyle(out)).toBe(out);
        expect(out).toMatch(/^[a-z-]+: [A-Za-z0-9#%.,+\-/() ]+(?:; [a-z-]+: [A-Za-z0-9#%.,+\-/() ]+)*$/);
        expect(out).not.toMatch(/url\(|expression\(/i);
      }),
      { numRuns: 1000, seed: 7 },
    );
  });
});
