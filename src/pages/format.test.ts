import { describe, expect, it } from "vitest";
import { formatBytes, formatDisplayDate, httpUrl, isTimeZone, machineDate, offsetLabel, parseOffset, textParagraphs, zoneOffsetMinutes } from "./format";

describe("formatDisplayDate", () => {
  const almaty = { locale: "en-GB", timeZone: "Asia/Almaty" };
  it("writes the date in the display zone with its offset", () => {
    // Asia/Almaty is UTC+5 since March 2024, UTC+6 before.
    expect(formatDisplayDate("2022-08-27T00:00:00+03:00", almaty)).toBe("27 Aug 2022, 03:00 UTC+06:00");
    expect(formatDisplayDate("2024-05-01T10:00:00Z", almaty)).toBe("1 May 2024, 15:00 UTC+05:00");
    expect(formatDisplayDate("2024-01-05T09:07:59Z", { locale: "en-GB", timeZone: "UTC" })).toBe("5 Jan 2024, 09:07 UTC");
    expect(formatDisplayDate("2024-01-05T09:07:59Z", { locale: "en-GB", timeZone: "America/St_Johns" })).toBe("5 Jan 2024, 05:37 UTC−03:30");
  });
  it("keeps the publisher's own offset when one is given", () => {
    expect(formatDisplayDate("2022-08-26T21:00:00.000Z", almaty, "+03:00")).toBe("27 Aug 2022, 00:00 UTC+03:00");
  });
  it("speaks the locale", () => {
    expect(formatDisplayDate("2022-08-26T21:00:00.000Z", { locale: "ru", timeZone: "Europe/Moscow" })).toMatch(/^27 авг\.? 2022 г\., 00:00 UTC\+03:00$/);
    expect(formatDisplayDate("2022-08-26T21:00:00.000Z", { locale: "kk", timeZone: "UTC" })).toContain("2022");
  });
  it("leaves what is not a date as it is", () => {
    expect(formatDisplayDate("yesterday", almaty)).toBe("yesterday");
    expect(machineDate("yesterday")).toBeUndefined();
    expect(machineDate("2022-08-27T00:00:00+03:00")).toBe("2022-08-26T21:00:00.000Z");
  });
  it("knows its offsets and zones", () => {
    expect(parseOffset("+05:45")).toBe(345);
    expect(parseOffset("-03:30")).toBe(-210);
    expect(parseOffset("+25:00")).toBeUndefined();
    expect(offsetLabel(-210)).toBe("UTC−03:30");
    expect(zoneOffsetMinutes(Date.UTC(2024, 6, 1), "Europe/Berlin")).toBe(120);
    // The day summer time starts (01:00 UTC): both sides of the change, in either order.
    expect(zoneOffsetMinutes(Date.UTC(2024, 2, 31, 1, 0), "Europe/Berlin")).toBe(120);
    expect(zoneOffsetMinutes(Date.UTC(2024, 2, 31, 0, 59), "Europe/Berlin")).toBe(60);
    expect(zoneOffsetMinutes(Date.UTC(2024, 2, 31, 23, 0), "Europe/Berlin")).toBe(120);
    expect(zoneOffsetMinutes(Date.UTC(2024, 2, 30, 23, 0), "Europe/Berlin")).toBe(60);
    expect(isTimeZone("Asia/Almaty")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
  });
});

describe("httpUrl", () => {
  it("keeps http(s) URLs only", () => {
    expect(httpUrl("https://example.kz/a")).toBe("https://example.kz/a");
    expect(httpUrl("javascript:alert(1)")).toBeUndefined();
    expect(httpUrl("data:text/html,x")).toBeUndefined();
    expect(httpUrl(undefined)).toBeUndefined();
  });
});

describe("textParagraphs", () => {
  it("splits on blank lines and keeps line breaks", () => {
    expect(textParagraphs("a\nb\r\n\r\n\n c \n\n")).toEqual([["a", "b"], ["c"]]);
  });
});

describe("formatBytes", () => {
  it("rounds to a readable unit", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1234567)).toBe("1.2 MB");
    expect(formatBytes(50 * 1024 * 1024)).toBe("50 MB");
  });
});
