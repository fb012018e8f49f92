/**
 * Text cleanup applied to every string an article brings in (titles, names, content_text).
 * Pure. No I/O, no Worker globals; the same input always gives the same output.
 *
 * - `stripXmlIllegal`: drop what XML 1.0 §2.2 `Char` forbids, so every feed format can carry it.
 * - `cleanLine`: one line of display text (titles, author names, tag names).
 * - `cleanBlock`: multi-line plain text (content_text, derived summaries).
 * - `decodeEntities`: HTML5 character references (§13.5, all 2231 named ones, numeric ones with
 *   the spec's replacements), via `entities`, the decoder htmlparser2 itself uses.
 */
import { decodeHTML } from "entities/decode";

/**
 * XML 1.0 §2.2: Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
 * Without the `u` flag the regex sees UTF-16 code units, so a surrogate is matched only when it
 * is not half of a pair (a high one not followed by a low one, a low one not preceded by a high
 * one): emoji and other astral characters survive, lone halves go.
 */
const XML_ILLEGAL =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Cheap first look: nothing here means nothing to strip (the common case, even for Cyrillic). */
const XML_SUSPECT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uD800-\uDFFF\uFFFE\uFFFF]/;

/**
 * windows-1252 bytes 0x80-0x9F (WHATWG Encoding index): € ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ' ' " " • – — ˜ ™
 * š › œ ž Ÿ; the five it leaves unassigned are kept as the C1 controls they are.
 */
export const WINDOWS_1252_C1 =
  "\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F" +
  "\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178";

/**
 * Removes the characters XML 1.0 forbids (C0 controls but tab/LF/CR, U+FFFE, U+FFFF, lone
 * surrogates) and the C1 controls it discourages — the same set the renderers drop
 * (render/xml.ts), so the API, the pages and the feeds show one text. A C1 control is almost
 * always windows-1252 read as Latin-1 (`don\u0092t`): it becomes the windows-1252 character, as
 * HTML §13.2.5.80 does for `&#146;`, rather than vanishing (`dont`).
 */
export function stripXmlIllegal(s: string): string {
  if (!XML_SUSPECT.test(s)) return s;
  return s.replace(XML_ILLEGAL, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x80 || code > 0x9f) return "";
    const mapped = WINDOWS_1252_C1[code - 0x80]!;
    return mapped.charCodeAt(0) <= 0x9f ? "" : mapped;
  });
}

/**
 * One line of text: illegal characters removed, NFC, every run of Unicode whitespace (JS `\s`:
 * tabs, newlines, NBSP, the U+2000 spaces, U+3000, ...) turned into one space, trimmed.
 */
export function cleanLine(s: string): string {
  return stripXmlIllegal(s).normalize("NFC").replace(/\s+/g, " ").trim();
}

/**
 * A block of plain text: illegal characters removed, NFC, CRLF/CR and U+2028 to `\n`
 * (U+2029 PARAGRAPH SEPARATOR to a blank line), trailing whitespace cut from each line, runs of
 * more than one blank line cut to one (paragraphs stay apart by exactly one empty line), trimmed.
 * Leading indentation inside the text is kept.
 */
export function cleanBlock(s: string): string {
  const lines = stripXmlIllegal(s).normalize("NFC").replace(/\r\n?|\u2028/g, "\n").replace(/\u2029/g, "\n\n");
  return trimLineEnds(lines).replace(/\n{3,}/g, "\n\n").trim();
}

/**
 * Each line without its trailing whitespace, lines apart by `\n` (the only line terminator left
 * here). `trimEnd` strips exactly what `\s` matches; a multiline `/[^\S\n]+$/` gives the same
 * but tries a match at every space of the text.
 */
function trimLineEnds(text: string): string {
  if (!text.includes("\n")) return text.trimEnd();
  return text
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n");
}

/**
 * Decodes HTML character references as a browser does in text (HTML §13.2.5.72-80): every
 * named reference (`&amp;` `&nbsp;` `&mdash;` `&laquo;` `&Alpha;` `&euro;` ...), the legacy
 * ones without `;` (`&copy`), decimal and hex numeric ones. Code points the spec refuses
 * (0, surrogates, past U+10FFFF) become U+FFFD; 0x80-0x9F map through windows-1252 (`&#150;`
 * is an en dash). Unknown names stay as written. The result is not cleaned: pass it through
 * `cleanLine`/`cleanBlock`, which drop what XML cannot carry (`&#1;` decodes to U+0001).
 */
export function decodeEntities(s: string): string {
  return s.includes("&") ? decodeHTML(s) : s;
}
