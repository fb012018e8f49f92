/**
 * Dates as upstream feeds write them, to ISO 8601 UTC with milliseconds
 * (`2024-09-02T07:00:00.000Z`). Pure. No I/O, no clock: a date without a zone is read as UTC.
 *
 * Accepted, tried in this order:
 *  - ISO 8601 / RFC 3339 §5.6 (Atom, JSON Feed, dc:date): `2024-09-02`, `2024-09-02T10:00`,
 *    `2024-09-02T10:00:00.123456+03:00`, `20240902T100000Z`, a space instead of `T`, an offset
 *    with or without colon, a trailing `UTC`/`GMT`; W3C-DTF reduced precision (`2003-12`,
 *    `2003`: the first day); ordinal dates (`2003-335`, `2003335`).
 *  - RFC 822 §5 date-time as amended by RFC 1123 §5.2.14 and RFC 2822 §3.3/§4.3 (RSS 2.0 says
 *    pubDate "conforms to the Date and Time Specification of RFC 822"), with what real feeds
 *    do to it: missing or wrong or localized day names (`Пн,` `Mi.`), month names in English,
 *    Russian, Ukrainian, Kazakh, German, French, Spanish, Italian, Portuguese and Dutch
 *    (abbreviated, nominative or genitive: `Сен`, `сентября`), one-digit days, missing seconds,
 *    two-digit years (RFC 2822 §4.3: 00-49 → 20xx, 50-99 → 19xx), named zones (GMT UT EST EDT
 *    CST CDT MST MDT PST PDT, the bare US letters ET CT MT PT AT as standard time, and common others), numeric offsets with or without colon, military
 *    letters (RFC 1123 §5.2.14: their signs are wrong in RFC 822, so they "carry no information":
 *    read as UTC), `(comments)`, AM/PM, a stray `T`, extra whitespace and commas, numeric dates
 *    `02.09.2024` (day first), `2024/09/02`, `09/02/2024` (US month first unless the first
 *    number is over 12).
 *    Also Hungarian and Greek month names, and asctime (`Sun Jan  4 16:29:06 2004`).
 *  - Unix epoch seconds (10 digits) or milliseconds (13 digits).
 * Garbage is refused rather than half-read: an unknown word inside or after the date, a number
 * left over, a second time or zone, any character but spaces and `, . - /` between the parts
 * (`1:2:3:4 GMT`, `Dec x 2012`, `+zz:00`, `09:xx:00Z`, trailing junk). The caller then dates the
 * item when first seen. Impossible calendar dates (31 Sep) are refused, not rolled over. All regexes are anchored or
 * bounded, without nested quantifiers: linear in the (capped) input.
 */

const MAX_INPUT = 160;

/** The time and zone after an ISO 8601 date (extended or basic), shared by the date forms. */
const ISO_TIME = String.raw`(?:(?:[Tt]|\s+)(\d{2}):?(\d{2})(?::?(\d{2})(?:[.,](\d{1,12}))?)?)?\s*(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$`;
/** RFC 3339 §5.6 / ISO 8601 calendar dates, extended and basic (`2024-09-02`, `20240902T100000Z`). */
const ISO_DATE = new RegExp(String.raw`^(\d{4})-?(\d{2})-?(\d{2})` + ISO_TIME);
/** ISO 8601 §4.1.2.4 ordinal dates: year and day of the year (`2003-335`, `2003335`). */
const ISO_ORDINAL = new RegExp(String.raw`^(\d{4})-?(\d{3})` + ISO_TIME);
/** W3C-DTF (and ISO 8601 §4.1.2.3) reduced precision: a year, or a year and month. */
const W3DTF_REDUCED = /^(\d{4})(?:-(\d{2}))?$/;

/** Zone abbreviations (RFC 822 §5.1 plus the ones feeds commonly use), minutes east of UTC. */
const ZONES: Record<string, number> = {
  ut: 0, utc: 0, gmt: 0, z: 0, wet: 0, zulu: 0,
  est: -300, edt: -240, cst: -360, cdt: -300, mst: -420, mdt: -360, pst: -480, pdt: -420,
  // US zone letters without the standard/daylight letter, read as standard time (as Universal
  // Feed Parser does): "ET" is -05:00, not UTC.
  et: -300, ct: -360, mt: -420, pt: -480, at: -240,
  akst: -540, akdt: -480, hst: -600, ast: -240, adt: -180, nst: -210, ndt: -150,
  bst: 60, ist: 330, cet: 60, met: 60, cest: 120, mest: 120, eet: 120, eest: 180, wat: 60, cat: 120, eat: 180,
  msk: 180, msd: 240, samt: 240, yekt: 300, omst: 360, almt: 360, qyzt: 360, aqtt: 300, orat: 300,
  uzt: 300, pkt: 300, npt: 345, ict: 420, wib: 420, hkt: 480, sgt: 480, awst: 480, cst8: 480,
  jst: 540, kst: 540, acst: 570, aest: 600, aedt: 660, nzst: 720, nzdt: 780,
  brt: -180, art: -180, clt: -240,
};

/**
 * Month name stems by their first three letters (lowercase). Stems shared across languages
 * agree on the month; `jui` (French juin/juillet) needs a fourth letter.
 */
const MONTHS3: Record<string, number> = {};
function addMonths(...stems: string[][]): void {
  stems.forEach((names, i) => {
    for (const name of names) MONTHS3[name] = i + 1;
  });
}
// English, German, Dutch, French, Spanish, Italian, Portuguese
addMonths(
  ["jan", "jän", "gen", "ene"],
  ["feb", "fév", "fev"],
  ["mar", "mär", "mrz", "maa"],
  ["apr", "avr", "abr"],
  ["may", "mai", "mei", "mag"],
  ["jun", "giu"],
  ["jul", "lug"],
  ["aug", "aoû", "aou", "ago"],
  ["sep", "set"],
  ["oct", "okt", "ott", "out"],
  ["nov"],
  ["dec", "dez", "déc", "dic"],
);
// Hungarian (január ... december; shared stems agree above)
addMonths(["jan"], ["feb"], ["már"], ["ápr"], ["máj"], ["jún"], ["júl"], ["aug"], ["sze"], ["okt"], ["nov"], ["dec"]);
// Greek, accents removed (Ιαν, Φεβ, Μάρ, Απρ, Μάι/Μαΐ, Ιούν, Ιούλ, Αύγ, Σεπ, Οκτ, Νοέ, Δεκ); June
// and July share "ιου" and need a fourth letter.
addMonths(["ιαν"], ["φεβ"], ["μαρ"], ["απρ"], ["μαι"], [], [], ["αυγ"], ["σεπ"], ["οκτ"], ["νοε"], ["δεκ"]);
// Russian, Ukrainian, Kazakh
addMonths(
  ["янв", "січ", "қаң"],
  ["фев", "лют", "ақп"],
  ["мар", "бер", "нау"],
  ["апр", "кві", "сәу"],
  ["мая", "май", "тра", "мам"],
  ["июн", "чер", "мау"],
  ["июл", "лип", "шіл"],
  ["авг", "сер", "там"],
  ["сен", "вер", "қыр"],
  ["окт", "жов", "қаз"],
  ["ноя", "лис", "қар"],
  ["дек", "гру", "жел"],
);

const GREEK = /[\u0370-\u03ff\u1f00-\u1fff]/;

function monthOf(word: string): number | undefined {
  if (word.length < 3) return undefined;
  if (word.startsWith("jui")) return word.startsWith("juin") ? 6 : word.startsWith("juil") ? 7 : undefined;
  if (GREEK.test(word)) {
    const bare = word.normalize("NFD").replace(/\p{M}/gu, "");
    if (bare.startsWith("ιου")) return bare.startsWith("ιουν") ? 6 : bare.startsWith("ιουλ") ? 7 : undefined;
    return MONTHS3[bare.slice(0, 3)];
  }
  return MONTHS3[word.slice(0, 3)];
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (m === 2 && leap ? 29 : DAYS_IN_MONTH[m - 1]!);
}

/** RFC 2822 §4.3: two-digit years 00-49 are 20xx, 50-99 19xx; three-digit years add 1900. */
function fullYear(digits: string): number {
  const n = Number(digits);
  if (digits.length === 2) return n < 50 ? 2000 + n : 1900 + n;
  if (digits.length === 3) return 1900 + n;
  return n;
}

function fractionMs(digits: string | undefined): number {
  return digits ? Math.floor(Number(`0.${digits}`) * 1000) : 0;
}

function utcMs(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, offsetMin: number): number | undefined {
  if (!validDate(y, mo, d) || h > 24 || mi > 59 || s > 60) return undefined;
  if (h === 24 && (mi > 0 || s > 0)) return undefined;
  // Date.UTC maps years 0-99 to 19xx: the full year is set explicitly, then the time (24:00
  // rolls over to the next day, ISO 8601 §4.2.3).
  const date = new Date(Date.UTC(2000, 0, 1));
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, Math.min(s, 59), ms);
  return date.getTime() - offsetMin * 60_000;
}

function parseIso(s: string): number | undefined {
  const reduced = W3DTF_REDUCED.exec(s);
  if (reduced) return utcMs(Number(reduced[1]), reduced[2] === undefined ? 1 : Number(reduced[2]), 1, 0, 0, 0, 0, 0);
  let m = ISO_DATE.exec(s);
  if (!m) {
    const ordinal = ISO_ORDINAL.exec(s);
    if (!ordinal) return undefined;
    // The day of the year as month and day, then the calendar form's rules.
    const year = Number(ordinal[1]);
    const dayOfYear = Number(ordinal[2]);
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    if (dayOfYear < 1 || dayOfYear > (leap ? 366 : 365)) return undefined;
    const date = new Date(Date.UTC(2000, 0, 1));
    date.setUTCFullYear(year, 0, dayOfYear);
    m = [ordinal[0], ordinal[1]!, String(date.getUTCMonth() + 1).padStart(2, "0"), String(date.getUTCDate()).padStart(2, "0"), ...ordinal.slice(3)] as unknown as RegExpExecArray;
  }
  const [, y, mo, d, h, mi, sec, frac, , sign, oh, om] = m;
  let offset = 0;
  if (sign !== undefined) {
    const hours = Number(oh);
    const minutes = om === undefined ? 0 : Number(om);
    if (hours > 18 || minutes > 59) return undefined;
    offset = (sign === "-" ? -1 : 1) * (hours * 60 + minutes);
  }
  return utcMs(Number(y), Number(mo), Number(d), h === undefined ? 0 : Number(h), mi === undefined ? 0 : Number(mi), sec === undefined ? 0 : Number(sec), fractionMs(frac), offset);
}

/**
 * One token per match: a word (any script, with an optional trailing dot), a time, a signed
 * number (an offset when it follows the time), a plain number. Between tokens only spaces and
 * the separators dates use (`,` `.` `-` `/`) may stand: anything else (`1:2:3:4`, `09:xx:00`,
 * `+zz:00`, `#`) makes the text no date.
 */
const TOKEN = /(\p{L}+)\.?|(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?|([+-])(\d{1,2})(?::?(\d{2}))?(?!\d)|(\d+)/gu;
const SEPARATORS = /^[\s,./-]*$/;
/** Words that may stand between the parts of a date in the languages above. */
const FILLERS = new Set(["t", "at", "de", "del", "à", "a", "um", "uhr", "om", "kl", "alle", "ore", "le", "el", "the", "of", "on", "г", "года", "в"]);
const NUMERIC_DATE = /(?:^|[^\d.:/-])(\d{1,4})([./-])(\d{1,2})\2(\d{4}|\d{2})(?![\d:])/;

/** Epoch ms; undefined when no day, month and year were found; null when they were but are impossible. */
function parseRfc822ish(input: string): number | null | undefined {
  // RFC 822 §3.1.4 comments: "(MSK)".
  let s = input.includes("(") ? input.replace(/\([^()]*\)/g, " ") : input;
  let year: number | undefined;
  let month: number | undefined;
  let day: number | undefined;

  // Numeric dates: 02.09.2024, 2024/09/02, 09/02/2024.
  const numeric = NUMERIC_DATE.exec(` ${s}`);
  if (numeric) {
    const [whole, a, sep, b, c] = numeric as unknown as [string, string, string, string, string];
    const an = Number(a);
    const bn = Number(b);
    if (a.length === 4) {
      // Year first: only with a two-digit last part (2024/09/02).
      if (c.length !== 2) return undefined;
      [year, month, day] = [an, bn, Number(c)];
    } else if (sep === "/" && an <= 12) {
      [year, month, day] = [fullYear(c), an, bn];
    } else {
      [year, month, day] = [fullYear(c), bn, an];
    }
    const at = numeric.index; // index in ` ${s}`, whose first char is the extra space
    s = `${s.slice(0, Math.max(0, at))} ${s.slice(at + whole.length - 1)}`;
  }

  let hour: number | undefined;
  let minute = 0;
  let second = 0;
  let millis = 0;
  let offset: number | undefined;
  let zoneByName = false;
  let pm: boolean | undefined;
  const monthWords: number[] = [];
  const numbers: string[] = [];
  // Words before the date's first part: day names in any language (`Пн,` `Mi.` `Monday,`).
  let leading = true;
  let leadingWords = 0;
  let last = 0;

  for (const t of s.matchAll(TOKEN)) {
    if (!SEPARATORS.test(s.slice(last, t.index))) return undefined;
    last = t.index + t[0].length;
    const [, word, th, tm, ts, tf, sign, sh, sm, num] = t;
    if (word !== undefined) {
      const w = word.toLowerCase();
      const mo = monthOf(w);
      if (mo !== undefined && ZONES[w] === undefined) {
        monthWords.push(mo);
        leading = false;
      } else if (w === "am" || w === "pm") {
        pm = w === "pm";
      } else if (hour !== undefined && ZONES[w] !== undefined) {
        if (offset !== undefined && !zoneByName) return undefined; // two zones
        offset ??= ZONES[w];
        zoneByName = true;
      } else if (hour !== undefined && w.length === 1 && w !== "j" && /[a-z]/.test(w)) {
        // Military zone letter (RFC 1123 §5.2.14): no information, read as UTC.
        if (offset === undefined) offset = 0;
      } else if (FILLERS.has(w)) {
        // "T", "at", "de", "г."
      } else if (leading && ++leadingWords <= 2) {
        // a day name
      } else {
        return undefined; // an unknown word inside or after the date: not a date
      }
    } else if (th !== undefined) {
      leading = false;
      if (hour !== undefined) return undefined; // two times
      {
        hour = Number(th);
        minute = Number(tm);
        second = ts === undefined ? 0 : Number(ts);
        millis = fractionMs(tf);
      }
    } else if (sign !== undefined) {
      if (hour !== undefined && (offset === undefined || zoneByName)) {
        // An offset after the time (also "GMT+03:00", which refines the zone name).
        const hours = Number(sh);
        const minutes = sm === undefined ? 0 : Number(sm);
        if (hours > 18 || minutes > 59) return undefined;
        offset = (sign === "-" ? -1 : 1) * (hours * 60 + minutes);
        zoneByName = false;
      } else {
        // "02-Sep-2024": a separator and a number.
        numbers.push(`${sh}${sm ?? ""}`);
      }
    } else if (num !== undefined) {
      numbers.push(num);
      leading = false;
    }
  }
  if (!SEPARATORS.test(s.slice(last))) return undefined;

  // Day names and months can collide ("mar" is Tuesday in French and Spanish): the month is
  // the last month-like word.
  if (month === undefined) month = monthWords[monthWords.length - 1];
  for (const n of numbers) {
    if (n.length === 4 && year === undefined) year = Number(n);
    else if (n.length <= 2 && day === undefined && year === undefined) day = Number(n);
    else if (n.length <= 3 && year === undefined && day !== undefined) year = fullYear(n);
    else if (n.length <= 2 && day === undefined) day = Number(n);
    else return undefined; // a number left over: not a date we can read with confidence
  }
  if (year === undefined || month === undefined || day === undefined) return undefined;
  let h = hour ?? 0;
  if (pm !== undefined && hour !== undefined) {
    if (h > 12) return null;
    if (pm && h < 12) h += 12;
    if (!pm && h === 12) h = 0;
  }
  return utcMs(year, month, day, h, minute, second, millis, offset ?? 0) ?? null;
}

/** Unix epoch seconds or milliseconds. No Date.parse: what it accepts differs by runtime and includes garbage. */
function epoch(s: string): number | undefined {
  if (/^\d{10}$/.test(s)) return Number(s) * 1000;
  if (/^\d{13}$/.test(s)) return Number(s);
  return undefined;
}

/**
 * The shape nearly every RSS feed uses (`Mon, 02 Sep 2024 10:00:00 +0300`), read without
 * tokenizing; anything else goes the general way.
 */
const RFC822_COMMON =
  /^(?:[A-Za-z]{2,9}\.?,?\s*)?(\d{1,2})\s+([A-Za-z]{3,9})\.?\s+(\d{4}|\d{2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(?:([+-])(\d{2}):?(\d{2})|([A-Za-z]{1,4}))?$/;

/** Epoch ms; undefined when the text is not in this shape; null when it is but names no real time. */
function parseRfc822Common(s: string): number | null | undefined {
  const m = RFC822_COMMON.exec(s);
  if (!m) return undefined;
  const [, d, mon, y, h, mi, sec, sign, oh, om, zone] = m;
  const month = monthOf(mon!.toLowerCase());
  if (month === undefined) return undefined;
  let offset = 0;
  if (sign !== undefined) {
    if (Number(oh) > 18 || Number(om) > 59) return undefined;
    offset = (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om));
  } else if (zone !== undefined) {
    const z = zone.toLowerCase();
    const named = ZONES[z];
    if (named !== undefined) offset = named;
    else if (z.length !== 1 || z === "j") return undefined; // military letters: UTC (RFC 1123 §5.2.14)
  }
  return utcMs(fullYear(y!), month, Number(d), Number(h), Number(mi), sec === undefined ? 0 : Number(sec), 0, offset) ?? null;
}

/** ±100,000,000 days (ECMA-262 §21.4.1.1): the range toISOString accepts. */
const MAX_TIME = 8.64e15;

/**
 * Parses a feed date (see the module header for the accepted forms) to ISO 8601 UTC with
 * milliseconds, or undefined when it is not a date. A date without a zone is read as UTC.
 */
export function parseFeedDate(text: string): string | undefined {
  if (typeof text !== "string") return undefined;
  // Cap the length so every step stays cheap.
  const trimmed = (text.length > MAX_INPUT ? text.slice(0, MAX_INPUT) : text).trim();
  if (trimmed === "") return undefined;
  const c0 = trimmed.charCodeAt(0);
  let ms: number | null | undefined;
  if (c0 >= 48 && c0 <= 57) ms = parseIso(trimmed.replace(/\s*\b(?:UTC|GMT)$/i, ""));
  ms ??= parseRfc822Common(trimmed);
  if (ms === undefined) {
    // NBSP and friends to plain spaces. A date we recognized as impossible (31 Sep) stays
    // refused: Date.parse would roll it over.
    const s = trimmed.replace(/\s+/g, " ");
    ms = epoch(s) ?? parseRfc822ish(s);
  }
  if (ms === undefined || ms === null || !Number.isFinite(ms) || Math.abs(ms) > MAX_TIME) return undefined;
  return new Date(ms).toISOString();
}
