/**
 * Bytes of an upstream feed to text. Pure. No I/O, no Worker globals but TextDecoder (WHATWG
 * Encoding, present in workerd and Node with the legacy single-byte decoders: windows-1251,
 * koi8-r, iso-8859-x, ...).
 *
 * Which charset, first match wins (the order the project chose; RFC 7303 §3.2 would let HTTP
 * beat the XML declaration, but in the wild servers send a default `charset=iso-8859-1` far more
 * often than feeds mis-declare themselves):
 *   1. a byte order mark: UTF-8, UTF-16LE, UTF-16BE (XML 1.0 Appendix F.1);
 *   2. UTF-16 without a BOM, recognised by its zero bytes (`<\0?\0x\0`);
 *   3. the XML declaration's `encoding="..."` (XML 1.0 §4.3.3), read in ASCII;
 *   4. the HTTP Content-Type `charset` parameter (not for JSON: RFC 8259 §8.1 says UTF-8);
 *   5. UTF-8; when nothing usable was declared and the bytes are not valid UTF-8, windows-1252
 *      (what browsers fall back to for such Western legacy documents).
 * A label TextDecoder does not know (`encoding="x-mac-roman-ish"`) is passed over with a warning,
 * the next step decides; only UTF-32 (no decoder at all) is a failure with reason "encoding".
 */
import type { Result } from "../domain/result";
import { err, ok } from "../domain/result";
import { WINDOWS_1252_C1 } from "../ingest/text";
import type { ParseFailure } from "./types";

export interface DecodedText {
  text: string;
  /** WHATWG name of the decoder used (`utf-8`, `windows-1251`, `utf-16le`...). */
  encoding: string;
  /** Set when bytes were not valid in the declared encoding, or a guess was made. */
  warning?: string;
}

/** Labels seen in feeds that the WHATWG Encoding Standard does not list. */
const LABEL_ALIASES: Record<string, string> = {
  "utf_8": "utf-8",
  "utf8mb4": "utf-8",
  "win-1251": "windows-1251",
  "win1251": "windows-1251",
  "cp-1251": "windows-1251",
  "windows1251": "windows-1251",
  "win-1252": "windows-1252",
  "cp-1252": "windows-1252",
  "windows1252": "windows-1252",
  "latin-1": "latin1",
  "iso8859_1": "iso-8859-1",
  "iso_8859_1": "iso-8859-1",
  "koi8r": "koi8-r",
  "koi8_r": "koi8-r",
};

const decoders = new Map<string, TextDecoder>();

/** A cached decoder for a label, or undefined when the label is unknown. */
function decoderFor(label: string): TextDecoder | undefined {
  const key = label.trim().toLowerCase();
  const cached = decoders.get(key);
  if (cached) return cached;
  try {
    // The WHATWG "replacement" encoding (iso-2022-kr, hz-gb-2312, ...) throws here: good, it
    // would decode the whole body to one U+FFFD.
    const decoder = new TextDecoder(LABEL_ALIASES[key] ?? key);
    decoders.set(key, decoder);
    return decoder;
  } catch {
    return undefined;
  }
}

let strictUtf8: TextDecoder | undefined;

/** Up to `n` bytes as Latin-1: enough to read an ASCII XML declaration without decoding. */
function asciiHead(body: Uint8Array, from: number, n: number): string {
  const end = Math.min(body.length, from + n);
  let s = "";
  for (let i = from; i < end; i++) s += String.fromCharCode(body[i]!);
  return s;
}

// XML 1.0 §4.3.3 EncodingDecl. Bounded input (the first 1 KB), no nested quantifiers.
const XML_DECL_ENCODING = /<\?xml\s[^>]{0,400}?encoding\s*=\s*["']\s*([A-Za-z0-9._:-]{1,40})/;
// RFC 9110 §8.3.1 media-type parameters: `charset=` token or quoted string.
const CONTENT_TYPE_CHARSET = /;\s*charset\s*=\s*"?\s*([^";\s]{1,40})/i;

/** UTF-16 without BOM: every other byte is zero in the first bytes of a mostly-ASCII document. */
function sniffUtf16(body: Uint8Array, from: number): "utf-16le" | "utf-16be" | undefined {
  const end = Math.min(body.length, from + 64);
  if (end - from < 4) return undefined;
  let zeroEven = 0;
  let zeroOdd = 0;
  for (let i = from; i < end; i++) {
    if (body[i] === 0) {
      if ((i - from) % 2 === 0) zeroEven++;
      else zeroOdd++;
    }
  }
  const pairs = (end - from) >> 1;
  if (zeroOdd * 3 >= pairs && zeroEven === 0) return "utf-16le";
  if (zeroEven * 3 >= pairs && zeroOdd === 0) return "utf-16be";
  return undefined;
}

function firstNonSpaceByte(body: Uint8Array, from: number): number {
  for (let i = from; i < body.length && i < from + 1024; i++) {
    const b = body[i]!;
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return b;
  }
  return -1;
}

// Some Node versions decode windows-1252 (and so `iso-8859-1`, `latin1`, `ascii`, which map to
// it) as ISO-8859-1, leaving C1 controls where smart quotes and dashes belong; workerd does not.
// The windows-1252 table (ingest/text.ts) makes both agree.
const C1 = /[\u0080-\u009F]/g;

function decodeWith(label: string, body: Uint8Array, from: number, source: string): Result<DecodedText, ParseFailure> {
  const decoder = decoderFor(label);
  if (!decoder) {
    return err({ reason: "encoding", message: `unsupported character encoding "${label}" (${source})` });
  }
  let text = decoder.decode(from === 0 ? body : body.subarray(from));
  if (decoder.encoding === "windows-1252" && /[\u0080-\u009F]/.test(text)) {
    text = text.replace(C1, (c) => WINDOWS_1252_C1[c.charCodeAt(0) - 0x80]!);
  }
  return ok({ text, encoding: decoder.encoding });
}

/** Decodes a feed body to text; see the module header for how the charset is chosen. */
export function decodeBody(body: Uint8Array, contentType?: string | null): Result<DecodedText, ParseFailure> {
  const b0 = body[0];
  const b1 = body[1];
  const b2 = body[2];
  // 1. Byte order marks (XML 1.0 Appendix F.1). UTF-32 has no WHATWG decoder.
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) return decodeWith("utf-8", body, 3, "byte order mark");
  if (b0 === 0xff && b1 === 0xfe) {
    if (b2 === 0 && body[3] === 0) return err({ reason: "encoding", message: "unsupported character encoding UTF-32LE (byte order mark)" });
    return decodeWith("utf-16le", body, 2, "byte order mark");
  }
  if (b0 === 0xfe && b1 === 0xff) return decodeWith("utf-16be", body, 2, "byte order mark");
  if (b0 === 0 && b1 === 0 && b2 === 0xfe && body[3] === 0xff) {
    return err({ reason: "encoding", message: "unsupported character encoding UTF-32BE (byte order mark)" });
  }

  // 2. UTF-16 without a BOM.
  const utf16 = sniffUtf16(body, 0);
  if (utf16) return decodeWith(utf16, body, 0, "detected from zero bytes");

  // 3. The XML declaration, possibly after some junk (we look at the first 1 KB). A label no
  // decoder knows is noted and passed over: the bytes are still sniffed below.
  const unknown: string[] = [];
  const isJson = firstNonSpaceByte(body, 0) === 0x7b; // "{"
  if (!isJson) {
    const head = asciiHead(body, 0, 1024);
    const declared = XML_DECL_ENCODING.exec(head)?.[1];
    if (declared !== undefined) {
      const lower = declared.toLowerCase();
      // We could read the declaration as ASCII, so the document is not in a 16/32-bit encoding
      // whatever it says (XML 1.0 Appendix F.1: "UTF-16" mis-declared on an 8-bit document).
      if (!/^(?:utf-?16|utf-?32|ucs-?2|ucs-?4|unicode)/.test(lower)) {
        if (decoderFor(declared)) return decodeWith(declared, body, 0, "declared in the XML declaration");
        unknown.push(`"${declared}" (XML declaration)`);
      }
    }
    // 4. The HTTP charset.
    const httpCharset = contentType ? CONTENT_TYPE_CHARSET.exec(contentType)?.[1] : undefined;
    if (httpCharset !== undefined) {
      if (decoderFor(httpCharset)) return withWarning(decodeWith(httpCharset, body, 0, "declared in the HTTP Content-Type"), unknown);
      unknown.push(`"${httpCharset}" (HTTP Content-Type)`);
    }
  }

  // 5. UTF-8, else (nothing declared, invalid UTF-8) windows-1252.
  strictUtf8 ??= new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  try {
    return withWarning(ok({ text: strictUtf8.decode(body), encoding: "utf-8" }), unknown);
  } catch {
    const fallback = decodeWith(isJson ? "utf-8" : "windows-1252", body, 0, "fallback");
    if (fallback.ok) {
      fallback.value.warning =
        unknown.length > 0
          ? `unknown character encoding ${unknown.join(", ")} and the body is not valid UTF-8: decoded as ${fallback.value.encoding}`
          : `no charset declared and the body is not valid UTF-8: decoded as ${fallback.value.encoding}`;
    }
    return fallback;
  }
}

/** Notes the unknown labels that were passed over on a successful decoding. */
function withWarning(result: Result<DecodedText, ParseFailure>, unknown: string[]): Result<DecodedText, ParseFailure> {
  if (result.ok && unknown.length > 0) result.value.warning = `unknown character encoding ${unknown.join(", ")}: decoded as ${result.value.encoding}`;
  return result;
}
