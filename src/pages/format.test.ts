import { describe, expect, it } from "vitest";
import { formatBytes, formatUtcDate, httpUrl, machineDate, textParagraphs } from "./format";

describe("formatUtcDate", () => {
  it("writes the UTC date and time, whatever the offset given", () => {
    expect(formatUtcDate("2022-08-27T00:00:00+03:00")).toBe("26 Aug 2022, 21:00 UTC");
    expect(formatUtcDate("2022-08-27T00:00:00.000Z")).toBe("27 Aug 2022, 00:00 UTC");
    expect(formatUtcDate("2024-01-05T09:07:59Z")).toBe("5 Jan 2024, 09:07 UTC");
  });
  it("leaves what is not a date as it is", () => {
    expect(formatUtcDate("yesterday")).toBe("yesterday");
    expect(machineDate("yesterday")).toBeUndefined();
    expect(machineDate("2022-08-27T00:00:00+03:00")).toBe("2022-08-26T21:00:00.000Z");
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
