/**
 * Auto-tagging: which taxonomy entries a plain text mentions. Pure. No I/O. Deterministic.
 *
 * `autoTag(index, text)` looks for the names and aliases of entries whose type has
 * `autotag: true` (or exactly `options.types`), skipping each entry's `autotag_exclude`, and
 * returns their canonical tags in order of first mention. Matching:
 * - on folded text (`foldText`: case-insensitive, ё = е, Latin diacritics folded; hyphens, dashes,
 *   quotes and whitespace all one space, so `Алма-Ата` = `Алма Ата` and `«Ак жол»` = `Ак жол`);
 * - whole words only (Unicode letters, digits and marks are word characters): `Астанаев`,
 *   `Amanatov`, `Шымкентский` do not match;
 * - Russian case endings on Cyrillic words, from the word's ending (see `wordPattern`):
 *   Астана → Астаны/Астане/Астану/Астаной/Астаною; Шымкент → Шымкента/Шымкенте/Шымкентом;
 *   Костанай → Костаная; область → области/областью; adjectives -ая → -ой/-ую/-ою...
 *   Words ending in о, е, и, ы, у, ю, э are indeclinable (Алматы, Актобе, Атырау), as are
 *   abbreviations (ОСДП), Latin words, words shorter than 3 letters, and the leading parts of a
 *   hyphenated compound (Усть-, Алма-, Нур-, Восточно-);
 * - Kazakh case suffixes on the last Cyrillic word (Астанада, Алматыда, Шымкенттен,
 *   Алматы облысында): -да/-де/-та/-те, -ға/-ге/-қа/-ке, -дан/-ден/-тан/-тен/-нан/-нен,
 *   -ның/-нің/-дың/-дің/-тың/-тің, -ны/-ні/-ды/-ді/-ты/-ті, -мен/-бен/-пен, -дағы/-дегі/-тағы/-тегі,
 *   and after a possessive -н/-на/-не/-нда/-нде;
 * - leftmost-longest: where spellings overlap, the longest wins and its words are not matched
 *   again (`Алматы облысы` is the region, not also the city).
 *
 * Cost: the matcher is compiled once per index and type set (cached in a WeakMap on the index).
 * A text is folded once and walked word by word; each word start is looked up by its first 1-3
 * letters, and only the few spellings sharing that prefix are tried, with sticky regexes.
 */
import type { Tag } from "../domain/tag";
import type { CompiledEntry, TaxonomyIndex } from "./resolve";
import { DASH_CHARS, SEPARATOR_CHARS, foldText } from "./slugify";

interface AliasMatcher {
  readonly entry: CompiledEntry;
  /**
   * Sticky (`y`) regex over folded text. Every alternation lists longer options first, so the
   * first match is the longest; the caller checks the word boundary after it (a lookahead with
   * \p{L} in each of hundreds of regexes makes compiling them ~100x slower).
   */
  readonly re: RegExp;
}

interface Matcher {
  /** First 1-3 fixed characters of a spelling → the spellings starting so. */
  readonly byPrefix: ReadonlyMap<string, readonly AliasMatcher[]>;
  /**
   * The prefixes of one character, and the first two characters of the longer ones: a word that
   * starts with neither has no candidate, and most words of a text are passed over on this alone.
   */
  readonly starts1: ReadonlySet<string>;
  readonly starts2: ReadonlySet<string>;
}

const cache = new WeakMap<TaxonomyIndex, Map<string, Matcher>>();

/** Names and aliases of taxonomy entries mentioned in `text` (title and plain body). */
export function autoTag(index: TaxonomyIndex, text: string, options?: { types?: readonly string[] }): Tag[] {
  const matcher = matcherFor(index, options?.types);
  if (matcher.byPrefix.size === 0 || text === "") return [];
  const folded = foldText(text);
  const found = new Set<number>();
  const tags: Tag[] = [];
  let coveredUntil = 0;
  for (let at = 0; at < folded.length; ) {
    if (!isWordUnit(folded.charCodeAt(at))) {
      at++;
      continue;
    }
    const start = at;
    while (at < folded.length && isWordUnit(folded.charCodeAt(at))) at++;
    if (start < coveredUntil) continue;
    if (!matcher.starts2.has(folded.slice(start, start + 2)) && !matcher.starts1.has(folded.charAt(start))) continue;
    let bestEnd = -1;
    let best: CompiledEntry | undefined;
    let checkedStart = false;
    for (let len = 3; len >= 1; len--) {
      const candidates = matcher.byPrefix.get(folded.slice(start, start + len));
      if (!candidates) continue;
      if (!checkedStart) {
        if (!atWordStart(folded, start)) break;
        checkedStart = true;
      }
      for (const candidate of candidates) {
        candidate.re.lastIndex = start;
        if (!candidate.re.test(folded)) continue;
        const end = candidate.re.lastIndex;
        if (!atWordEnd(folded, end)) continue;
        if (end > bestEnd || (end === bestEnd && best !== undefined && candidate.entry.index < best.index)) {
          bestEnd = end;
          best = candidate.entry;
        }
      }
    }
    if (best === undefined) continue;
    coveredUntil = bestEnd;
    if (found.has(best.index)) continue;
    found.add(best.index);
    tags.push({ ...best.tag });
  }
  return tags;
}

/**
 * Candidate word starts: maximal runs of anything but whitespace, punctuation and symbols (ASCII,
 * Latin-1, General Punctuation, arrows to misc symbols, CJK punctuation, astral characters such as
 * emoji). A plain class is ~3x faster than \p{L} over a long text. A word glued to some other
 * symbol (`§Астана`) is then missed, never mis-matched: a match must still start after a
 * non-word character (`atWordStart`) and end before one (`atWordEnd`).
 */
const NOT_WORD = /[\s!-/:-@[-`{-~\u00a0-\u00bf\u2000-\u206f\u2190-\u2bff\u3000-\u303f\ud800-\udfff]/;
/** Per UTF-16 code unit, once seen: 1 when it is part of a word, 2 when not (0: not seen yet). */
const wordUnits = new Uint8Array(0x10000);

/** Whether a code unit belongs to a word (`NOT_WORD` tested once per code unit, then remembered). */
function isWordUnit(unit: number): boolean {
  let known = wordUnits[unit];
  if (known === 0 || known === undefined) {
    known = NOT_WORD.test(String.fromCharCode(unit)) ? 2 : 1;
    wordUnits[unit] = known;
  }
  return known === 1;
}
/** A word character, for the boundaries (tested only where a spelling could start or ended). */
const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;

function atWordStart(text: string, start: number): boolean {
  if (start === 0) return true;
  const low = text.charCodeAt(start - 1);
  const previous = low >= 0xdc00 && low <= 0xdfff && start >= 2 ? text.codePointAt(start - 2) : low;
  return previous === undefined || !WORD_CHAR.test(String.fromCodePoint(previous));
}

function atWordEnd(text: string, end: number): boolean {
  const next = text.codePointAt(end);
  return next === undefined || !WORD_CHAR.test(String.fromCodePoint(next));
}

function matcherFor(index: TaxonomyIndex, types: readonly string[] | undefined): Matcher {
  const key = types === undefined ? "*" : [...new Set(types)].sort().join(",");
  let perIndex = cache.get(index);
  if (!perIndex) {
    perIndex = new Map();
    cache.set(index, perIndex);
  }
  let matcher = perIndex.get(key);
  if (!matcher) {
    const wanted =
      types === undefined
        ? (type: string) => index.types.get(type)?.autotag ?? true
        : (type: string) => types.includes(type);
    matcher = compileMatcher(index.entries.filter((c) => wanted(c.tag.type)));
    perIndex.set(key, matcher);
  }
  return matcher;
}

function compileMatcher(entries: readonly CompiledEntry[]): Matcher {
  const byPrefix = new Map<string, AliasMatcher[]>();
  for (const compiled of entries) {
    const { entry } = compiled;
    const excluded = new Set((entry.autotag_exclude ?? []).map((s) => foldText(s).trim()));
    const seen = new Set<string>();
    for (const spelling of [entry.name, ...entry.aliases]) {
      if (excluded.has(foldText(spelling).trim())) continue;
      const pattern = spellingPattern(spelling);
      if (pattern === undefined || seen.has(pattern.source)) continue;
      seen.add(pattern.source);
      const matcher: AliasMatcher = { entry: compiled, re: new RegExp(pattern.source, "y") };
      const list = byPrefix.get(pattern.prefix);
      if (list) list.push(matcher);
      else byPrefix.set(pattern.prefix, [matcher]);
    }
  }
  const starts1 = new Set<string>();
  const starts2 = new Set<string>();
  for (const prefix of byPrefix.keys()) (prefix.length === 1 ? starts1 : starts2).add(prefix.slice(0, 2));
  return { byPrefix, starts1, starts2 };
}

/** Separators as foldText collapses them; a run of only dashes joins a hyphenated compound. */
const SPLIT = new RegExp(`([${SEPARATOR_CHARS}]+)`);
const DASHES_ONLY = new RegExp(`^[${DASH_CHARS}]+$`);

/**
 * The regex source (without the trailing boundary) of one spelling over folded text, and the
 * prefix (first 1-3 fixed characters) it is filed under. Exported for tests.
 */
export function spellingPattern(spelling: string): { source: string; prefix: string } | undefined {
  const pieces = spelling.normalize("NFKC").split(SPLIT);
  const words: { raw: string; folded: string; compoundHead: boolean }[] = [];
  for (let i = 0; i < pieces.length; i += 2) {
    const raw = pieces[i] ?? "";
    const folded = foldText(raw).trim();
    if (folded === "") continue;
    const separator = pieces[i + 1];
    words.push({ raw, folded, compoundHead: separator !== undefined && DASHES_ONLY.test(separator) });
  }
  if (words.length === 0) return undefined;
  const parts = words.map((word, i) => {
    const last = i === words.length - 1;
    return wordPattern(word.folded, { last, literal: word.compoundHead && !last, abbreviation: isAbbreviation(word.raw) });
  });
  const first = parts[0];
  if (first === undefined) return undefined;
  return { source: parts.map((p) => p.source).join(" "), prefix: first.fixed.slice(0, 3) };
}

function isAbbreviation(raw: string): boolean {
  return [...raw].length >= 2 && raw === raw.toUpperCase() && raw !== raw.toLowerCase();
}

const CYRILLIC_WORD = /^\p{Script=Cyrillic}+$/u;
const KAZAKH_LETTERS = /[әғқңөұүһі]/u;
const VELAR_SIBILANT = /[кгхжшчщ]$/u;
const SIBILANT_TS = /[жшчщц]$/u;

const ENDINGS = {
  adjFeminine: ["ая", "ой", "ую", "ою", "ые", "ых", "ым", "ыми", "ие", "их", "им", "ими"],
  adjFeminineSoft: ["яя", "ей", "юю", "ею", "ие", "их", "им", "ими"],
  adjMasculine: ["ый", "ий", "ой", "ого", "его", "ому", "ему", "ым", "им", "ом", "ем", "ые", "ие", "ых", "их", "ыми", "ими"],
  adjNeuter: ["ое", "ее", "ого", "его", "ому", "ему", "ым", "им", "ом", "ем", "ые", "ие", "ых", "их"],
  nounA: ["а", "е", "у", "ой", "ою"],
  nounYa: ["я", "и", "е", "ю", "ей", "ею"],
  nounSoftSign: ["ь", "и", "ью", "я", "ю", "ем", "е", "ей"],
  nounY: ["й", "я", "ю", "ем", "е", "и"],
  nounConsonant: ["а", "у", "ом", "е"],
} as const;

/** Kazakh case suffixes, attached to the nominative (after a possessive too: облысы-на). */
const KAZAKH_SUFFIXES = [
  "да", "де", "та", "те", "нда", "нде",
  "ға", "ге", "қа", "ке", "на", "не",
  "дан", "ден", "тан", "тен", "нан", "нен",
  "ның", "нің", "дың", "дің", "тың", "тің",
  "ны", "ні", "ды", "ді", "ты", "ті", "н",
  "мен", "бен", "пен",
  "дағы", "дегі", "тағы", "тегі", "ндағы", "ндегі",
];

/** Regex-escape (words never hold dashes or spaces: those separate words). */
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
/** Longest option first: with the boundary checked after the match, first is best. Memoized. */
const alternations = new Map<string, string>();
function alternation(options: readonly string[]): string {
  const key = options.join("|");
  let source = alternations.get(key);
  if (source === undefined) {
    source = `(?:${[...options].sort((a, b) => b.length - a.length).map(escape).join("|")})`;
    alternations.set(key, source);
  }
  return source;
}

/**
 * One folded word as a regex: its fixed part (the stem, or the whole word when indeclinable) and
 * the endings it may take. Exported for tests.
 */
export function wordPattern(
  word: string,
  context: { last: boolean; literal?: boolean; abbreviation?: boolean },
): { source: string; fixed: string } {
  const cyrillic = CYRILLIC_WORD.test(word);
  const kazakhSuffix = context.last && cyrillic ? alternation(KAZAKH_SUFFIXES) : undefined;
  const literal = (): { source: string; fixed: string } => ({
    source: escape(word) + (kazakhSuffix ? `${kazakhSuffix}?` : ""),
    fixed: word,
  });
  const declined = (stem: string, endings: readonly string[], optional = false) => {
    const russian = `${escape(stem)}${alternation(endings)}${optional ? "?" : ""}`;
    return {
      // Kazakh first: `астана` + `да` is longer than any Russian form it shares a start with.
      source: kazakhSuffix ? `(?:${escape(word)}${kazakhSuffix}|${russian})` : `(?:${russian})`,
      fixed: stem,
    };
  };

  if (context.literal || context.abbreviation || !cyrillic || KAZAKH_LETTERS.test(word) || word.length < 3) {
    return literal();
  }
  const stem2 = word.slice(0, -2);
  const stem1 = word.slice(0, -1);
  if (word.endsWith("ая") && word.length >= 4) return declined(stem2, ENDINGS.adjFeminine);
  if (word.endsWith("яя") && word.length >= 4) return declined(stem2, ENDINGS.adjFeminineSoft);
  if (word.endsWith("ый") || /[сц]кий$/u.test(word) || (!context.last && /(?:ий|ой)$/u.test(word))) {
    return declined(stem2, ENDINGS.adjMasculine);
  }
  if (!context.last && /(?:ое|ее)$/u.test(word)) return declined(stem2, ENDINGS.adjNeuter);
  if (word.endsWith("а")) {
    const extra = VELAR_SIBILANT.test(stem1) ? ["и", "ей", "ею"] : SIBILANT_TS.test(stem1) ? ["ы", "ей", "ею"] : ["ы"];
    return declined(stem1, [...ENDINGS.nounA, ...extra]);
  }
  if (word.endsWith("я")) return declined(stem1, ENDINGS.nounYa);
  if (word.endsWith("ь")) return declined(stem1, ENDINGS.nounSoftSign);
  if (word.endsWith("й")) return declined(stem1, ENDINGS.nounY);
  if (/[бвгджзклмнпрстфхцчшщ]$/u.test(word)) {
    const extra = [VELAR_SIBILANT.test(word) ? "и" : "ы", ...(SIBILANT_TS.test(word) ? ["ем"] : [])];
    return declined(word, [...ENDINGS.nounConsonant, ...extra], true);
  }
  // о, е, и, ы, у, ю, э, ъ: indeclinable (Алматы, Актобе, Атырау).
  return literal();
}
