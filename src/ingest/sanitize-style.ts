/**
 * The inline-style filter of the sanitizer (sanitize.ts): a `style` attribute's declarations,
 * each parsed strictly against a small grammar per property, written back in one canonical
 * form (`color: red; font-weight: bold`). Pure. No I/O.
 *
 * Trust boundary. What is kept can only be plain presentation: colours, font weight and style,
 * alignment, decoration, spacing, sizes in plain lengths. Values are made only of letters,
 * digits, `#`, `%`, `.`, `,`, `+`, `-`, `/`, spaces and the parentheses of `rgb()`/`hsl()`:
 * no backslash (CSS escapes, `\75rl(`), no quotes, no comments, no `@`, no `:` inside a value,
 * so no url(), expression(), image-set(), -moz-binding, behavior or @import can be spelled, in
 * any encoding (character references were decoded before this sees the value). Declarations that
 * do not match are dropped; `!important` is dropped with its declaration. Nothing positions or
 * overlays content (no position, float, display, z-index, negative margins, transforms).
 */

const MAX_STYLE_LENGTH = 1024;
const MAX_DECLARATIONS = 16;

const HEX_COLOR = /^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;
/** A named colour or keyword (`red`, `transparent`, `currentcolor`, `inherit`): one bare word cannot call anything. */
const WORD = /^[a-z]{3,24}$/i;
const COLOR_FUNCTION = /^(?:rgb|rgba|hsl|hsla)\([\d\s.,%/+-]{1,60}\)$/i;
const NUMBER = /^(?:\d{1,6}(?:\.\d{1,4})?|\.\d{1,4})$/;
const LENGTH = /^(?:0|(?:\d{1,6}(?:\.\d{1,4})?|\.\d{1,4})(?:px|em|rem|ex|ch|%|pt|pc|cm|mm|in|vw|vh|vmin|vmax))$/i;

const isNumber = (v: string): boolean => NUMBER.test(v);
export const isCssColor = (v: string): boolean => HEX_COLOR.test(v) || WORD.test(v) || COLOR_FUNCTION.test(v);
/** A non-negative plain length (`0`, `12px`, `1.5em`, `50%`). */
export const isCssLength = (v: string): boolean => LENGTH.test(v);

const keywords = (...words: string[]): ((v: string) => boolean) => {
  const set = new Set(words);
  return (v) => set.has(v.toLowerCase());
};
const GLOBAL_KEYWORD = keywords("inherit", "initial", "unset");
const lengthOrAuto = (v: string): boolean => isCssLength(v) || v.toLowerCase() === "auto";
/** 1 to `max` space-separated tokens, each accepted by one of `parts`. */
const tokens =
  (max: number, ...parts: ((v: string) => boolean)[]) =>
  (v: string): boolean => {
    const list = v.split(" ");
    return list.length <= max && list.every((t) => parts.some((part) => part(t)));
  };
const BORDER_STYLE = keywords("none", "solid", "dashed", "dotted", "double", "groove", "ridge", "inset", "outset", "hidden");
const DECORATION = keywords("none", "underline", "overline", "line-through", "solid", "double", "dotted", "dashed", "wavy");
const FONT_SIZE = keywords("xx-small", "x-small", "small", "medium", "large", "x-large", "xx-large", "smaller", "larger");

/** Per property, the grammar its value must match (after whitespace is collapsed). */
const PROPERTIES: ReadonlyMap<string, (v: string) => boolean> = new Map<string, (v: string) => boolean>([
  ["color", isCssColor],
  ["background-color", isCssColor],
  ["font-weight", (v) => /^[1-9]00$/.test(v) || keywords("normal", "bold", "bolder", "lighter")(v)],
  ["font-style", keywords("normal", "italic", "oblique")],
  ["font-variant", keywords("normal", "small-caps")],
  ["font-size", (v) => isCssLength(v) || FONT_SIZE(v)],
  ["line-height", (v) => isNumber(v) || isCssLength(v) || v.toLowerCase() === "normal"],
  ["text-align", keywords("left", "right", "center", "justify", "start", "end")],
  ["text-decoration", tokens(3, DECORATION, isCssColor)],
  ["text-decoration-line", tokens(3, DECORATION)],
  ["text-transform", keywords("none", "uppercase", "lowercase", "capitalize")],
  ["text-indent", isCssLength],
  ["vertical-align", (v) => isCssLength(v) || keywords("baseline", "sub", "super", "top", "middle", "bottom", "text-top", "text-bottom")(v)],
  ["white-space", keywords("normal", "nowrap", "pre", "pre-wrap", "pre-line", "break-spaces")],
  ["list-style-type", keywords("none", "disc", "circle", "square", "decimal", "decimal-leading-zero", "lower-roman", "upper-roman", "lower-alpha", "upper-alpha", "lower-latin", "upper-latin", "lower-greek")],
  ["margin", tokens(4, lengthOrAuto)],
  ["margin-top", lengthOrAuto],
  ["margin-right", lengthOrAuto],
  ["margin-bottom", lengthOrAuto],
  ["margin-left", lengthOrAuto],
  ["padding", tokens(4, isCssLength)],
  ["padding-top", isCssLength],
  ["padding-right", isCssLength],
  ["padding-bottom", isCssLength],
  ["padding-left", isCssLength],
  ["width", lengthOrAuto],
  ["height", lengthOrAuto],
  ["max-width", (v) => isCssLength(v) || v.toLowerCase() === "none"],
  ["min-width", isCssLength],
  ["border", tokens(3, isCssLength, BORDER_STYLE, isCssColor)],
  ["border-width", tokens(4, isCssLength)],
  ["border-style", tokens(4, BORDER_STYLE)],
  ["border-color", tokens(4, isCssColor)],
  ["border-collapse", keywords("collapse", "separate")],
  // SVG presentation properties, for styles on inline SVG elements.
  ["fill", (v) => isCssColor(v) || v.toLowerCase() === "none"],
  ["stroke", (v) => isCssColor(v) || v.toLowerCase() === "none"],
  ["stroke-width", (v) => isNumber(v) || isCssLength(v)],
  ["opacity", isNumber],
  ["fill-opacity", isNumber],
  ["stroke-opacity", isNumber],
  ["stop-color", isCssColor],
  ["stop-opacity", isNumber],
]);

/** Everything a kept value may contain. Anything else (`\` `'` `"` `:` `;` `@` `*` `!` `<` ...) refuses the declaration. */
const VALUE_CHARACTERS = /^[A-Za-z0-9#%.,+\-/() ]+$/;

/**
 * The kept declarations of a `style` attribute, canonical (`prop: value`, joined by `; `), or
 * undefined when none is kept. Idempotent: its output reads back to itself.
 */
export function sanitizeStyle(raw: string): string | undefined {
  if (raw.length > MAX_STYLE_LENGTH) return undefined;
  const kept: string[] = [];
  for (const declaration of raw.split(";")) {
    const colon = declaration.indexOf(":");
    if (colon < 0) continue;
    const property = declaration.slice(0, colon).trim().toLowerCase();
    const value = declaration.slice(colon + 1).replace(/[\t\n\f\r ]+/g, " ").trim();
    const grammar = PROPERTIES.get(property);
    if (grammar === undefined || !VALUE_CHARACTERS.test(value)) continue;
    if (!grammar(value) && !GLOBAL_KEYWORD(value)) continue;
    kept.push(`${property}: ${value}`);
    if (kept.length === MAX_DECLARATIONS) break;
  }
  return kept.length === 0 ? undefined : kept.join("; ");
}
