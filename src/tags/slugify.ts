/**
 * Slugs and match keys for tag names. Pure. No I/O. Deterministic (no clock, no locale).
 *
 * `slugify(name)`: the URL form of a tag name — lowercase ASCII `[a-z0-9]` runs joined by single
 * hyphens (TAG_SLUG_PATTERN), at most MAX_SLUG_LENGTH characters.
 *
 * Transliteration scheme (one letter → fixed ASCII, no apostrophes, no diacritics):
 * - Russian: a b v g d e e(ё) zh z i y(й) k l m n o p r s t u f kh ts ch sh shch ''(ъ) y(ы) ''(ь)
 *   e(э) yu ya — the common "passport-like" scheme without apostrophes
 *   (Алматы → almaty, Нур-Султан → nur-sultan, Щучинск → shchuchinsk).
 * - Kazakh extras: the 2021 Kazakh Latin alphabet with its diacritics folded —
 *   ә→a (ä), ғ→g (ğ), қ→q, ң→n (ñ), ө→o (ö), ұ→u (ū), ү→u (ü), һ→h, і→i (ı)
 *   (Қарағанды → qaragandy, Өскемен → oskemen).
 * - Ukrainian/Belarusian: є→ye, ї→yi, ґ→g, ў→u; a few other Cyrillic letters (Serbian,
 *   Macedonian, Tatar, Tajik, Bashkir) get their usual Latin letter.
 * - Latin: NFKC, then diacritics stripped (NFD, combining marks removed); ß→ss, æ→ae, ø→o,
 *   ł→l, đ→d, ð→d, þ→th, œ→oe, ı→i, ħ→h, ŧ→t. Apostrophes are dropped (O'Brien → obrien).
 * - Every other run of characters becomes one `-`; no leading or trailing hyphen.
 * - Letters or digits that cannot be transliterated (Chinese, Greek, Arabic...) are not silently
 *   lost: the slug gets `-` + a short hash of the name, so `Beijing 北京` and `Beijing 上海`
 *   differ. A name with nothing transliterable at all (`北京`, an emoji) becomes `t-` + hash.
 *   The hash is 32-bit FNV-1a over the UTF-8 bytes of `matchKey(name)`, in base 36, so names that
 *   match each other as aliases get the same slug.
 * - Longer than MAX_SLUG_LENGTH: cut at the last hyphen inside the limit (when that keeps at least
 *   half of it), else hard-cut.
 *
 * `matchKey(name)`: the normalization aliases are compared by — NFKC, lowercase (String
 * toLowerCase is locale-independent), ё→е, diacritics on Latin letters folded (and the same special
 * letters as above: ß→ss...), combining accents stripped (Алма́ты), soft hyphens and zero-width
 * joiners removed, and runs of whitespace, dashes, underscores and quotes/apostrophes collapsed
 * to one space, trimmed. `AMANAT`, `Amanat`, ` «Amanat» ` compare equal; `Алма-Ата` equals
 * `алма ата`. Cyrillic stays Cyrillic: `Аманат` and `Amanat` are different keys (the taxonomy lists
 * both as aliases). `й` is not folded to `и`.
 */
import { MAX_SLUG_LENGTH } from "../domain/tag";

const CYRILLIC: Readonly<Record<string, string>> = {
  // Russian
  а: "a", б: "b", в: "v", г: "g", д: "d", е: "e", ё: "e", ж: "zh", з: "z", и: "i", й: "y",
  к: "k", л: "l", м: "m", н: "n", о: "o", п: "p", р: "r", с: "s", т: "t", у: "u", ф: "f",
  х: "kh", ц: "ts", ч: "ch", ш: "sh", щ: "shch", ъ: "", ы: "y", ь: "", э: "e", ю: "yu", я: "ya",
  // Kazakh (2021 Latin alphabet, diacritics folded)
  ә: "a", ғ: "g", қ: "q", ң: "n", ө: "o", ұ: "u", ү: "u", һ: "h", і: "i",
  // Ukrainian, Belarusian
  є: "ye", ї: "yi", ґ: "g", ў: "u",
  // Serbian, Macedonian
  ђ: "dj", ј: "j", љ: "lj", њ: "nj", ћ: "c", џ: "dz", ѓ: "g", ќ: "k", ѕ: "dz",
  // Tatar, Bashkir, Tajik, Kyrgyz
  җ: "zh", ҙ: "z", ҫ: "s", ҡ: "q", ҷ: "j", ҳ: "h", ӣ: "i", ӯ: "u",
};

/** Latin letters NFKD does not decompose into an ASCII base. */
const LATIN_SPECIAL: Readonly<Record<string, string>> = {
  ß: "ss", æ: "ae", ø: "o", ł: "l", đ: "d", ð: "d", þ: "th", œ: "oe", ı: "i", ħ: "h", ŧ: "t",
};

const APOSTROPHES = /['`´‘’‛ʼʻ′]/gu;
const COMBINING_ACCENTS = /[\u0300-\u036f]/gu;
const MARKS = /\p{M}/gu;
const LOST = /[\p{Lu}\p{Ll}\p{Lt}\p{Lo}\p{N}]/u;
const ASCII_ALNUM = /^[a-z0-9]$/;

/** The URL slug of a tag name: see the module header for the scheme. */
export function slugify(name: string): string {
  // Combining marks left after NFKC (stress accents: Алма́ты) carry no letter of their own.
  // Invisible characters (soft hyphen, zero-width joiners) are dropped, as matchKey drops them:
  // `Ал\u00adматы` is `almaty`, not `al-maty`.
  const source = name.normalize("NFKC").toLowerCase().replace(INVISIBLE, "").replace(APOSTROPHES, "").replace(MARKS, "");
  let out = "";
  let lost = false;
  for (const char of source) {
    const mapped = CYRILLIC[char] ?? LATIN_SPECIAL[char];
    if (mapped !== undefined) {
      out += mapped;
      continue;
    }
    if (ASCII_ALNUM.test(char)) {
      out += char;
      continue;
    }
    const base = char.normalize("NFKD").replace(COMBINING_ACCENTS, "");
    let kept = "";
    for (const b of base) {
      const special = LATIN_SPECIAL[b];
      if (special !== undefined) kept += special;
      else if (ASCII_ALNUM.test(b)) kept += b;
    }
    if (kept !== "") out += kept;
    else {
      if (LOST.test(char)) lost = true;
      out += "-";
    }
  }
  const slug = out.replace(/-+/g, "-").replace(/^-|-$/g, "");
  if (slug === "") return `t-${shortHash(hashSource(name))}`;
  if (!lost) return capSlug(slug, MAX_SLUG_LENGTH);
  const hash = shortHash(hashSource(name));
  return `${capSlug(slug, MAX_SLUG_LENGTH - hash.length - 1)}-${hash}`;
}

/** Cut a slug to `max` characters, at a hyphen when that keeps at least half of it. */
export function capSlug(slug: string, max: number): string {
  if (slug.length <= max) return slug;
  let cut = slug.slice(0, max);
  if (slug[max] !== "-") {
    const hyphen = cut.lastIndexOf("-");
    if (hyphen >= max / 2) cut = cut.slice(0, hyphen);
  }
  return cut.replace(/-+$/, "");
}

function hashSource(name: string): string {
  const key = matchKey(name);
  return key !== "" ? key : name.normalize("NFC").trim();
}

/** 32-bit FNV-1a over the UTF-8 bytes of `text`, in base 36 (1-7 characters). */
export function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(36);
}

/** Removed outright: soft hyphen, zero-width (non-)joiners, word joiner, BOM. */
const INVISIBLE = /[\u00ad\u200c\u200d\u2060\ufeff]/gu;
/** Every dash and hyphen (the \p{Pd} set spelled out, plus the minus sign), for a RegExp class. */
export const DASH_CHARS =
  "\\-\\u058a\\u05be\\u1400\\u1806\\u2010-\\u2015\\u2e17\\u2e1a\\u2e3a\\u2e3b\\u2e40\\u2e5d" +
  "\\u301c\\u3030\\u30a0\\ufe31\\ufe32\\ufe58\\ufe63\\uff0d\\u2212";
/**
 * Collapsed to one space: whitespace (incl. zero-width space), dashes, underscores, and
 * quotes/apostrophes of every common style. A plain class (no \p{...}, no `u` flag) is several
 * times faster on long texts.
 */
export const SEPARATOR_CHARS = `\\s\\u200b${DASH_CHARS}_"'\`´‘’‚‛“”„‟«»‹›ʼʻ′″`;
/**
 * Runs of separators, but not a lone space (most of a text's separators), which would only be
 * replaced by itself: the result is the same as replacing every run, with far fewer replacements.
 */
const SEPARATORS = new RegExp(`(?! (?![${SEPARATOR_CHARS}]))[${SEPARATOR_CHARS}]+`, "g");
/**
 * Non-ASCII Latin (Latin-1 Supplement, Extended-A/B, Extended Additional), folded one by one;
 * an explicit range is several times faster than \p{Script=Latin} on long texts.
 */
const LATIN_NON_ASCII = /[\u00c0-\u024f\u1e00-\u1eff]/g;

function foldLatin(char: string): string {
  return LATIN_SPECIAL[char] ?? char.normalize("NFD").replace(COMBINING_ACCENTS, "");
}

/**
 * The folding behind `matchKey`, without trimming: separators become single spaces, everything
 * else keeps its place, so autotag can run word-boundary matching over folded text.
 */
export function foldText(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(INVISIBLE, "")
    .replace(LATIN_NON_ASCII, foldLatin)
    .replace(COMBINING_ACCENTS, "")
    .replace(/ё/g, "е")
    .replace(SEPARATORS, " ");
}

/** The key aliases are compared by: see the module header. */
export function matchKey(name: string): string {
  return foldText(name).trim();
}

/**
 * A submitted name tidied for display: NFC, control characters and whitespace runs collapsed to
 * one space, trimmed. Falls back to the trimmed input if nothing would be left.
 */
export function tidyName(name: string): string {
  const tidy = name
    .normalize("NFC")
    .replace(/[\s\p{Cc}]+/gu, " ")
    .trim();
  return tidy !== "" ? tidy : name.trim();
}
