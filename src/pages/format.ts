/**
 * Display helpers for the HTML pages. Pure: no clock, no locale, no I/O; the same input always
 * gives the same text, whatever the host's time zone or Intl data.
 */
import { isHttpUrl, parseIsoDate } from "../domain/article";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** An ISO 8601 date-time as `27 Aug 2022, 00:00 UTC`; anything unparseable comes back as given. */
export function formatUtcDate(iso: string): string {
  const ms = parseIsoDate(iso);
  if (ms === undefined) return iso;
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()] ?? ""} ${d.getUTCFullYear()}, ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())} UTC`;
}

/** The ISO string normalized for a `<time datetime>` attribute, or undefined when it is not a date. */
export function machineDate(iso: string): string | undefined {
  const ms = parseIsoDate(iso);
  if (ms === undefined) return undefined;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/**
 * A URL fit for `href`/`src`: absolute http(s) only. JSX escapes attribute values, but escaping
 * does not stop `javascript:` or `data:` URLs, so stored URLs (webhook or upstream) pass here.
 */
export const httpUrl = (value: string | undefined): string | undefined =>
  value !== undefined && isHttpUrl(value) ? value : undefined;

/** Plain text as paragraphs: blank lines separate them, single line breaks stay line breaks. */
export function textParagraphs(text: string): string[][] {
  return text
    .replace(/\r\n?/g, "\n")
    .split(/\n[ \t]*\n+/)
    .map((p) => p.trim())
    .filter((p) => p !== "")
    .map((p) => p.split("\n"));
}

/** `12.3 MB` for an enclosure length in bytes. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"] as const;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
