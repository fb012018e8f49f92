/**
 * Escaping and date formatting for every feed format: the one place where text becomes markup.
 * Pure: no I/O, no clock. Every function is total over strings, except the date formatters,
 * which throw RangeError for a value that is not a date (renderers resolve dates first).
 *
 * Characters (XML 1.0 §2.2, `Char`): XML cannot carry C0 controls other than tab, LF and CR,
 * U+FFFE, U+FFFF or lone surrogates, not even as character references, so they are dropped.
 * C1 controls (U+007F-U+009F) are legal but "discouraged" by §2.2, and the W3C Feed Validator
 * flags them (they are almost always mis-decoded windows-1252), so they are dropped too.
 * Everything else, emoji and their ZWJ sequences, bidi controls, any script, passes unchanged.
 *
 * Text (§2.4): `&` and `<` are escaped; `>` only where it would close `]]>`; CR as `&#13;`
 * (a literal CR would be folded into LF by end-of-line handling, §2.11). Attributes (§3.3.3):
 * also `"`, `>`, and tab/LF/CR as character references, which survive attribute-value
 * normalization. CDATA sections (§2.7) keep large HTML bodies unescaped; a `]]>` inside is split
 * across two sections.
 *
 * Speed: each function first checks with one precompiled regex (or `includes`) whether there is
 * anything to do, and returns its input unchanged when there is not, the common case.
 */

import { parseIsoDate } from "../domain/article";

/**
 * Anything that may need dropping. Without the `u` flag this also matches both halves of every
 * valid surrogate pair (emoji), so it is only a fast pre-check.
 */
const MAYBE_INVALID = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\uD800-\uDFFF\uFFFE\uFFFF]/;
const INVALID_CONTROL = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\uFFFE\uFFFF]/;
const INVALID_OR_PAIR = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\uFFFE\uFFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF]|[\uD800-\uDFFF]/g;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const keepPairs = (match: string): string => (match.length === 2 ? match : "");

/** ES2024 `String.prototype.isWellFormed` (no lone surrogates): native in workerd and Node 20+. */
const nativeIsWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;
const isWellFormed: (s: string) => boolean =
  nativeIsWellFormed === undefined ? (s) => !LONE_SURROGATE.test(s) : (s) => nativeIsWellFormed.call(s);

/** The string with every character XML 1.0 cannot carry (and C1 controls) removed. */
export function stripInvalidChars(value: string): string {
  if (!MAYBE_INVALID.test(value)) return value;
  // Text with emoji but nothing invalid is common: confirm before rebuilding the string.
  if (!INVALID_CONTROL.test(value) && isWellFormed(value)) return value;
  return value.replace(INVALID_OR_PAIR, keepPairs);
}

/** Character data for element content: `<title>${escapeXmlText(s)}</title>`. */
export function escapeXmlText(value: string): string {
  let s = stripInvalidChars(value);
  // Plain `replaceAll` with string patterns measured fastest for markup-heavy bodies.
  if (s.includes("&")) s = s.replaceAll("&", "&amp;");
  if (s.includes("<")) s = s.replaceAll("<", "&lt;");
  if (s.includes("]]>")) s = s.replaceAll("]]>", "]]&gt;");
  if (s.includes("\r")) s = s.replaceAll("\r", "&#13;");
  return s;
}

const ATTR_SPECIAL = /[&<>"\t\n\r]/;
const ATTR_SPECIAL_G = /[&<>"\t\n\r]/g;
const ATTR_ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "\t": "&#9;",
  "\n": "&#10;",
  "\r": "&#13;",
};
const attrEntity = (c: string): string => ATTR_ENTITIES[c] ?? "";

/** A double-quoted attribute value: `href="${escapeXmlAttr(s)}"`. Also safe in a PI pseudo-attribute. */
export function escapeXmlAttr(value: string): string {
  const s = stripInvalidChars(value);
  return ATTR_SPECIAL.test(s) ? s.replace(ATTR_SPECIAL_G, attrEntity) : s;
}

/**
 * A CDATA section holding `value` exactly (after dropping invalid characters): `]]>` is split as
 * `]]]]><![CDATA[>`, and CR leaves the section as `&#13;` so a parser reads it back unchanged.
 */
export function cdata(value: string): string {
  let s = stripInvalidChars(value);
  if (s.includes("]]>")) s = s.replaceAll("]]>", "]]]]><![CDATA[>");
  if (s.includes("\r")) s = s.replaceAll("\r", "]]>&#13;<![CDATA[");
  return "<![CDATA[" + s + "]]>";
}

const HTML_SPECIAL = /[&<>]/;
const HTML_SPECIAL_G = /[&<>]/g;
const HTML_ENTITIES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };
const htmlEntity = (c: string): string => HTML_ENTITIES[c] ?? "";

/**
 * Plain text as HTML text (before any XML escaping): for fields that feed readers interpret as
 * HTML, such as RSS `description` (RSS Best Practices Profile: "may contain HTML markup").
 */
export function escapeHtmlText(value: string): string {
  return HTML_SPECIAL.test(value) ? value.replace(HTML_SPECIAL_G, htmlEntity) : value;
}

// ---------------------------------------------------------------------------------------------
// Dates. English names and GMT, whatever the host's locale or time zone.

const DAY_NAMES = "SunMonTueWedThuFriSat";
const MONTH_NAMES = "JanFebMarAprMayJunJulAugSepOctNovDec";
/** 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: four-digit years, as both formats need. */
const MIN_MS = -62_167_219_200_000;
const MAX_MS = 253_402_300_799_999;

/** The stored form, `2022-08-26T21:00:00.000Z`, which `Date.parse` reads exactly (ECMA-262 Date Time String Format). */
const NORMALIZED_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;

/**
 * Epoch milliseconds of an ISO 8601 date-time that both output formats can express (years
 * 0000-9999), or undefined. The stored form takes a fast path; anything else goes through the
 * domain's `parseIsoDate` (offsets, date-only, calendar checks).
 */
export function isoToEpochMs(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const ms = NORMALIZED_UTC.test(iso) ? Date.parse(iso) : parseIsoDate(iso);
  // NaN fails both comparisons.
  return ms !== undefined && ms >= MIN_MS && ms <= MAX_MS ? ms : undefined;
}

/** Epoch milliseconds of an ISO 8601 string or of a number, in years 0000-9999; RangeError otherwise. */
export function toEpochMs(date: string | number): number {
  const ms = typeof date === "number" ? (date >= MIN_MS && date <= MAX_MS ? date : undefined) : isoToEpochMs(date);
  if (ms === undefined) throw new RangeError(`not a date in years 0000-9999: ${String(date)}`);
  return ms;
}

const pad2 = (n: number): string => (n < 10 ? "0" + n : String(n));
const pad4 = (n: number): string => String(n).padStart(4, "0");

/**
 * RFC 822 date-time as RSS 2.0 requires (with RFC 1123's four-digit year):
 * `Sat, 27 Aug 2022 00:00:00 GMT`. Days are zero-padded, as in RFC 1123 and the RSS examples.
 */
export function toRfc822(date: string | number): string {
  const d = new Date(toEpochMs(date));
  const day = d.getUTCDay();
  const month = d.getUTCMonth();
  return (
    DAY_NAMES.slice(day * 3, day * 3 + 3) +
    ", " +
    pad2(d.getUTCDate()) +
    " " +
    MONTH_NAMES.slice(month * 3, month * 3 + 3) +
    " " +
    pad4(d.getUTCFullYear()) +
    " " +
    pad2(d.getUTCHours()) +
    ":" +
    pad2(d.getUTCMinutes()) +
    ":" +
    pad2(d.getUTCSeconds()) +
    " GMT"
  );
}

/**
 * RFC 3339 date-time in UTC (Atom §3.3, JSON Feed 1.1): `2022-08-27T00:00:00Z`, with
 * milliseconds only when they are not zero (`2022-08-27T00:00:00.250Z`).
 */
export function toRfc3339(date: string | number): string {
  const iso = new Date(toEpochMs(date)).toISOString();
  return iso.endsWith(".000Z") ? iso.slice(0, -5) + "Z" : iso;
}
